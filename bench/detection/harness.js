'use strict';
// Child-process entry of the detection benchmark: runs one workload under leakguard
// (public API, default settings apart from `--interval-ms` when given) and, side by
// side in the same process, the baseline signals a user could use instead:
//
//   maxListeners   Node's MaxListenersExceededWarning (process.on('warning'))
//   memwatch5      memwatch-style rule: heapUsed read after a major GC grew over 5
//                  consecutive major GCs (V8's own GCs; leakguard's forced GCs skipped)
//   resources50    process.getActiveResourcesInfo().length up by > 50 % (and by >= 5)
//                  over its value at the end of the warm-up, sampled every second
//
// Every signal, leakguard's included, is armed at the end of the warm-up (leakguard's
// `warmupMs`, 10 s by default). The warning is emitted once per emitter and event: when
// Node emitted it during the warm-up it counts at 0 s.
//
//   node bench/detection/harness.js <workload> [--interval-ms N] [--no-leakguard] [--start-after-warmup] [--sensitivity X] [--no-forced-gc]
//
// With --no-leakguard only the baselines run (leakguard is not loaded; trackEmitter is
// the identity): what a user without leakguard would see. The runner uses that pass for
// the baseline columns, because leakguard's confirming GCs change when V8 runs its own
// major GCs, which the memwatch-style rule depends on.
//
// Talks to bench/detection/run.js over IPC: 'ready', 'serve' (start HTTP load),
// 'leak'/'resolved'/'signal' (live), and on 'finish' a 'result' message, then exits.
const path = require('node:path');
const v8 = require('node:v8');
const { parseArgs } = require('node:util');
const { PerformanceObserver, constants } = require('node:perf_hooks');

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'interval-ms': { type: 'string' }, 'no-leakguard': { type: 'boolean', default: false }, 'start-after-warmup': { type: 'boolean', default: false }, sensitivity: { type: 'string' }, 'no-forced-gc': { type: 'boolean', default: false } },
});
const workload = positionals[0];
if (!workload || !/^[a-z0-9-]+$/.test(workload)) throw new Error(`usage: harness.js <workload> (got ${workload})`);
const send = (msg) => { if (process.send) process.send(msg); };

// --- baselines (set up before leakguard, so its timer patch does not see their timer) --
const baselines = {
  maxListeners: { at: null, detail: null },
  memwatch5: { at: null, detail: null, majorGcs: 0, streak: 0, last: null },
  resources50: { at: null, detail: null, reference: null, max: 0, last: 0 },
};
let warmEnd = Infinity; // epoch ms; set once leakguard has started
const relMs = (t) => t - warmEnd;

function fire(name, detail, at = Date.now()) {
  const b = baselines[name];
  if (b.at !== null) return;
  b.at = Math.max(at, warmEnd);
  b.detail = detail;
  send({ type: 'signal', signal: name, atMs: relMs(b.at), detail });
}

let warningEarly = null;
process.on('warning', (w) => {
  if (w && w.name === 'MaxListenersExceededWarning') {
    if (Date.now() < warmEnd) warningEarly = warningEarly || w.message;
    else fire('maxListeners', w.message);
  }
});

const FORCED = constants.NODE_PERFORMANCE_GC_FLAGS_FORCED;
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const d = e.detail || e;
    if (d.kind !== constants.NODE_PERFORMANCE_GC_MAJOR || (d.flags & FORCED)) continue;
    const m = baselines.memwatch5;
    m.majorGcs++;
    const heapUsed = process.memoryUsage().heapUsed;
    if (Date.now() < warmEnd) { m.last = heapUsed; continue; }
    m.streak = m.last !== null && heapUsed > m.last ? m.streak + 1 : 0;
    m.last = heapUsed;
    if (m.streak >= 5) fire('memwatch5', `heapUsed ${(heapUsed / 1048576).toFixed(1)} MiB after 5 consecutive growing major GCs`);
  }
});
gcObserver.observe({ entryTypes: ['gc'] });

const resourceTimer = setInterval(() => {
  const n = process.getActiveResourcesInfo().length;
  const r = baselines.resources50;
  r.last = n;
  if (Date.now() < warmEnd) return;
  if (r.reference === null) { r.reference = n; return; }
  r.max = Math.max(r.max, n);
  if (n > 1.5 * r.reference && n - r.reference >= 5) fire('resources50', `${r.reference} -> ${n} active resources`);
}, 1000);
resourceTimer.unref();

// --- leakguard --------------------------------------------------------------------
const withLeakguard = !args['no-leakguard'];
const leakguard = withLeakguard ? require('../..') : { trackEmitter: (e) => e, trackStream: (s) => s, findings: () => [] };
const { DEFAULTS } = require('../../lib/options');

const startOptions = args['interval-ms'] || args.sensitivity || args['no-forced-gc'] ? {
  ...(args['interval-ms'] ? { intervalMs: Number(args['interval-ms']) } : {}),
  ...(args.sensitivity ? { sensitivity: Number(args.sensitivity) } : {}),
  ...(args['no-forced-gc'] ? { forcedGc: false } : {}),
} : undefined;
const monitor = withLeakguard ? leakguard.start(startOptions) : null;
const options = monitor ? monitor.options : { ...DEFAULTS, ...startOptions };
const startedAt = Date.now();
warmEnd = startedAt + options.warmupMs;
const events = []; // { type: 'leak'|'resolved', atMs, finding }

if (monitor) {
  monitor.on('leak', (f) => {
    events.push({ type: 'leak', atMs: relMs(Date.now()), finding: f });
    send({ type: 'leak', atMs: relMs(Date.now()), finding: f });
  });
  monitor.on('resolved', (f) => {
    events.push({ type: 'resolved', atMs: relMs(Date.now()), finding: f });
    send({ type: 'resolved', atMs: relMs(Date.now()), finding: f });
  });
}

const armWarning = setTimeout(() => {
  if (warningEarly) fire('maxListeners', `${warningEarly} (emitted during the warm-up)`, warmEnd);
}, options.warmupMs + 50);
armWarning.unref();

// --- API for workloads --------------------------------------------------------------
let server = null;
module.exports = {
  /** Listens on 127.0.0.1 and asks the runner to drive HTTP load (autocannon). */
  serve(httpServer, load) {
    server = httpServer;
    httpServer.listen(0, '127.0.0.1', () => {
      send({ type: 'serve', port: httpServer.address().port, load });
    });
  },
  leakguard,
};

process.on('message', (msg) => {
  if (!msg || msg.type !== 'finish') return;
  const endAt = Date.now();
  const report = monitor ? leakguard.report() : null;
  const result = {
    type: 'result',
    workload,
    withLeakguard,
    node: process.version,
    options,
    runMs: endAt - startedAt,
    afterWarmupMs: relMs(endAt),
    events,
    openAtEnd: leakguard.findings(),
    baselines: Object.fromEntries(Object.entries(baselines).map(([k, b]) => [k, { atMs: b.at === null ? null : relMs(b.at), detail: b.detail }])),
    baselineState: {
      majorGcs: baselines.memwatch5.majorGcs,
      resourcesReference: baselines.resources50.reference,
      resourcesMax: baselines.resources50.max,
      resourcesLast: baselines.resources50.last,
    },
    memory: { ...process.memoryUsage(), heapSizeLimit: v8.getHeapStatistics().heap_size_limit },
    report: report && {
      memoryFloors: report.memory.floors,
      series: report.series,
      timers: report.timers,
      streams: report.streams,
      handles: report.handles,
      leakguard: report.leakguard,
    },
  };
  process.send(result, () => process.exit(0));
  if (server) server.closeAllConnections && server.closeAllConnections();
});

send({ type: 'ready', warmupMs: options.warmupMs, intervalMs: options.intervalMs, withLeakguard });
// --start-after-warmup: the process idles through the warm-up and the workload (its
// leak included) starts when it ends, so the time to detect is measured from the
// leak's first moment in an already warm process, with no growth seen during warm-up.
if (args['start-after-warmup']) setTimeout(() => require(path.join(__dirname, 'workloads', `${workload}.js`)), Math.max(0, warmEnd - Date.now()));
else require(path.join(__dirname, 'workloads', `${workload}.js`));
