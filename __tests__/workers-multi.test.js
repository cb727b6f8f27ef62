'use strict';
// Several worker threads at once, each with its own monitor (one per thread), next to
// the main thread's: each sees only its own leak, the hooks of one thread do not touch
// another's, a worker terminated while monitoring takes nothing down, and the copies
// registry is per thread.
const { Worker } = require('node:worker_threads');
const { EventEmitter } = require('node:events');
const path = require('node:path');
const leakguard = require('..');

const ENTRY = path.join(__dirname, '..', 'index.js');
const WORKER = `
const { parentPort, workerData, threadId } = require('node:worker_threads');
const { EventEmitter } = require('node:events');
const leakguard = require(workerData.entry);
const origSetTimeout = globalThis.setTimeout;
const out = { threadId };
// start()/stop() cycled, then one monitor that finds this worker's own leak.
for (let i = 0; i < 20; i++) { leakguard.start({ intervalMs: 3600000 }); leakguard.stop(); }
const monitor = leakguard.start({ intervalMs: 3600000, warmupMs: 0, forcedGc: false });
out.patched = globalThis.setTimeout !== origSetTimeout;
const bus = leakguard.trackEmitter(new EventEmitter(), { name: 'bus-' + workerData.n });
bus.setMaxListeners(0);
let now = Date.now();
for (let t = 0; t < 20; t++) {
  for (let i = 0; i < workerData.perTick; i++) bus.on('job', () => {});
  monitor.tick((now += 1000));
}
out.findings = leakguard.findings().filter((f) => f.kind === 'listeners').map((f) => ({ target: f.target, current: f.current }));
out.copies = leakguard.report().leakguard.copies.length;
if (workerData.hang) {
  parentPort.postMessage(out);
  setInterval(() => monitor.tick((now += 1000)), 1); // monitoring when terminated
} else {
  leakguard.stop();
  out.restored = globalThis.setTimeout === origSetTimeout;
  parentPort.postMessage(out);
}
`;

function spawn(n, extra = {}) {
  const w = new Worker(WORKER, { eval: true, workerData: { entry: ENTRY, n, perTick: 10 * (n + 1), ...extra } });
  const message = new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  const exit = new Promise((resolve) => w.once('exit', resolve));
  return { w, message, exit };
}

afterEach(() => leakguard.stop());

test('four workers at once, each with its own monitor and its own leak, next to the main thread\'s monitor', async () => {
  const mainMonitor = leakguard.start({ intervalMs: 3600000, warmupMs: 0, forcedGc: false });
  const mainSetTimeout = globalThis.setTimeout;
  const mainBus = leakguard.trackEmitter(new EventEmitter(), { name: 'main-bus' });
  mainBus.on('x', () => {});
  const workers = [0, 1, 2, 3].map((n) => spawn(n));
  const results = await Promise.all(workers.map((x) => x.message));
  const codes = await Promise.all(workers.map((x) => x.exit));
  expect(codes).toEqual([0, 0, 0, 0]);
  results.forEach((r, n) => {
    expect(r.patched).toBe(true);
    expect(r.restored).toBe(true);
    expect(r.copies).toBe(1);
    expect(r.findings).toEqual([{ target: `bus-${n}:job`, current: 20 * 10 * (n + 1) }]);
  });
  expect(new Set(results.map((r) => r.threadId)).size).toBe(4);
  // The main thread's monitor and hooks are untouched by the workers' start()/stop().
  expect(leakguard.getMonitor()).toBe(mainMonitor);
  expect(mainMonitor.running).toBe(true);
  expect(globalThis.setTimeout).toBe(mainSetTimeout);
  mainMonitor.tick(Date.now());
  expect(leakguard.report().emitters.map((e) => e.name)).toEqual(['main-bus']);
  expect(leakguard.findings().filter((f) => f.target.startsWith('bus-'))).toEqual([]);
});

test('a worker terminated while its monitor runs: the others and the main thread go on', async () => {
  const mainMonitor = leakguard.start({ intervalMs: 3600000, warmupMs: 0, forcedGc: false });
  const hanging = spawn(7, { hang: true });
  const normal = spawn(1);
  const first = await hanging.message;
  expect(first.findings).toEqual([{ target: 'bus-7:job', current: 20 * 10 * 8 }]);
  await hanging.w.terminate();
  expect(await hanging.exit).toBe(1); // terminate()'s exit code
  const r = await normal.message;
  expect(await normal.exit).toBe(0);
  expect(r.findings).toEqual([{ target: 'bus-1:job', current: 400 }]);
  expect(mainMonitor.tick(Date.now())).not.toBe(null);
});
