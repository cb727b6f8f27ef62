'use strict';
// Every cap on leakguard's own registries is reached here through the public API, and
// each one holds: the registry stops at its documented limit and counts what it dropped
// (report().leakguard.caps, docs/reliability.md "Caps").
const { EventEmitter } = require('node:events');
const { PassThrough } = require('node:stream');
const vm = require('node:vm');
const leakguard = require('..');

const QUIET = { intervalMs: 3_600_000, warmupMs: 0, timers: false, streams: false, handles: false, heapSites: false, forcedGc: false };
const caps = () => leakguard.report().leakguard.caps;

// A function whose frames carry a file name of our choice: a distinct creation site per file.
function siteFn(i, body) {
  return vm.runInThisContext(`(function (a, b) { ${body} })`, { filename: `/leakguard-caps/site-${i}.js` });
}

const held = [];
afterEach(() => {
  leakguard.stop();
  for (const x of held.splice(0)) if (typeof x === 'function') x();
});

test('the caps are listed with their documented defaults', () => {
  leakguard.start(QUIET);
  const c = caps();
  expect(Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v.limit]))).toEqual({
    series: 4096, sitesPerSeries: 64, emitters: 10000, streamKinds: 256, siteTables: 2000, historySeries: 128, diagnoses: 16,
  });
  for (const v of Object.values(c)) expect(v.dropped).toBe(0);
});

test('detector series: 4096 at most, the rest counted as dropped; chart history: 128 series, the rest untracked and counted', () => {
  const monitor = leakguard.start(QUIET);
  const emitters = [];
  for (let i = 0; i < 4200; i++) {
    const e = leakguard.trackEmitter(new EventEmitter(), { name: `e${i}` });
    e.on('x', () => {});
    e.on('x', () => {});
    emitters.push(e);
  }
  held.push(() => { for (const e of emitters) leakguard.untrackEmitter(e); });
  monitor.tick(Date.now());
  monitor.tick(Date.now() + 1000);
  const c = caps();
  expect(c.series.size).toBe(4096);
  expect(c.series.dropped).toBeGreaterThanOrEqual(2 * (4200 - 4096));
  expect(c.historySeries.size).toBe(128);
  expect(c.historySeries.dropped).toBeGreaterThan(0);
  expect(leakguard.report().leakguard.detector.droppedSeries).toBe(c.series.dropped);
});

test('sites per series: 64 at most, the least live evicted and counted', () => {
  const monitor = leakguard.start({ ...QUIET, allStacks: true });
  const bus = leakguard.trackEmitter(new EventEmitter(), { name: 'sites-bus' });
  bus.setMaxListeners(0);
  let now = Date.now();
  let site = 0;
  // Each tick: 32 new sites with 2 listeners each (the top 32 sent), the previous ones removed.
  for (let t = 0; t < 4; t++) {
    bus.removeAllListeners('x');
    for (let i = 0; i < 32; i++, site++) {
      const add = siteFn(site, 'a.on("x", function () {}); a.on("x", function () {});');
      add(bus);
    }
    monitor.tick((now += 1000));
  }
  const c = caps();
  expect(c.sitesPerSeries.dropped).toBe(4 * 32 - 64);
});

test('tracked emitters: 10 000 at most, further ones refused (returned untouched) and counted', () => {
  leakguard.start(QUIET);
  const before = caps().emitters;
  const emitters = [];
  const room = before.limit - before.size;
  for (let i = 0; i < room + 25; i++) emitters.push(leakguard.trackEmitter(new EventEmitter(), { name: 'many' }));
  const c = caps();
  expect(c.emitters.size).toBe(10000);
  expect(c.emitters.dropped - before.dropped).toBe(25);
  // A refused emitter works as usual and is not hooked.
  const last = emitters[emitters.length - 1];
  last.on('x', () => {});
  expect(last.listenerCount('newListener')).toBe(0);
  for (const e of emitters) leakguard.untrackEmitter(e);
  expect(caps().emitters.size).toBe(before.size);
});

test('stream kinds: 256 at most, streams of further kinds counted as dropped', () => {
  leakguard.start(QUIET);
  const streams = [];
  for (let i = 0; i < 270; i++) streams.push(leakguard.trackStream(new PassThrough(), { name: `kind${i}` }));
  const c = caps();
  expect(c.streamKinds.size).toBe(256);
  expect(c.streamKinds.dropped).toBe(14);
  held.push(() => { for (const s of streams) s.destroy(); });
});

test('site tables: 2000 sites per tracker, further sites merged into one "(other sites)" record and counted', () => {
  const monitor = leakguard.start({ ...QUIET, timers: true, allStacks: true });
  const before = caps().siteTables.dropped;
  const timers = [];
  // (vm code runs in the outer realm: it gets this realm's patched setTimeout as an argument.)
  for (let i = 0; i < 2050; i++) timers.push(siteFn(i, 'return a(function () {}, 1e6);')(setTimeout));
  held.push(() => { for (const t of timers) clearTimeout(t); });
  expect(caps().siteTables.dropped - before).toBe(50);
  // Counts stay exact: only the site attribution is merged.
  monitor.tick(Date.now());
  expect(leakguard.report().timers.live.Timeout).toBe(2050);
  expect(leakguard.report().series.find((s) => s.kind === 'timers' && s.target === 'Timeout').current).toBe(2050);
});
