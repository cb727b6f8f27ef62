'use strict';
const { EventEmitter } = require('node:events');
const leakguard = require('..');
const { gcUntil } = require('../lib/gc');
const { startManual, drive, lineOf } = require('./fixtures/core/drive');

afterEach(() => leakguard.stop());

test('listeners added per "request" and never removed open a listeners finding with the line that adds them', () => {
  const m = startManual();
  const bus = leakguard.trackEmitter(new EventEmitter(), { name: 'bus' });
  bus.setMaxListeners(0);
  const leaks = [];
  m.on('leak', (f) => leaks.push(f));
  const { opened } = drive(m, 20, () => {
    for (let k = 0; k < 5; k++) bus.on('config', () => {}); // SITE: ee-leak
  });
  expect(opened).toHaveLength(1);
  expect(leaks).toEqual(opened);
  const f = opened[0];
  expect(f).toMatchObject({ kind: 'listeners', target: 'bus:config', unit: 'listeners' });
  expect(f.growthPerMinute).toBeCloseTo(300, 0);
  expect(f.confidence).toBeGreaterThan(0.99);
  expect(f.current).toBeGreaterThanOrEqual(40);
  expect(f.sites[0].stack.split('\n')[0]).toMatch(new RegExp(`^__tests__/emitters\\.test\\.js:${lineOf(__filename, 'SITE: ee-leak')}:\\d+$`));
  expect(f.sites[0].count).toBe(f.current);
  expect(f.message).toMatch(/^listeners on bus:config keep growing: 5 listeners -> 40 listeners \(\+300\/min, 100\.0% confidence\); top site __tests__\/emitters\.test\.js:\d+:\d+$/);
  expect(leakguard.findings()).toEqual([expect.objectContaining({ id: f.id, target: 'bus:config' })]);
});

test('listeners on an EventTarget (AbortSignal) are tracked too', () => {
  const m = startManual();
  const controller = new AbortController();
  const signal = leakguard.trackEmitter(controller.signal, { name: 'shutdown' });
  require('node:events').setMaxListeners(0, signal);
  const { opened } = drive(m, 20, () => {
    for (let k = 0; k < 3; k++) signal.addEventListener('abort', () => {}); // SITE: et-leak
  });
  expect(opened.map((f) => f.target)).toEqual(['shutdown:abort']);
  expect(opened[0].sites[0].stack).toContain(`emitters.test.js:${lineOf(__filename, 'SITE: et-leak')}`);
  // Removal through any path (here: abort fires once-listeners... and plain removal) is seen at the next tick.
  const report = leakguard.report();
  expect(report.emitters).toEqual(expect.arrayContaining([{ name: 'shutdown', type: 'EventTarget', listeners: { abort: 60 } }]));
});

test('symmetric add/remove under varying concurrency is not flagged', () => {
  const m = startManual();
  const bus = leakguard.trackEmitter(new EventEmitter(), { name: 'bus-sym' });
  bus.setMaxListeners(0);
  const live = [];
  const { opened } = drive(m, 120, (i) => {
    // 200 "requests" per tick, each adding a listener and removing it when it ends;
    // the number in flight at tick time follows a load that rises and falls (10..70).
    const inFlight = Math.round(40 + 30 * Math.sin(i / 9));
    for (let r = 0; r < 200; r++) {
      const fn = () => {};
      bus.on('data', fn);
      live.push(fn);
      if (live.length > inFlight) bus.off('data', live.shift());
    }
    while (live.length > inFlight) bus.off('data', live.shift());
  });
  expect(opened).toEqual([]);
  expect(bus.listenerCount('data')).toBe(live.length);
});

test('a finding closes when the growth stops, and the closed finding is emitted as "resolved"', () => {
  const m = startManual();
  const bus = leakguard.trackEmitter(new EventEmitter(), { name: 'bus-close' });
  bus.setMaxListeners(0);
  const resolved = [];
  m.on('resolved', (f) => resolved.push(f));
  const { opened, closed } = drive(m, 60, (i) => {
    if (i < 20) for (let k = 0; k < 5; k++) bus.on('config', () => {});
  });
  expect(opened).toHaveLength(1);
  expect(closed).toHaveLength(1);
  expect(resolved[0].id).toBe(opened[0].id);
  expect(typeof resolved[0].closedAt).toBe('number');
  expect(leakguard.findings()).toEqual([]);
});

test('the threshold option holds findings back until the count passes it', () => {
  const m = startManual();
  const bus = leakguard.trackEmitter(new EventEmitter(), { name: 'bus-threshold', threshold: 1000 });
  bus.setMaxListeners(0);
  const { opened } = drive(m, 30, () => { for (let k = 0; k < 5; k++) bus.on('x', () => {}); });
  expect(opened).toEqual([]);
});

test('untrackEmitter() removes the hook and the series', () => {
  const m = startManual();
  const bus = leakguard.trackEmitter(new EventEmitter(), { name: 'bus-untrack' });
  bus.setMaxListeners(0);
  drive(m, 20, () => { for (let k = 0; k < 5; k++) bus.on('x', () => {}); });
  expect(leakguard.findings()).toHaveLength(1);
  expect(leakguard.untrackEmitter(bus)).toBe(true);
  expect(bus.listenerCount('newListener')).toBe(0);
  expect(leakguard.findings()).toEqual([]);
  expect(leakguard.report().emitters.find((e) => e.name === 'bus-untrack')).toBeUndefined();
});

test('a hook never throws into app code, and removeAllListeners() does not break tracking', () => {
  const m = startManual();
  const bus = leakguard.trackEmitter(new EventEmitter(), { name: 'bus-removeall' });
  bus.setMaxListeners(0);
  bus.on('x', () => {});
  bus.removeAllListeners();
  expect(bus.listenerCount('x')).toBe(0);
  const { opened } = drive(m, 20, () => { for (let k = 0; k < 5; k++) bus.on('y', () => {}); });
  expect(opened.map((f) => f.target)).toEqual(['bus-removeall:y']);
  // Our own 'newListener' hook is not counted as an app listener.
  expect(leakguard.report().emitters.find((e) => e.name === 'bus-removeall').listeners).toEqual({ y: 100 });
});

test('a tracked emitter (and an EventTarget) that the app drops is garbage-collected', () => {
  // In a fresh process, so that nothing another test file left behind can hold them.
  const out = require('node:child_process').execFileSync(process.execPath, [require('node:path').join(__dirname, 'fixtures', 'core', 'weak.js'), 'emitters'], { encoding: 'utf8' });
  const r = JSON.parse(out);
  expect(r.error).toBeUndefined();
  expect(r.collected).toBe(2);
  expect(r.left).toEqual([]);
});

test('stop() detaches every emitter hook; start() attaches them again and tracking goes on', () => {
  const bus = leakguard.trackEmitter(new EventEmitter(), { name: 'bus-cycle' });
  const signal = leakguard.trackEmitter(new AbortController().signal, { name: 'signal-cycle' });
  const protoAdd = Object.getPrototypeOf(signal).addEventListener;
  startManual();
  expect(bus.listenerCount('newListener')).toBe(1);
  expect(signal.addEventListener).not.toBe(protoAdd);
  leakguard.stop();
  expect(bus.listenerCount('newListener')).toBe(0);
  expect(signal.addEventListener).toBe(protoAdd);
  expect(Object.prototype.hasOwnProperty.call(signal, 'addEventListener')).toBe(false);
  const m = startManual();
  bus.setMaxListeners(0);
  const { opened } = drive(m, 20, () => { for (let k = 0; k < 5; k++) bus.on('x', () => {}); });
  expect(opened.map((f) => f.target)).toEqual(['bus-cycle:x']);
  expect(opened[0].sites).toHaveLength(1);
});

test('many short-lived emitters tracked under one name are one series and no finding', async () => {
  const m = startManual();
  const t0 = Date.now();
  const opened = [];
  for (let i = 0; i < 30; i++) {
    for (let k = 0; k < 200; k++) {
      const e = leakguard.trackEmitter(new EventEmitter(), { name: 'request-ctx' });
      e.on('data', () => {});
      e.on('data', () => {});
    }
    opened.push(...m.tick(t0 + i * 1000).opened.filter((f) => f.kind === 'listeners'));
    if (i % 5 === 4) await gcUntil(() => leakguard.report().leakguard.trackedEmitters < 400);
  }
  expect(opened).toEqual([]);
  const series = leakguard.report().series.filter((s) => s.target.startsWith('request-ctx:'));
  expect(series.map((s) => s.target)).toEqual(['request-ctx:data']);
  expect(leakguard.report().leakguard.detector.series).toBeLessThan(30);
});

test('collected emitters leave the count and the cap without waiting for their finalizers', async () => {
  const { forceGc } = require('../lib/gc');
  startManual();
  const { MAX_EMITTERS } = require('../lib/emitters');
  const before = leakguard.report().leakguard;
  // Fill the cap with emitters nothing else holds (created in their own job, so that
  // no WeakRef keeps them alive through the GC below).
  await new Promise((resolve) => setImmediate(() => {
    for (let i = before.trackedEmitters; i < MAX_EMITTERS; i++) leakguard.trackEmitter(new EventEmitter(), { name: 'short' });
    resolve();
  }));
  expect(leakguard.report().leakguard.trackedEmitters).toBe(MAX_EMITTERS);
  await new Promise((resolve) => setImmediate(resolve));
  forceGc();
  // Same job as the GC: FinalizationRegistry callbacks have not run yet.
  const kept = leakguard.trackEmitter(new EventEmitter(), { name: 'kept' });
  const after = leakguard.report().leakguard;
  expect(after.droppedEmitters).toBe(before.droppedEmitters);
  expect(after.trackedEmitters).toBeLessThan(100);
  expect(leakguard.report().emitters.map((e) => e.name)).toContain('kept');
  leakguard.untrackEmitter(kept);
});
