'use strict';
const { EventEmitter } = require('node:events');
const { Worker } = require('node:worker_threads');
const path = require('node:path');
const leakguard = require('..');
const { startManual, drive } = require('./fixtures/core/drive');

afterEach(() => leakguard.stop());

function leakyBus(name) {
  const bus = leakguard.trackEmitter(new EventEmitter(), { name });
  bus.setMaxListeners(0);
  return bus;
}

test('a LeakFinding has the documented shape and is JSON-safe', () => {
  const m = startManual();
  const bus = leakyBus('shape');
  drive(m, 20, () => { for (let k = 0; k < 5; k++) bus.on('evt', () => {}); });
  const [f] = leakguard.findings();
  expect(Object.keys(f).sort()).toEqual(['baseline', 'closedAt', 'confidence', 'current', 'growthPerMinute', 'id', 'kind', 'message', 'since', 'sites', 'target', 'timeToLimitMs', 'unit'].sort());
  expect(f).toEqual({
    id: expect.any(Number),
    kind: 'listeners',
    target: 'shape:evt',
    unit: 'listeners',
    baseline: expect.any(Number),
    current: 100,
    growthPerMinute: expect.any(Number),
    confidence: expect.any(Number),
    timeToLimitMs: null,
    closedAt: null,
    sites: [{ stack: expect.stringMatching(/^__tests__\/monitor\.test\.js:\d+:\d+/), count: 100 }],
    since: expect.any(Number),
    message: expect.stringMatching(/^listeners on shape:evt keep growing/),
  });
  expect(f.confidence).toBeGreaterThan(0.99);
  expect(f.confidence).toBeLessThanOrEqual(1);
  expect(JSON.parse(JSON.stringify(f))).toEqual(f);
});

test('report() is a plain JSON-safe object with memory, trackers, findings and leakguard\'s own cost', () => {
  const m = startManual();
  const bus = leakyBus('report');
  drive(m, 12, () => bus.on('x', () => {}));
  const r = leakguard.report();
  expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  expect(r.running).toBe(true);
  expect(r.memory).toEqual(expect.objectContaining({ heapUsed: expect.any(Number), rss: expect.any(Number), heapSizeLimit: expect.any(Number) }));
  expect(r.memory.floors.map((s) => s.kind)).toEqual(expect.arrayContaining(['rss']));
  expect(r.emitters).toEqual(expect.arrayContaining([{ name: 'report', type: 'EventEmitter', listeners: { x: 12 } }]));
  expect(r.series).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'listeners', target: 'report:x', current: 12 })]));
  expect(r.timers.live).toEqual({ Timeout: expect.any(Number), Immediate: expect.any(Number) });
  expect(r.leakguard.ticks).toBe(12);
  expect(r.leakguard.detector.series).toBeGreaterThan(0);
  expect(r.leakguard.detector.approxBytes).toBeGreaterThan(0);
  expect(r.leakguard.hookErrors).toBe(0);
  expect(leakguard.stop()).toBe(true);
  expect(leakguard.report()).toEqual(expect.objectContaining({ running: false, findings: [] }));
});

test('a throwing "leak" listener is isolated: the tick goes on, other listeners still run, a warning is emitted', () => {
  const m = startManual();
  const bus = leakyBus('throwing');
  const seen = [];
  m.on('leak', () => { throw new Error('listener bug'); });
  m.on('leak', (f) => seen.push(f.target));
  const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
  const { opened } = drive(m, 20, () => { for (let k = 0; k < 5; k++) bus.on('e', () => {}); });
  expect(opened).toHaveLength(1);
  expect(seen).toEqual(['throwing:e']);
  expect(m.report().leakguard.listenerErrors).toBe(1);
  expect(emitWarning).toHaveBeenCalledTimes(1);
  expect(emitWarning.mock.calls[0][0]).toMatch(/a 'leak' listener threw: listener bug/);
  expect(emitWarning.mock.calls[0][1]).toEqual({ code: 'LEAKGUARD_LISTENER_ERROR' });
  emitWarning.mockRestore();
});

test('stop()/start() cycles leave no hooks behind and the same state each time', () => {
  const origTimeout = globalThis.setTimeout;
  const fs = require('node:fs');
  const origCreateReadStream = fs.createReadStream;
  for (let i = 0; i < 200; i++) {
    const m = leakguard.start({ intervalMs: 50, warmupMs: 0 });
    expect(globalThis.setTimeout).not.toBe(origTimeout);
    expect(fs.createReadStream).not.toBe(origCreateReadStream);
    m.tick();
    expect(leakguard.stop()).toBe(true);
    expect(globalThis.setTimeout).toBe(origTimeout);
    expect(fs.createReadStream).toBe(origCreateReadStream);
  }
  expect(leakguard.stop()).toBe(false);
  expect(leakguard.getMonitor()).toBeNull();
  expect(leakguard.findings()).toEqual([]);
});

test('the monitor does not keep the process alive', async () => {
  const { execFileSync } = require('node:child_process');
  const t0 = Date.now();
  const out = execFileSync(process.execPath, ['-e', `require(${JSON.stringify(path.resolve(__dirname, '..'))}).start({ intervalMs: 1000 }); console.log('done')`], { encoding: 'utf8' });
  expect(out.trim()).toBe('done');
  expect(Date.now() - t0).toBeLessThan(30000);
});

test('leakguard loads and monitors inside a worker thread, with its own monitor', async () => {
  const code = `
    const { parentPort } = require('node:worker_threads');
    const { EventEmitter } = require('node:events');
    const lg = require(${JSON.stringify(path.resolve(__dirname, '..'))});
    const m = lg.start({ intervalMs: 3600000, warmupMs: 0, heapSites: false });
    const bus = lg.trackEmitter(new EventEmitter(), { name: 'worker-bus' });
    bus.setMaxListeners(0);
    const t0 = Date.now();
    for (let i = 0; i < 20; i++) { for (let k = 0; k < 5; k++) bus.on('x', () => {}); m.tick(t0 + i * 1000); }
    parentPort.postMessage(lg.findings().filter((f) => f.kind === 'listeners').map((f) => ({ target: f.target, site: f.sites[0] && f.sites[0].stack })));
    lg.stop();
  `;
  startManual();
  const w = new Worker(code, { eval: true });
  const targets = await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
  await new Promise((resolve) => w.once('exit', resolve));
  expect(targets).toEqual([{ target: 'worker-bus:x', site: expect.stringMatching(/^\[worker eval\]:\d+:\d+/) }]);
  // The main thread's monitor saw none of it.
  expect(leakguard.findings().filter((f) => f.kind === 'listeners')).toEqual([]);
});
