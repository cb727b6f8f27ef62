'use strict';
// A real node:http server with four leaks that can each be turned off:
//   listener  a listener per request on a shared, long-lived bus (never removed)
//   interval  an interval per 10th request, never cleared
//   cache     an unbounded Map cache with a new key per request
//   buffers   Buffers pushed to a module-level array
// With every leak off it still does the healthy versions of the same work: a
// listener added and removed, a timer set and cleared, a bounded LRU cache, a
// fixed ring of buffers.
//
// Run alone:   node examples/leaky-server.js [--port 3000] [--leaks listener,cache|none]
// Under the demo (examples/demo.js) it is forked and reports over IPC.
const http = require('node:http');
const { EventEmitter } = require('node:events');
const { parseArgs } = require('node:util');
const leakguard = require('..');

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    leaks: { type: 'string', default: 'listener,interval,cache,buffers' },
    'interval-ms': { type: 'string', default: '1000' },
    'warmup-ms': { type: 'string', default: '5000' },
    diagnose: { type: 'string', default: 'on' },
  },
});
const enabled = new Set(args.leaks === 'none' ? [] : args.leaks.split(','));

// heapDiagnosis: when the heap finding opens, two heap snapshots are diffed in Rust to
// name what grows and what retains it (blocks this server for about a second).
const monitor = leakguard.start({ intervalMs: Number(args['interval-ms']), warmupMs: Number(args['warmup-ms']), heapDiagnosis: args.diagnose !== 'off' });

const bus = leakguard.trackEmitter(new EventEmitter(), { name: 'bus' });
bus.setMaxListeners(0); // the usual way leaky code silences MaxListenersExceededWarning

const cache = new Map();
const rawBodies = [];
const lru = new Map();
const ring = Array.from({ length: 64 }, () => Buffer.alloc(1024));
let served = 0;

// --- the leaks (each on its own line, so a finding can point at it) ----------------
function subscribeToConfig(id) { bus.on('config', (cfg) => applyConfig(id, cfg)); } // LEAK: listener
function startHeartbeat(id) { setInterval(() => heartbeat(id), 60_000); } // LEAK: interval
function rememberResult(key, result) { cache.set(key, { json: JSON.stringify(result), at: Date.now() }); } // LEAK: cache
function keepRawBody(body) { rawBodies.push(Buffer.from(body)); } // LEAK: buffers

function applyConfig(id, cfg) {
  return `${id}:${cfg}`;
}

function heartbeat(id) {
  return id;
}

// --- the healthy twins -------------------------------------------------------------
function watchConfigOnce(res) {
  const onConfig = (cfg) => res.setHeader('x-config', String(cfg));
  bus.on('config', onConfig);
  res.on('finish', () => bus.off('config', onConfig));
}

function withTimeout(res) {
  const t = setTimeout(() => res.destroy(), 10_000);
  res.on('finish', () => clearTimeout(t));
}

function rememberBounded(key, value) {
  lru.delete(key);
  lru.set(key, value);
  if (lru.size > 1000) lru.delete(lru.keys().next().value);
}

function reuseBuffer(body) {
  ring[served % ring.length].write(body);
}

function handle(req, res) {
  served++;
  const body = JSON.stringify({ id: served, url: req.url, at: Date.now(), items: Array.from({ length: 20 }, (_, i) => i * served) });
  const result = { id: served, user: `user-${served % 5000}`, items: served % 100 };

  watchConfigOnce(res);
  withTimeout(res);
  rememberBounded(`user-${served % 5000}`, result);
  reuseBuffer(body);

  if (enabled.has('listener')) subscribeToConfig(served);
  if (enabled.has('interval') && served % 10 === 0) startHeartbeat(served);
  if (enabled.has('cache')) rememberResult(`${req.url}#${served}`, result);
  if (enabled.has('buffers') && served % 8 === 0) keepRawBody(body.padEnd(1024, ' '));

  res.setHeader('content-type', 'application/json');
  res.end(body);
}

const server = http.createServer(handle);
server.keepAliveTimeout = 30_000;
server.listen(Number(args.port), '127.0.0.1', () => {
  const { port } = server.address();
  if (process.send) process.send({ type: 'listening', port });
  else console.log(`leaky-server listening on http://127.0.0.1:${port} (leaks: ${[...enabled].join(', ') || 'none'})`);
});

monitor.on('diagnosis', ({ finding, diagnosis }) => {
  if (process.send) process.send({ type: 'diagnosis', id: finding.id, diagnosis });
});
monitor.on('resolved', (finding) => {
  if (process.send) process.send({ type: 'resolved', finding });
});
monitor.on('leak', (finding) => {
  if (process.send) process.send({ type: 'leak', finding });
  else console.log(`[leakguard] ${finding.message}`);
});

process.on('message', (msg) => {
  if (msg && msg.type === 'report') {
    // A heap diagnosis under way (two snapshots and their diff) is worth waiting for.
    const send = () => process.send({ type: 'report', report: leakguard.report(), served });
    if (monitor.diagnosing) {
      const t = setTimeout(send, 60_000);
      monitor.once('diagnosis', () => {
        clearTimeout(t);
        send();
      });
    } else {
      send();
    }
  }
  if (msg && msg.type === 'stop') {
    leakguard.stop();
    server.close();
    process.exit(0);
  }
});
