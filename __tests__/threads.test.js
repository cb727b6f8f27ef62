'use strict';
// Worker threads (issue 7): each worker runs its own monitor (own JS state, own native
// detector), and combinedReport() gathers every thread's report over a BroadcastChannel.
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const leakguard = require('..');
const { startManual, drive } = require('./fixtures/core/drive');

const ROOT = JSON.stringify(path.resolve(__dirname, '..'));

// A worker that starts its own monitor and, on { leak: name, ticks }, drives a
// listener leak on `name` over `ticks` simulated ticks; 'stop' stops its monitor;
// 'end' lets the thread end without stop(); 'ask' makes it call combinedReport() itself.
const WORKER = `
  const { parentPort } = require('node:worker_threads');
  const { EventEmitter } = require('node:events');
  const lg = require(${ROOT});
  const m = lg.start({ intervalMs: 3600000, warmupMs: 0, heapSites: false, forcedGc: false });
  parentPort.on('message', async (msg) => {
    if (msg.leak) {
      const bus = lg.trackEmitter(new EventEmitter(), { name: msg.leak });
      bus.setMaxListeners(0);
      globalThis.keep = bus;
      const t0 = Date.now();
      for (let i = 0; i < msg.ticks; i++) { for (let k = 0; k < 5; k++) bus.on('x', () => {}); m.tick(t0 + i * 1000); }
      parentPort.postMessage('leaked');
    } else if (msg === 'stop') {
      lg.stop();
      parentPort.postMessage('stopped');
    } else if (msg === 'end') {
      parentPort.close(); // the thread ends on its own, without lg.stop()
    } else if (msg === 'ask') {
      // The main thread's hello (an answer to this thread's 'who') is awaited first.
      const roster = require(${JSON.stringify(path.resolve(__dirname, '..', 'lib', 'threads.js'))})._roster;
      for (let i = 0; i < 100000 && !roster.has(0); i++) await new Promise((resolve) => setImmediate(resolve));
      parentPort.postMessage(await lg.combinedReport({ timeoutMs: 10000 }));
    }
  });
  parentPort.postMessage('ready');
`;

const workers = [];

function spawn() {
  const w = new Worker(WORKER, { eval: true });
  workers.push(w);
  return w;
}

// The main thread knows a worker's monitor once its hello (BroadcastChannel) arrived,
// which is not ordered with the worker's parentPort messages: await it.
async function known(...ws) {
  const roster = require('../lib/threads')._roster;
  for (let i = 0; i < 100000 && !ws.every((w) => roster.has(w.threadId)); i++) await new Promise((resolve) => setImmediate(resolve));
  expect(ws.filter((w) => !roster.has(w.threadId))).toEqual([]);
}

function next(w) {
  return new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
}

async function send(w, msg) {
  const reply = next(w);
  w.postMessage(msg);
  return reply;
}

// Workers end on their own (their monitors say bye), so no test sees another's as missing.
async function end(w) {
  const tid = w.threadId;
  if (tid < 0) return; // already exited
  await new Promise((resolve) => {
    w.once('exit', resolve);
    w.postMessage('end');
  });
  // Its bye travels on the BroadcastChannel, not ordered with the 'exit' event: await it.
  const roster = require('../lib/threads')._roster;
  for (let i = 0; i < 100000 && roster.has(tid); i++) await new Promise((resolve) => setImmediate(resolve));
  expect(roster.has(tid)).toBe(false);
}

afterEach(async () => {
  leakguard.stop();
  await Promise.all(workers.splice(0).map(end));
});

const listenerTargets = (report) => report.findings.filter((f) => f.kind === 'listeners').map((f) => f.target);

test("each worker's monitor sees only its own thread; the main thread gets every report", async () => {
  const m = startManual();
  const [a, b] = [spawn(), spawn()];
  await Promise.all([next(a), next(b)]);
  await known(a, b);
  await Promise.all([send(a, { leak: 'bus-a', ticks: 20 }), send(b, { leak: 'bus-b', ticks: 25 })]);
  drive(m, 3, () => {});

  const r = await leakguard.combinedReport({ timeoutMs: 10000 });
  expect(r.missing).toEqual([]);
  expect(r.main.running).toBe(true);
  expect(r.main.pid).toBe(process.pid);
  expect(r.main.leakguard.ticks).toBe(3);
  expect(listenerTargets(r.main)).toEqual([]);
  expect(r.workers.map((w) => w.threadId)).toEqual([a.threadId, b.threadId].sort((x, y) => x - y));
  const byThread = Object.fromEntries(r.workers.map((w) => [w.threadId, w.report]));
  // Separate native detectors: each counted its own ticks and series.
  expect(byThread[a.threadId].leakguard.ticks).toBe(20);
  expect(byThread[b.threadId].leakguard.ticks).toBe(25);
  expect(listenerTargets(byThread[a.threadId])).toEqual(['bus-a:x']);
  expect(listenerTargets(byThread[b.threadId])).toEqual(['bus-b:x']);
  expect(byThread[a.threadId].emitters).toEqual([{ name: 'bus-a', type: 'EventEmitter', listeners: { x: 100 } }]);
  expect(byThread[b.threadId].emitters).toEqual([{ name: 'bus-b', type: 'EventEmitter', listeners: { x: 125 } }]);
  expect(leakguard.report().emitters.map((e) => e.name)).not.toContain('bus-a');
  // Plain data: the reports crossed threads by structured clone.
  expect(JSON.parse(JSON.stringify(r))).toEqual(r);
});

test('a stopped or ended worker leaves the combined report; a terminated one is reported missing once', async () => {
  startManual();
  const [a, b] = [spawn(), spawn()];
  await Promise.all([next(a), next(b)]);
  await known(a, b);
  expect(await send(a, 'stop')).toBe('stopped');
  const r = await leakguard.combinedReport({ timeoutMs: 10000 });
  expect(r.workers.map((w) => w.threadId)).toEqual([b.threadId]);
  expect(r.missing).toEqual([]);

  // Ended without stop(): its monitor said bye on the thread's exit.
  const c = spawn();
  await next(c);
  await known(c);
  await end(c);
  const rc = await leakguard.combinedReport({ timeoutMs: 10000 });
  expect(rc.workers.map((w) => w.threadId)).toEqual([b.threadId]);
  expect(rc.missing).toEqual([]);

  // Terminated: it cannot say bye.
  const gone = b.threadId;
  await b.terminate();
  const r2 = await leakguard.combinedReport({ timeoutMs: 300 });
  expect(r2.workers).toEqual([]);
  expect(r2.missing).toEqual([gone]);
  // Not waited for again.
  const r3 = await leakguard.combinedReport({ timeoutMs: 10000 });
  expect(r3.missing).toEqual([]);
  expect(r3.workers).toEqual([]);
});

test('a worker can ask too: main is the main thread, the asker is among the workers', async () => {
  startManual();
  const a = spawn();
  await next(a);
  const r = await send(a, 'ask');
  expect(r.main.running).toBe(true);
  expect(r.main.pid).toBe(process.pid);
  expect(r.workers.map((w) => w.threadId)).toEqual([a.threadId]);
  expect(r.missing).toEqual([]);
});

test('without a monitor in the main thread, main is its not-running report (the call waits its whole timeout)', async () => {
  leakguard.stop();
  const a = spawn();
  await next(a);
  // No roster without a monitor here: nobody is known, every answer within the timeout counts.
  const r = await leakguard.combinedReport({ timeoutMs: 3000 });
  expect(r.main.running).toBe(false);
  expect(r.workers.map((w) => w.threadId)).toEqual([a.threadId]);
  expect(r.missing).toEqual([]);
  // Loading leakguard opens no channel: the roster exists only while needed.
  expect(require('../lib/threads')._roster.size).toBe(0);
});

test('options are checked', () => {
  expect(() => leakguard.combinedReport({ timeoutMs: 0 })).toThrow(expect.objectContaining({ name: 'RangeError', code: 'LEAKGUARD_INVALID_ARG' }));
  expect(() => leakguard.combinedReport({ timeoutMs: '1' })).toThrow(expect.objectContaining({ name: 'TypeError', code: 'LEAKGUARD_INVALID_ARG' }));
  expect(() => leakguard.combinedReport({ timeout: 5 })).toThrow(expect.objectContaining({ code: 'LEAKGUARD_UNKNOWN_OPTION' }));
  expect(() => leakguard.combinedReport(null)).toThrow(TypeError);
});
