'use strict';
// Every public function rejects bad arguments before doing anything: wrong types,
// NaN / Infinity / negative / out-of-range numbers, unknown options and oversized
// strings throw (or, for async functions, reject with) a TypeError or RangeError whose
// message names the argument. One table: every option of every function exported
// from the package entry. The option lists are checked against each module's own
// DEFAULTS, so an option added later without a row here fails this test.
const { EventEmitter } = require('node:events');
const os = require('node:os');
const path = require('node:path');
const leakguard = require('..');
const startDefaults = require('../lib/options').DEFAULTS;
const nearLimitDefaults = require('../lib/near-limit/options').DEFAULTS;
const assertDefaults = require('../lib/assert').DEFAULTS;

const HUGE = 'x'.repeat(100000); // an oversized string: names, titles, paths
const TMP = os.tmpdir();

// Bad values per option kind: [label, value, accepted error classes].
const T = [TypeError];
const R = [RangeError];
const TR = [TypeError, RangeError];
const KINDS = {
  number: (min) => [
    ['a string', '5', T],
    ['null', null, T],
    ['NaN', NaN, TR],
    ['Infinity', Infinity, R],
    ['-Infinity', -Infinity, R],
    ...(min > -1 ? [['a negative number', -1, R]] : []),
    ['a huge number', 1e300, R],
  ],
  integer: (min) => [...KINDS.number(min), ['a fraction', min + 0.5, TR]],
  boolean: () => [['a string', 'yes', T], ['a number', 1, T], ['null', null, T]],
  name: () => [['a number', 5, T], ['an empty string', '', TR], ['an oversized string', HUGE, TR]],
  title: () => [['a number', 5, T], ['null', null, T], ['an oversized string', HUGE, TR]],
  path: () => [['a number', 5, T], ['null', null, T], ['an empty string', '', TR], ['an oversized string', `${TMP}/${HUGE}`, TR], ['a NUL byte', 'a\0b', TR]],
  fn: () => [['a string', 'f', T], ['an object', {}, T]],
  signal: () => [['a plain object', {}, T], ['a string', 'abort', T]],
  array: () => [['a string', 'x', T], ['an object', {}, T]],
  oneOf: () => [['a number', 5, TR], ['an unknown string', 'maybe', TR], ['an oversized string', HUGE, TR]],
  report: () => [['a number', 5, T], ['an array', [], T], ['null', null, T]],
  history: () => [['a string', 'yes', TR], ['a number', 5, TR], ['an object with a bad maxSeries', { maxSeries: NaN }, TR]],
};

const ee = () => new EventEmitter();
const SNAP = path.join(TMP, 'leakguard-options-table.heapsnapshot'); // never read: validation comes first

// fn name -> { call(options), options: { name: [kind, min] }, defaults?: keys that must all be covered }
const FUNCTIONS = {
  start: {
    call: (o) => leakguard.start(o),
    options: {
      intervalMs: ['number', 10], warmupMs: ['number', 0], sensitivity: ['number', 0.05],
      timers: ['boolean'], streams: ['boolean'], handles: ['boolean'], heapSites: ['boolean'],
      heapDiagnosis: ['boolean'], forcedGc: ['boolean'], allStacks: ['boolean'],
    },
    defaults: Object.keys(startDefaults),
  },
  trackEmitter: { call: (o) => leakguard.trackEmitter(ee(), o), options: { name: ['name'], threshold: ['number', 0] } },
  trackStream: { call: (o) => leakguard.trackStream(new (require('node:stream').PassThrough)(), o), options: { name: ['name'] } },
  report: { call: (o) => leakguard.report(o), options: { history: ['history'] } },
  history: { call: (o) => leakguard.history(o), options: { maxSeries: ['integer', 1] } },
  diagnoseHeap: { call: (o) => leakguard.diagnoseHeap(o), options: { delayMs: ['number', 0], top: ['number', 1] } },
  writeReport: { call: (o) => leakguard.writeReport(path.join(TMP, 'leakguard-options-table.html'), o), options: { title: ['title'], report: ['report'] } },
  analyzeSnapshot: { call: (o) => leakguard.analyzeSnapshot(SNAP, o), options: { top: ['integer', 0], largest: ['integer', 0], signal: ['signal'], onProgress: ['fn'] } },
  analyzeSnapshotSync: { call: (o) => leakguard.analyzeSnapshotSync(SNAP, o), options: { top: ['integer', 0], largest: ['integer', 0], onProgress: ['fn'] } },
  diffSnapshots: { call: (o) => leakguard.diffSnapshots(SNAP, SNAP, o), options: { top: ['integer', 0], paths: ['integer', 0], signal: ['signal'], onProgress: ['fn'] } },
  diffSnapshotsSync: { call: (o) => leakguard.diffSnapshotsSync(SNAP, SNAP, o), options: { top: ['integer', 0], paths: ['integer', 0], onProgress: ['fn'] } },
  snapshotNearLimit: {
    call: (o) => leakguard.snapshotNearLimit(o),
    options: {
      dir: ['path'], ratio: ['number', 0.001], maxSnapshots: ['integer', 1], cooldownMs: ['integer', 0], compress: ['oneOf'],
      intervalMs: ['integer', 10], lastResort: ['oneOf'], sampleHeap: ['boolean'], samplingIntervalBytes: ['integer', 1024],
      onSnapshot: ['fn'], onSkipped: ['fn'], onError: ['fn'],
    },
    defaults: Object.keys(nearLimitDefaults),
  },
  registerMetrics: {
    call: (o) => leakguard.registerMetrics(require('prom-client').register, o),
    options: { prefix: ['name'], maxLabelValues: ['integer', 1] },
  },
  combinedReport: { call: (o) => leakguard.combinedReport(o), options: { timeoutMs: ['number', 1] } },
};
const ASSERT_OPTIONS = {
  iterations: ['integer', 1], rounds: ['integer', 4], warmup: ['integer', 0], resourceCalls: ['integer', 1],
  minBytesPerCall: ['number', 0], settleMs: ['number', 0],
  heap: ['boolean'], resources: ['boolean'], explain: ['boolean'], cleanup: ['boolean'],
  allow: ['array'], emitters: ['array'],
};
for (const name of ['assertNoLeak', 'checkLeaks']) {
  FUNCTIONS[name] = { call: (o) => leakguard[name](() => {}, o), options: ASSERT_OPTIONS, defaults: Object.keys(assertDefaults) };
}
for (const name of ['assertCollected', 'checkCollected']) {
  FUNCTIONS[name] = { call: (o) => leakguard[name](() => ({}), o), options: { gcs: ['integer', 1], retainers: ['boolean'] } };
}

// Positional arguments: fn name -> [argument name, call(value), bad values].
const POSITIONAL = [
  ['trackEmitter', 'emitter', (v) => leakguard.trackEmitter(v), [['null', null, T], ['a plain object', {}, T], ['a string', 'bus', T]]],
  ['untrackEmitter', 'emitter', (v) => leakguard.untrackEmitter(v), [['null', null, T], ['a string', 'bus', T]]],
  ['trackStream', 'stream', (v) => leakguard.trackStream(v), [['null', null, T], ['a plain object', {}, T], ['an emitter', ee(), T]]],
  ['analyzeSnapshot', 'path', (v) => leakguard.analyzeSnapshot(v), KINDS.path()],
  ['analyzeSnapshotSync', 'path', (v) => leakguard.analyzeSnapshotSync(v), KINDS.path()],
  ['diffSnapshots', 'before', (v) => leakguard.diffSnapshots(v, SNAP), KINDS.path()],
  ['diffSnapshots', 'after', (v) => leakguard.diffSnapshots(SNAP, v), KINDS.path()],
  ['diffSnapshotsSync', 'before', (v) => leakguard.diffSnapshotsSync(v, SNAP), KINDS.path()],
  ['diffSnapshotsSync', 'after', (v) => leakguard.diffSnapshotsSync(SNAP, v), KINDS.path()],
  ['writeSnapshot', 'path', (v) => leakguard.writeSnapshot(v), KINDS.path()],
  ['writeReport', 'path', (v) => leakguard.writeReport(v), KINDS.path()],
  ['assertNoLeak', 'fn', (v) => leakguard.assertNoLeak(v), [['null', null, T], ['a string', 'f', T]]],
  ['checkLeaks', 'fn', (v) => leakguard.checkLeaks(v), [['null', null, T], ['a string', 'f', T]]],
  ['assertCollected', 'factory', (v) => leakguard.assertCollected(v), [['null', null, T], ['an object', {}, T]]],
  ['checkCollected', 'factory', (v) => leakguard.checkCollected(v), [['null', null, T], ['an object', {}, T]]],
  ['registerMetrics', 'register', (v) => leakguard.registerMetrics(v), [['null', null, T], ['a plain object', {}, T]]],
  ['formatFindings', 'findings', (v) => leakguard.formatFindings(v), [['null', null, T], ['a number', 5, T]]],
];

// The error of a call, sync or async; anything it started is stopped.
async function errorOf(call) {
  let result;
  try {
    result = call();
  } catch (err) {
    return err;
  }
  if (result && typeof result.then === 'function') {
    try {
      await result;
    } catch (err) {
      return err;
    }
  }
  if (result && typeof result.stop === 'function') result.stop();
  if (result && typeof result.unregister === 'function') result.unregister();
  leakguard.stop();
  return null;
}

const short = (m) => (m.length > 300 ? `${m.slice(0, 300)}…` : m);
function check(err, accepted, mustName) {
  if (!err) throw new Error(`no error (expected ${accepted.map((c) => c.name).join(' or ')} naming "${mustName}")`);
  if (!accepted.some((C) => err instanceof C)) throw new Error(`${err.constructor.name} instead of ${accepted.map((c) => c.name).join(' or ')}: ${short(String(err.message))}`);
  if (!err.message.includes(mustName)) throw new Error(`the message does not name "${mustName}": ${short(err.message)}`);
}

afterEach(() => leakguard.stop());

const rows = [];
for (const [fn, spec] of Object.entries(FUNCTIONS)) {
  rows.push([fn, 'options', 'a string', () => spec.call('fast'), T, 'options']);
  rows.push([fn, 'options', 'a number', () => spec.call(5), T, 'options']);
  rows.push([fn, 'options', 'an unknown option', () => spec.call({ bogusOption: 1 }), T, 'bogusOption']);
  for (const [opt, [kind, min]] of Object.entries(spec.options)) {
    for (const [label, value, accepted] of KINDS[kind](min)) {
      rows.push([fn, `options.${opt}`, label, () => spec.call({ [opt]: value }), accepted, opt]);
    }
  }
}
for (const [fn, arg, call, bad] of POSITIONAL) {
  for (const [label, value, accepted] of bad) rows.push([fn, arg, label, () => call(value), accepted, arg]);
}

test('the table covers every public function and every option in the DEFAULTS objects', () => {
  const covered = new Set([...Object.keys(FUNCTIONS), ...POSITIONAL.map((p) => p[0])]);
  // Functions without arguments, and the LeakError class.
  const noArgs = ['stop', 'findings', 'getMonitor', 'memoryLimits', 'nearLimitFiles', 'LeakError', 'NearLimitHandle'];
  const exported = Object.keys(leakguard).filter((k) => typeof leakguard[k] === 'function' && !noArgs.includes(k));
  expect(exported.filter((k) => !covered.has(k))).toEqual([]);
  for (const [fn, spec] of Object.entries(FUNCTIONS)) {
    if (spec.defaults) expect([fn, spec.defaults.filter((k) => !(k in spec.options))]).toEqual([fn, []]);
  }
  expect(rows.length).toBeGreaterThan(300);
});

test.each(rows)('%s(%s): %s is rejected', async (fn, arg, label, call, accepted, mustName) => {
  check(await errorOf(call), accepted, mustName);
});

test('a rejected call changes nothing: no monitor, no tracked emitter, no hook', async () => {
  const before = leakguard.report().emitters.length;
  const setTimeoutBefore = globalThis.setTimeout;
  for (const row of rows.filter((r) => r[0] === 'start' || r[0] === 'trackEmitter')) await errorOf(row[3]);
  expect(leakguard.getMonitor()).toBe(null);
  expect(globalThis.setTimeout).toBe(setTimeoutBefore);
  expect(leakguard.report().emitters.length).toBe(before);
});
