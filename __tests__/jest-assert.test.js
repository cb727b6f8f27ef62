'use strict';
// assertNoLeak / checkLeaks: the framework-agnostic API, options, hooks removed,
// fake timers (modern and legacy), async functions, the native trend test.
const EventEmitter = require('node:events');
const timers = require('node:timers');
const leakguard = require('..');
const { trendTest } = require('../lib/native');
const shapes = require('./fixtures/jest/shapes');
const { lineOf } = require('./fixtures/core/drive');
const path = require('node:path');

const FILE = path.join(__dirname, 'fixtures', 'jest', 'shapes.js');
const FAST = { heap: false };

test('requiring leakguard/jest installs no hook until a matcher runs', () => {
  const on = EventEmitter.prototype.on;
  const init = EventEmitter.init;
  const st = globalThis.setTimeout;
  require('../jest');
  expect(EventEmitter.prototype.on).toBe(on);
  expect(EventEmitter.init).toBe(init);
  expect(globalThis.setTimeout).toBe(st);
  expect(typeof expect.getState).toBe('function');
});

test('assertNoLeak rejects with a LeakError whose findings name kind, count and site', async () => {
  const err = await leakguard.assertNoLeak(() => shapes.listenerLeak(), FAST).catch((e) => e);
  expect(err).toBeInstanceOf(leakguard.LeakError);
  expect(err.code).toBe('LEAKGUARD_LEAK');
  expect(err.findings).toEqual([{
    kind: 'listeners', what: "listener for 'tick' on a EventEmitter", count: 5, perCall: 1,
    sites: [{ site: expect.stringMatching(new RegExp(`shapes\\.js:${lineOf(FILE, 'LEAK:listener')}:\\d+$`)), count: 5 }],
  }]);
  expect(err.message).toMatch(/^leakguard: the function leaks\nlistener for 'tick' on a EventEmitter: 5 still alive after 5 calls \(1 per call\)\n {2}from .*shapes\.js:\d+:\d+ \(5×\)$/);
  expect(shapes.bus.listenerCount('tick')).toBe(0); // cleanup removed what leaked
});

test('the hooks are removed after an assertion, even when fn throws', async () => {
  const on = EventEmitter.prototype.on;
  const init = EventEmitter.init;
  const st = globalThis.setTimeout;
  const modSt = timers.setTimeout;
  await leakguard.checkLeaks(() => shapes.intervalLeak(), FAST);
  await expect(leakguard.assertNoLeak(() => { throw new Error('boom'); })).rejects.toThrow('boom');
  expect(EventEmitter.prototype.on).toBe(on);
  expect(EventEmitter.prototype.addListener).toBe(on);
  expect(EventEmitter.init).toBe(init);
  expect(globalThis.setTimeout).toBe(st);
  expect(timers.setTimeout).toBe(modSt);
});

test('listeners added to process are reported', async () => {
  const before = process.listenerCount('beforeExit');
  const { findings } = await leakguard.checkLeaks(() => { process.on('beforeExit', () => {}); }, FAST);
  expect(findings).toEqual([expect.objectContaining({ kind: 'listeners', what: "listener for 'beforeExit' on process", count: 5 })]);
  expect(process.listenerCount('beforeExit')).toBe(before);
});

// Unref'd: allowed leaks are not cleaned up, and must not keep jest alive.
const keptInterval = () => { setInterval(() => {}, 60000).unref(); }; // MARK:kept

test('allow: a site string, a RegExp or a predicate suppresses a leak', async () => {
  const line = lineOf(__filename, 'MARK:kept');
  expect((await leakguard.checkLeaks(keptInterval, { ...FAST, allow: [`jest-assert.test.js:${line}:`] })).leaked).toBe(false);
  expect((await leakguard.checkLeaks(keptInterval, { ...FAST, allow: [/setInterval/] })).leaked).toBe(false);
  expect((await leakguard.checkLeaks(keptInterval, { ...FAST, allow: [(l) => l.kind === 'timers'] })).leaked).toBe(false);
  const other = await leakguard.checkLeaks(keptInterval, { ...FAST, allow: ['elsewhere.js:1:'] });
  expect(other.leaked).toBe(true);
  expect(other.findings[0].sites[0].site).toMatch(new RegExp(`jest-assert\\.test\\.js:${line}:\\d+$`));
});

test('async functions: what they leave behind after an await is counted', async () => {
  const { findings } = await leakguard.checkLeaks(async () => {
    await new Promise((resolve) => setImmediate(resolve));
    shapes.intervalLeak();
  }, FAST);
  expect(findings).toEqual([expect.objectContaining({ kind: 'timers', count: 5 })]);
});

test('a timeout that fires within settleMs is not a leak; a longer one is', async () => {
  expect((await leakguard.checkLeaks(() => { setTimeout(() => {}, 20); }, FAST)).leaked).toBe(false);
  const long = await leakguard.checkLeaks(() => { setTimeout(() => {}, 5000); }, FAST);
  expect(long.findings).toEqual([expect.objectContaining({ kind: 'timers', what: 'timeout (setTimeout)', count: 5 })]);
});

test('options are validated with TypeError/RangeError and stable codes', async () => {
  await expect(leakguard.assertNoLeak('x')).rejects.toMatchObject({ name: 'TypeError', code: 'LEAKGUARD_INVALID_ARG', message: 'assertNoLeak(fn): fn must be a function, got string' });
  await expect(leakguard.assertNoLeak(() => {}, { iterationz: 1 })).rejects.toMatchObject({ name: 'TypeError', code: 'LEAKGUARD_UNKNOWN_OPTION' });
  await expect(leakguard.assertNoLeak(() => {}, { rounds: 2 })).rejects.toMatchObject({ name: 'RangeError', code: 'LEAKGUARD_INVALID_ARG', message: expect.stringContaining('options.rounds') });
  await expect(leakguard.assertNoLeak(() => {}, { heap: 'yes' })).rejects.toMatchObject({ name: 'TypeError', message: expect.stringContaining('options.heap must be a boolean') });
  await expect(leakguard.assertNoLeak(() => {}, { allow: [1] })).rejects.toMatchObject({ name: 'TypeError', message: expect.stringContaining('options.allow[0]') });
  await expect(leakguard.assertNoLeak(() => {}, { emitters: [{}] })).rejects.toMatchObject({ name: 'TypeError', message: expect.stringContaining('options.emitters[0]') });
});

test('trendTest: Mann-Kendall z and Theil-Sen slope from the native core', () => {
  const up = trendTest([0, 100, 200, 300, 400, 500, 600, 700, 800]);
  expect(up.z).toBeGreaterThan(3);
  expect(up.slope).toBe(100);
  expect(up.newHigh).toBe(true);
  const flat = trendTest([5, 9, 1, 7, 3, 8, 2, 6, 4]);
  expect(Math.abs(flat.z)).toBeLessThan(1);
  expect(() => trendTest([1, NaN])).toThrow('values[1] must be a finite number');
});

describe.each([
  ['modern', {}],
  ['legacy', { legacyFakeTimers: true }],
])('with %s fake timers', (_name, config) => {
  beforeEach(() => jest.useFakeTimers(config));
  afterEach(() => jest.useRealTimers());

  test('an interval leak is found with its line, and the fake timers still work afterwards', async () => {
    require('../jest');
    const fakeSetTimeout = globalThis.setTimeout;
    let message = '';
    try {
      await expect(() => shapes.intervalLeak()).not.toLeak({ heap: false });
    } catch (err) {
      message = err.message;
    }
    expect(message).toContain(`shapes.js:${lineOf(FILE, 'LEAK:interval')}:`);
    expect(globalThis.setTimeout).toBe(fakeSetTimeout);
    expect(jest.getTimerCount()).toBe(0); // the leaked fake intervals were cleared
    const fired = jest.fn();
    setTimeout(fired, 1000);
    jest.advanceTimersByTime(1000);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  test('a healthy function passes, heap rounds included', async () => {
    require('../jest');
    await expect(() => shapes.intervalHealthy()).not.toLeak();
    await expect(() => shapes.mapHealthy()).not.toLeak();
  }, 30000);
});

test('checkLeaks works inside a worker thread', async () => {
  const { Worker } = require('node:worker_threads');
  const code = `
    const { parentPort } = require('node:worker_threads');
    const leakguard = require(${JSON.stringify(path.resolve(__dirname, '..'))});
    const shapes = require(${JSON.stringify(FILE)});
    (async () => {
      const leak = await leakguard.checkLeaks(() => shapes.intervalLeak(), { heap: false });
      const ok = await leakguard.checkLeaks(() => shapes.mapHealthy());
      parentPort.postMessage({ leak: leak.findings.map((f) => [f.kind, f.count]), ok: ok.leaked });
    })().catch((e) => parentPort.postMessage({ error: String(e && e.stack) }));
  `;
  const w = new Worker(code, { eval: true });
  const msg = await new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  await w.terminate();
  expect(msg).toEqual({ leak: [['timers', 5]], ok: false });
}, 30000);

// The growing classes of a heap leak are counted by the instances the calls left alive
// (addedCount), not by the net change: in CI the net count of `Object` once fell below
// the calls because the test framework freed Objects of its own between the snapshots.
test('growingClasses counts the instances left alive, not the net change', () => {
  const { growingClasses } = require('../lib/assert');
  const calls = 100;
  const diff = {
    classes: [
      { name: 'Array', addedCount: 200, removedCount: 10, countDelta: 190, addedSize: 64000, sizeDelta: 63000, representative: { retainerPath: '(GC roots) → cache (Map) → (table) → Array' } },
      { name: 'Object', addedCount: 100, removedCount: 140, countDelta: -40, addedSize: 4000, sizeDelta: -1600, representative: { retainerPath: '(GC roots) → cache (Map) → (table) → Object' } },
      { name: 'Promise', addedCount: 3, removedCount: 0, countDelta: 3, addedSize: 120, sizeDelta: 120, representative: null },
    ],
  };
  const g = growingClasses(diff, calls);
  expect(g.constructors).toEqual([
    { name: 'Array', perCall: 2, bytesPerCall: 640 },
    { name: 'Object', perCall: 1, bytesPerCall: 40 },
  ]);
  expect(g.retainerPath).toBe('(GC roots) → cache (Map) → (table) → Array');
  expect(g.holderPaths.map((h) => h.sizeDelta)).toEqual([64000, 4000]);
});

// The explanation's snapshot diff pairs the two snapshots' objects by heap snapshot
// object id, which V8 resets whenever an inspector session disconnects. With the
// sampling session disconnected between the snapshots, a Map leak of one CacheEntry a
// call read `Object +67.3/call, Array +30/call, CacheEntry +8.1/call, ...` next to
// 50,000 unchanged objects: counted exactly now.
test('a heap leak is explained by the classes it keeps, exactly per call, beside a large unchanged heap', async () => {
  const { execFile } = require('node:child_process');
  const fixture = path.join(__dirname, 'fixtures', 'explain-ids.js');
  const out = await new Promise((resolve, reject) => {
    execFile(process.execPath, [fixture], { timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
  });
  const { leaked, constructors, kept } = JSON.parse(out.trim().split('\n').pop());
  expect(leaked).toBe(true);
  expect(kept).toBe(50000);
  expect(constructors).toContainEqual({ name: 'CacheEntry', perCall: 1 });
  // each call keeps one CacheEntry and its array: nothing else grows by more than that
  for (const c of constructors) expect(c.perCall).toBeLessThanOrEqual(1.5);
}, 70_000);
