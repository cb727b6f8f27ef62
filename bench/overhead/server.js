'use strict';
// The service measured by bench/overhead/run.js, one config per process:
//   node server.js <off|default|all|memwatch|asynchooks>
// Per request it does what a typical handler does: adds a listener to a shared (tracked)
// emitter and removes it when the response ends, arms a request timeout and clears it,
// builds a JSON body (allocation) and pipes it through gzip into the response (the gzip
// stream destroyed if the client goes away first).
// It listens on 127.0.0.1:0 and reports its port over IPC; on {cmd: 'stats'} it answers
// with its memory and, for leakguard configs, what leakguard reports about itself.
const http = require('node:http');
const zlib = require('node:zlib');
const { Readable } = require('node:stream');
const { EventEmitter } = require('node:events');

const config = process.argv[2] || 'off';
let leakguard = null;
let peer = null;

const bus = new EventEmitter(); // app-wide config/shutdown notifications
bus.setMaxListeners(0);

switch (config) {
  case 'off':
    break;
  case 'default':
    leakguard = require('../..');
    leakguard.start();
    break;
  case 'all':
    // Every option on, a stack for every site.
    leakguard = require('../..');
    leakguard.start({ timers: true, streams: true, handles: true, heapSites: true, heapDiagnosis: true, forcedGc: true, allStacks: true });
    break;
  case 'memwatch': {
    // As its README suggests: listen for post-GC stats and leak events.
    const memwatch = require('@airbnb/node-memwatch');
    peer = { stats: 0, leaks: 0, last: null };
    memwatch.on('stats', (s) => { peer.stats++; peer.last = s.used_heap_size; });
    memwatch.on('leak', () => { peer.leaks++; });
    break;
  }
  case 'asynchooks':
    peer = require('./async-hooks-tracker').start();
    break;
  default:
    if (config.startsWith('probe:')) {
      // Without leakguard running: one of the default mode's memory actions done once,
      // 20 s into the warm-up, to see whether it leaves the process slower afterwards.
      const what = config.slice(6);
      setTimeout(() => {
        if (what === 'gc') require('../../lib/gc').forceGc();
        if (what === 'expose') {
          require('node:v8').setFlagsFromString('--expose-gc');
          globalThis.probeGc = require('node:vm').runInNewContext('gc');
        }
        if (what === 'profiler') {
          const sampler = require('../../lib/heap-sampler');
          sampler.acquire(64 * 1024);
          setTimeout(() => { sampler.rawProfile(); setTimeout(() => sampler.release(), 10000); }, 10000);
        }
        if (what === 'profileron') require('../../lib/heap-sampler').acquire(64 * 1024); // and never released
        if (what === 'session') {
          const session = new (require('node:inspector').Session)();
          session.connect(); // connected for good, no domain enabled
          globalThis.probeSession = session;
        }
        if (what === 'buffers') {
          const { BufferSites } = require('../../lib/buffer-sites');
          const b = new BufferSites();
          b.start();
          const t = setInterval(() => b.sites(), 1000);
          setTimeout(() => { clearInterval(t); b.stop(); }, 20000);
        }
      }, 20000);
      break;
    }
    if (config === 'default-gc') {
      // The default mode with its confirming GCs run by gc() (--expose-gc), as before
      // 2026-12-05, to compare with V8's memory-pressure collection side by side.
      const g = require('../../lib/gc');
      g.confirmingGc = () => {
        g.forceGc();
        return 'gc';
      };
      leakguard = require('../..');
      leakguard.start();
      break;
    }
    if (config.startsWith('lg:')) {
      // Ad-hoc: `lg:{"forcedGc":false}` runs leakguard.start() with these options.
      leakguard = require('../..');
      leakguard.start(JSON.parse(config.slice(3)));
      break;
    }
    console.error(`unknown config ${config}`);
    process.exit(2);
}
if (leakguard) leakguard.trackEmitter(bus, { name: 'bus' });

const NAMES = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
function buildBody(url) {
  const items = [];
  for (let i = 0; i < 24; i++) {
    items.push({ id: i, name: `${NAMES[i % NAMES.length]}-${i}`, path: url, tags: [NAMES[(i + 1) % 5], NAMES[(i + 2) % 5]], score: i * 1.5 });
  }
  return JSON.stringify({ ok: true, at: Date.now(), items });
}

function onTimeout(res) {
  if (!res.headersSent) res.statusCode = 503;
  res.destroy();
}

let served = 0;
const server = http.createServer((req, res) => {
  served++;
  const onReload = (settings) => res.setHeader('x-settings', String(settings));
  bus.on('reload', onReload);
  const timeout = setTimeout(onTimeout, 30000, res);
  const gzip = zlib.createGzip({ level: 1 });
  res.on('close', () => {
    clearTimeout(timeout);
    bus.removeListener('reload', onReload);
    // A client that went away mid-response (autocannon closes its connections at the end
    // of every slice): .pipe() would leave the gzip stream open until GC, and leakguard
    // reported those as a growing count of open Gzip streams (docs/overhead.md).
    // (stream.pipeline() does this too, but in this service it made every config, off
    // included, run a major GC every ~4 s under load.)
    if (!res.writableFinished) gzip.destroy();
  });
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-encoding', 'gzip');
  Readable.from([buildBody(req.url)]).pipe(gzip).pipe(res);
});
server.keepAliveTimeout = 60000;

// Major GCs (all configs alike): a forced full GC under load was seen to double V8's
// young generation and leave the process running a major GC every few seconds
// (docs/overhead.md), so the bench counts them, with the young generation's size.
let majorGcs = 0;
{
  const { PerformanceObserver, constants } = require('node:perf_hooks');
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if ((e.detail ? e.detail.kind : e.kind) === constants.NODE_PERFORMANCE_GC_MAJOR) majorGcs++;
  }).observe({ entryTypes: ['gc'] });
}

function stats() {
  const m = process.memoryUsage();
  const newSpace = require('node:v8').getHeapSpaceStatistics().find((x) => x.space_name === 'new_space');
  const cpu = process.cpuUsage();
  const ru = process.resourceUsage();
  const out = { config, served, cpuUs: cpu.user + cpu.system, userUs: cpu.user, systemUs: cpu.system, minorFaults: ru.minorPageFault, majorGcs, newSpaceBytes: newSpace ? newSpace.space_size : null, rss: m.rss, heapUsed: m.heapUsed, external: m.external };
  if (leakguard) {
    const r = leakguard.report();
    const lg = r.leakguard || {};
    out.leakguard = {
      self: r.self, // present when the report says what leakguard holds itself
      stackCaptures: require('../../lib/sites').captureCount(),
      detectorBytes: lg.detector && lg.detector.approxBytes,
      series: lg.detector && lg.detector.series,
      ticks: lg.ticks,
      lastTickMs: lg.lastTickMs,
      forcedGcs: lg.forcedGcs,
      forcedGcMs: lg.forcedGcMs,
      forcedGcMethod: lg.forcedGcMethod,
      heapSampling: lg.heapSampling,
      heapProfiles: lg.heapProfiles,
      bufferSampling: lg.bufferSampling,
      bufferSamples: lg.bufferSamples,
      hookErrors: lg.hookErrors,
      findings: (r.findings || []).length,
    };
  }
  if (peer) out.peer = typeof peer.stats === 'function' ? peer.stats() : { ...peer };
  return out;
}

process.on('disconnect', () => process.exit(0)); // the runner went away

process.on('message', (msg) => {
  if (msg && msg.cmd === 'stats') process.send({ type: 'stats', stats: stats() });
  // bench/overhead/instructions.js: the default mode's memory episodes, done now, each
  // once (the Buffer sampler on and off, the sampling heap profiler on, read and off, a
  // confirming GC), to measure whether they leave the process doing more work afterwards.
  // `which`: some of 'buffers', 'profiler', 'gc' (default: all three).
  if (msg && msg.cmd === 'episodes') {
    const which = new Set(msg.which || ['buffers', 'profiler', 'gc']);
    const { BufferSites } = require('../../lib/buffer-sites');
    const b = new BufferSites();
    if (which.has('buffers')) b.start();
    const sampler = require('../../lib/heap-sampler');
    if (which.has('profiler')) sampler.acquire(64 * 1024);
    setTimeout(() => {
      if (which.has('buffers')) {
        b.sites();
        b.stop();
      }
      if (which.has('profiler')) {
        sampler.rawProfile();
        sampler.release();
      }
      if (which.has('gc')) require('../../lib/gc').forceGc();
      process.send({ type: 'episodes-done' });
    }, msg.ms || 5000);
  }
  if (msg && msg.cmd === 'exit') server.close(() => process.exit(0)) && server.closeAllConnections();
});

server.listen(0, '127.0.0.1', () => {
  process.send({ type: 'ready', port: server.address().port });
});
