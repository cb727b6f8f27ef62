'use strict';
const { debug } = require('./debug');
const { holderSites } = require('./holder-sites');
const { growthLineOf } = require('./heap-sites');
// Leak assertions for tests (issue 6), framework-agnostic: assertNoLeak(fn, options)
// and assertCollected(factory, options) throw a LeakError with `.findings`.
// jest.js wraps them as the matchers toLeak() and toBeCollected().
//
// assertNoLeak runs `fn` in three phases:
//  1. warm-up calls (lazy initialisation, JIT feedback) with the resource hooks on;
//  2. measured calls with the resource hooks on: listeners added to emitters and event
//     targets that existed before the call, timers, streams, sockets, servers, workers
//     and child processes created by the call (its async context, through
//     AsyncLocalStorage) and still alive afterwards are leaks, with their creation sites;
//  3. (when no resource leaked) heap rounds with no hooks installed: a forced full GC
//     after each round, and the post-GC floors of heapUsed and external memory tested
//     with the runtime detector's statistics (Mann-Kendall z, Theil-Sen slope, still
//     rising at the end), confirmed by a second series of rounds. A growing floor is
//     explained with the sampling heap profiler (allocating functions and lines) and a
//     heap snapshot diff (growing classes, a retainer path). v8.queryObjects was tried
//     and dropped: ~1 s per constructor in a jest worker.
// Every hook is removed before the assertion returns, and nothing is kept afterwards.
const EventEmitter = require('node:events');
const { AsyncLocalStorage } = require('node:async_hooks');
const nodeTimers = require('node:timers');
const { performance } = require('node:perf_hooks');
const util = require('node:util');
const v8 = require('node:v8');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const os = require('node:os');
const { typeError, rangeError } = require('./errors');
const { displayPath, isOwn, isInternal } = require('./sites');
const { forceGc } = require('./gc');

// Real timers, taken before any test installs fake ones (jest fakes globals, not node:timers).
const realSetImmediate = nodeTimers.setImmediate;
const realSetTimeout = nodeTimers.setTimeout;
// A clock fake timers cannot replace (they fake globalThis.performance and process.hrtime).
const now = performance.now.bind(performance);

const Z_OPEN = 2.33; // the runtime detector's Mann-Kendall threshold (99 % one-sided)
const RECENT_RATIO = 0.25; // the newest third must keep at least this share of the slope
const Z_LEANING = 1.0; // a first series this far up (but below Z_OPEN) gets a second series too

const DEFAULTS = Object.freeze({
  iterations: 48, // measured calls for the heap, split into `rounds`
  rounds: 8, // post-GC floors per series (plus one before the first round)
  warmup: 10, // calls before anything is measured
  resourceCalls: 5, // measured calls with the resource hooks on
  heap: true,
  resources: true,
  minBytesPerCall: 256, // smallest heap growth per call reported (jest's environment alone can add ~150 B/call around I/O)
  settleMs: 100, // timeouts due within this are awaited, not reported
  allow: [], // sites, labels (strings or RegExps) or predicates not to report
  emitters: [], // extra emitters/targets whose listener counts are compared
  explain: true, // heap leaks: sampling heap profile and constructor counts
  cleanup: true, // clear / destroy / remove what leaked, once reported
});

const NUMBERS = {
  iterations: [1, 1e7],
  rounds: [4, 1000],
  warmup: [0, 1e6],
  resourceCalls: [1, 1e6],
  minBytesPerCall: [0, 1e12],
  settleMs: [0, 60000],
};

class LeakError extends Error {
  constructor(message, findings) {
    super(message);
    this.name = 'LeakError';
    this.code = 'LEAKGUARD_LEAK';
    this.findings = findings;
  }
}

function describe(x) {
  return x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x;
}

function normalizeOptions(options, fnName) {
  if (options === undefined) return { ...DEFAULTS };
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw typeError('LEAKGUARD_INVALID_ARG', `${fnName}(fn, options): options must be an object, got ${describe(options)}`);
  }
  const out = { ...DEFAULTS };
  for (const key of Object.keys(options)) {
    if (!Object.prototype.hasOwnProperty.call(DEFAULTS, key)) {
      throw typeError('LEAKGUARD_UNKNOWN_OPTION', `${fnName}(fn, options): unknown option "${key}" (expected one of ${Object.keys(DEFAULTS).join(', ')})`);
    }
    const value = options[key];
    if (value === undefined) continue;
    if (key === 'allow' || key === 'emitters') {
      if (!Array.isArray(value)) throw typeError('LEAKGUARD_INVALID_ARG', `${fnName}(fn, options): options.${key} must be an array, got ${describe(value)}`);
      value.forEach((v, i) => {
        if (key === 'allow' && !(typeof v === 'string' || v instanceof RegExp || typeof v === 'function')) {
          throw typeError('LEAKGUARD_INVALID_ARG', `${fnName}(fn, options): options.allow[${i}] must be a string, a RegExp or a function, got ${describe(v)}`);
        }
        if (key === 'emitters' && !(isEmitter(v) || isTarget(v))) {
          throw typeError('LEAKGUARD_INVALID_ARG', `${fnName}(fn, options): options.emitters[${i}] must be an EventEmitter or an EventTarget`);
        }
      });
      out[key] = value.slice();
      continue;
    }
    const expected = typeof DEFAULTS[key];
    if (typeof value !== expected) {
      throw typeError('LEAKGUARD_INVALID_ARG', `${fnName}(fn, options): options.${key} must be a ${expected}, got ${describe(value)}`);
    }
    if (expected === 'number') {
      const [min, max] = NUMBERS[key];
      if (!Number.isFinite(value) || value < min || value > max || (key !== 'minBytesPerCall' && key !== 'settleMs' && !Number.isInteger(value))) {
        throw rangeError('LEAKGUARD_INVALID_ARG', `${fnName}(fn, options): options.${key} must be ${key === 'minBytesPerCall' || key === 'settleMs' ? 'a number' : 'an integer'} between ${min} and ${max}, got ${value}`);
      }
    }
    out[key] = value;
  }
  return out;
}

function isEmitter(x) {
  return x !== null && typeof x === 'object' && typeof x.rawListeners === 'function' && typeof x.eventNames === 'function';
}

function isTarget(x) {
  return x !== null && typeof x === 'object' && typeof x.addEventListener === 'function' && typeof x.dispatchEvent === 'function';
}

const nextTurn = () => new Promise((resolve) => realSetImmediate(resolve));
const sleep = (ms) => new Promise((resolve) => realSetTimeout(resolve, ms));

// ---------------------------------------------------------------------------------
// Resource scope: hooks installed for the warm-up and measured calls only.

const kWrapped = Symbol('leakguard.assert.wrapped');
const TIMER_FNS = ['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate'];

// Creation sites from the formatted stack of this realm's Error: under jest, its
// prepareStackTrace maps transformed code (babel-jest, ts-jest) back to the source.
const FRAME = /^\s*at (?:.*? \()?(.+?):(\d+):(\d+)\)?$/;
function captureSite(skipFn) {
  const E = globalThis.Error;
  const holder = {};
  const prevLimit = E.stackTraceLimit;
  let stack = '';
  try {
    E.stackTraceLimit = 30;
    E.captureStackTrace(holder, skipFn);
    stack = String(holder.stack || '');
  } catch { /* no stack */ } finally {
    E.stackTraceLimit = prevLimit;
  }
  const app = [];
  const deps = [];
  for (const line of stack.split('\n')) {
    const m = FRAME.exec(line);
    if (!m) continue;
    let file = m[1];
    if (file.startsWith('file://')) {
      try { file = require('node:url').fileURLToPath(file); } catch { /* keep the URL */ }
    }
    if (isInternal(file) || isOwn(file) || path.basename(file) === 'jest.js' && path.dirname(file) === path.resolve(__dirname, '..')) continue;
    const where = `${displayPath(file)}:${m[2]}:${m[3]}`;
    (file.includes(`${path.sep}node_modules${path.sep}`) ? deps : app).push(where);
    if (app.length >= 4) break;
  }
  return app.concat(deps).slice(0, 4).join('\n');
}

function firstLine(site) {
  return site ? site.split('\n')[0] : '';
}

class ResourceScope {
  constructor(opts) {
    this.opts = opts;
    this.als = new AsyncLocalStorage();
    this.token = { measured: false };
    this.records = [];
    this.created = new WeakSet(); // emitters created inside the scope
    this.timerRecords = new Map(); // handle -> record (cleared by the wrapped clear*)
    this.restore = [];
    this.baseline = null;
  }

  inScope() {
    return this.als.getStore() === this.token;
  }

  async call(fn, measured) {
    this.token.measured = measured;
    return this.als.run(this.token, fn);
  }

  record(rec) {
    rec.measured = this.token.measured;
    this.records.push(rec);
    return rec;
  }

  install() {
    const scope = this;
    // Timers: whatever setTimeout & co. are now (real, leakguard's, or jest's fakes).
    const holders = [globalThis, nodeTimers];
    for (const holder of holders) {
      for (const name of TIMER_FNS) {
        const orig = holder[name];
        if (typeof orig !== 'function' || orig[kWrapped]) continue;
        const wrapped = name.startsWith('set') ? this.wrapSet(orig, name) : this.wrapClear(orig, name);
        wrapped[kWrapped] = true;
        const custom = orig[util.promisify.custom];
        if (custom) Object.defineProperty(wrapped, util.promisify.custom, { value: custom, configurable: true });
        for (const k of Object.keys(orig)) { // jest mock properties, sinon's .clock
          if (!(k in wrapped)) { try { wrapped[k] = orig[k]; } catch { /* read-only */ } }
        }
        holder[name] = wrapped;
        this.restore.push(() => { if (holder[name] === wrapped) holder[name] = orig; });
      }
    }
    // Listeners on emitters that existed before the call.
    const proto = EventEmitter.prototype;
    const origOn = proto.on;
    const origAdd = proto.addListener;
    const origPrepend = proto.prependListener;
    const onWrapped = function on(type, listener) {
      if (scope.inScope() && !scope.created.has(this)) scope.onListener(this, type, listener, onWrapped);
      return origOn.apply(this, arguments);
    };
    const addWrapped = origAdd === origOn ? onWrapped : function addListener(type, listener) {
      if (scope.inScope() && !scope.created.has(this)) scope.onListener(this, type, listener, addWrapped);
      return origAdd.apply(this, arguments);
    };
    const prependWrapped = function prependListener(type, listener) {
      if (scope.inScope() && !scope.created.has(this)) scope.onListener(this, type, listener, prependWrapped);
      return origPrepend.apply(this, arguments);
    };
    proto.on = onWrapped;
    proto.addListener = addWrapped;
    proto.prependListener = prependWrapped;
    this.restore.push(() => {
      if (proto.on === onWrapped) proto.on = origOn;
      if (proto.addListener === addWrapped) proto.addListener = origAdd;
      if (proto.prependListener === prependWrapped) proto.prependListener = origPrepend;
    });
    // Emitters created in the scope (streams, sockets, servers, workers, child processes).
    const origInit = EventEmitter.init;
    const initWrapped = function init() {
      const r = origInit.apply(this, arguments);
      if (scope.inScope()) scope.onEmitter(this, initWrapped);
      return r;
    };
    EventEmitter.init = initWrapped;
    this.restore.push(() => { if (EventEmitter.init === initWrapped) EventEmitter.init = origInit; });
    // Listeners on event targets (AbortSignal, ...).
    if (typeof EventTarget === 'function') {
      const tproto = EventTarget.prototype;
      const origAddEvent = tproto.addEventListener;
      const addEventWrapped = function addEventListener(type, listener, options) {
        if (scope.inScope() && listener) scope.onTargetListener(this, type, listener, options, addEventWrapped);
        return origAddEvent.apply(this, arguments);
      };
      tproto.addEventListener = addEventWrapped;
      this.restore.push(() => { if (tproto.addEventListener === addEventWrapped) tproto.addEventListener = origAddEvent; });
    }
  }

  uninstall() {
    for (const fn of this.restore.splice(0).reverse()) fn();
    this.als.disable();
  }

  wrapSet(orig, name) {
    const scope = this;
    const interval = name === 'setInterval';
    const wrapped = {
      [name](callback, ...rest) {
        if (typeof callback !== 'function' || !scope.inScope()) return orig.apply(this, arguments);
        const rec = scope.record({
          kind: 'timers',
          label: interval ? 'interval (setInterval)' : name === 'setImmediate' ? 'immediate (setImmediate)' : 'timeout (setTimeout)',
          site: captureSite(wrapped),
          done: false,
          interval,
          delay: name === 'setImmediate' ? 0 : Number(rest[0]) || 0,
          handle: null,
          clear: null,
        });
        const cb = interval ? callback : function () {
          rec.done = true;
          return callback.apply(this, arguments);
        };
        const handle = orig.call(this, cb, ...rest);
        rec.handle = handle;
        const clearName = interval ? 'clearInterval' : name === 'setImmediate' ? 'clearImmediate' : 'clearTimeout';
        rec.clear = () => { try { (nodeTimers[clearName] || globalThis[clearName])(handle); globalThis[clearName](handle); } catch { /* gone */ } };
        if (handle !== null && handle !== undefined) scope.timerRecords.set(handle, rec);
        return handle;
      },
    }[name];
    return wrapped;
  }

  wrapClear(orig, name) {
    const scope = this;
    return {
      [name](handle) {
        const rec = scope.timerRecords.get(handle);
        if (rec) rec.done = true;
        return orig.apply(this, arguments);
      },
    }[name];
  }

  onListener(emitter, type, listener, skip) {
    if (typeof listener !== 'function') return;
    if (emitter === this && type === 'newListener') return;
    this.record({
      kind: 'listeners',
      label: `listener for ${eventName(type)} on ${emitterName(emitter)}`,
      site: captureSite(skip),
      emitter: new WeakRef(emitter),
      type,
      listener: new WeakRef(listener),
    });
  }

  onTargetListener(target, type, listener, options, skip) {
    const capture = typeof options === 'boolean' ? options : !!(options && options.capture);
    this.record({
      kind: 'listeners',
      label: `listener for ${eventName(type)} on ${emitterName(target)}`,
      site: captureSite(skip),
      target: new WeakRef(target),
      type,
      capture,
      listener: typeof listener === 'object' || typeof listener === 'function' ? new WeakRef(listener) : null,
    });
  }

  onEmitter(emitter, skip) {
    this.created.add(emitter);
    // What it is becomes clear once its constructor has run: classify at the end.
    this.record({ kind: 'emitter', site: captureSite(skip), ref: new WeakRef(emitter), strong: null });
  }

  /** After the calls: hold the emitters that hold native resources (fds, threads). */
  pin() {
    for (const rec of this.records) {
      if (rec.kind !== 'emitter') continue;
      const e = rec.ref.deref();
      if (e && nativeResource(e)) rec.strong = e;
    }
  }

  /** Snapshot of listener counts on `process` and options.emitters. */
  countListeners() {
    const out = new Map();
    const targets = [process, ...this.opts.emitters];
    for (const t of targets) {
      const counts = new Map();
      if (isEmitter(t)) {
        for (const type of t.eventNames()) counts.set(type, t.rawListeners(type).length);
      } else if (isTarget(t)) {
        for (const type of this.targetTypes(t)) counts.set(type, EventEmitter.getEventListeners(t, type).length);
      }
      out.set(t, counts);
    }
    return out;
  }

  targetTypes(t) {
    const types = new Set();
    for (const rec of this.records) if (rec.target && rec.target.deref() === t) types.add(rec.type);
    for (const type of ['abort', 'message', 'error', 'close', 'open']) types.add(type);
    return types;
  }

  /** The records still alive, grouped into findings. */
  survivors() {
    const alive = [];
    for (const rec of this.records) {
      if (!rec.measured) continue;
      const a = liveness(rec);
      if (a) alive.push({ kind: a.kind || rec.kind, label: a.label || rec.label, site: rec.site, rec });
    }
    return alive;
  }
}

function eventName(type) {
  return typeof type === 'symbol' ? type.toString() : `'${String(type)}'`;
}

function emitterName(e) {
  if (e === process) return 'process';
  const ctor = e && e.constructor && e.constructor.name;
  return ctor ? `a ${ctor}` : 'an emitter';
}

function nativeResource(e) {
  return e instanceof net.Socket || e instanceof net.Server || e instanceof fs.ReadStream || e instanceof fs.WriteStream ||
    isWorker(e) || isChildProcess(e) || (isStream(e) && e._handle);
}

function isStream(e) {
  return typeof e.destroy === 'function' && (e._readableState !== undefined || e._writableState !== undefined);
}

function isWorker(e) {
  return typeof e.terminate === 'function' && typeof e.postMessage === 'function' && 'threadId' in e;
}

function isChildProcess(e) {
  return typeof e.kill === 'function' && 'pid' in e && 'exitCode' in e && 'signalCode' in e;
}

// { kind, label, cleanup } for a record still alive, or null.
function liveness(rec) {
  if (rec.kind === 'timers') {
    const h = rec.handle;
    if (rec.done) return null;
    if (h && typeof h === 'object' && h._destroyed === true) return null;
    return { cleanup: rec.clear };
  }
  if (rec.kind === 'listeners') {
    const fn = rec.listener && rec.listener.deref();
    if (!fn) return null;
    if (rec.emitter) {
      const e = rec.emitter.deref();
      if (!e) return null;
      const list = e.rawListeners(rec.type);
      if (!list.some((l) => l === fn || l.listener === fn)) return null;
      return { cleanup: () => e.removeListener(rec.type, fn) };
    }
    const t = rec.target.deref();
    if (!t) return null;
    if (!EventEmitter.getEventListeners(t, rec.type).includes(fn)) return null;
    return { cleanup: () => t.removeEventListener(rec.type, fn, { capture: rec.capture }) };
  }
  if (rec.kind === 'emitter') {
    const e = rec.strong || rec.ref.deref();
    if (!e) return null;
    if (e instanceof net.Server) {
      if (!e.listening) return null;
      return { kind: 'servers', label: `listening ${e.constructor.name || 'Server'}`, cleanup: () => e.close() };
    }
    if (isWorker(e)) {
      if (e.threadId === -1) return null;
      return { kind: 'workers', label: 'running Worker', cleanup: () => e.terminate() };
    }
    if (isChildProcess(e)) {
      if (e.exitCode !== null || e.signalCode !== null) return null;
      return { kind: 'processes', label: 'running ChildProcess', cleanup: () => e.kill() };
    }
    if (isStream(e)) {
      if (e.destroyed || e.closed) return null;
      if (e instanceof net.Socket) {
        if (e.connecting === false && e._handle === null && !e.pending) return null;
        return { kind: 'sockets', label: `open ${e.constructor.name || 'Socket'}`, cleanup: () => e.destroy() };
      }
      return { kind: 'streams', label: `open ${e.constructor.name || 'stream'}`, cleanup: () => e.destroy() };
    }
    return null;
  }
  return null;
}

function allowed(rec, allow) {
  for (const a of allow) {
    if (typeof a === 'function') {
      try { if (a({ kind: rec.kind, label: rec.label, site: rec.site })) return true; } catch { /* a throwing predicate allows nothing */ }
    } else if (a instanceof RegExp) {
      if (a.test(rec.site || '') || a.test(rec.label) || a.test(rec.kind)) return true;
    } else if ((rec.site && rec.site.includes(a)) || rec.label.includes(a) || rec.kind === a) {
      return true;
    }
  }
  return false;
}

/** Groups live records into findings: one per (kind, label), sites by count. */
function groupFindings(alive, calls) {
  const groups = new Map();
  for (const rec of alive) {
    const key = `${rec.kind}\0${rec.label}`;
    let g = groups.get(key);
    if (!g) {
      g = { kind: rec.kind, what: rec.label, count: 0, perCall: 0, sites: new Map() };
      groups.set(key, g);
    }
    g.count++;
    const site = firstLine(rec.site) || '(no application frame)';
    g.sites.set(site, (g.sites.get(site) || 0) + 1);
  }
  const out = [];
  for (const g of groups.values()) {
    const sites = [...g.sites].map(([site, count]) => ({ site, count })).sort((a, b) => b.count - a.count);
    out.push({ kind: g.kind, what: g.what, count: g.count, perCall: g.count / calls, sites: sites.slice(0, 5) });
  }
  out.sort((a, b) => b.count - a.count);
  return out;
}

async function settle(scope, settleMs) {
  // Immediates and already-due callbacks.
  await nextTurn();
  await nextTurn();
  const deadline = now() + settleMs;
  for (let turn = 0; turn <= Math.ceil(settleMs / 10); turn++) {
    let waitFor = 0;
    for (const rec of scope.records) {
      if (rec.kind !== 'timers' || rec.done || rec.interval || !rec.measured) continue;
      const h = rec.handle;
      const real = h && typeof h === 'object' && typeof h._idleStart === 'number';
      if (!real) continue; // fake timers run when the test advances them
      if (h._destroyed) continue;
      if (rec.delay <= settleMs) waitFor = Math.max(waitFor, 1);
    }
    const left = deadline - now();
    if (waitFor === 0 || left <= 0) break;
    await sleep(Math.min(10, left));
  }
}

async function resourcePhase(fn, opts) {
  const scope = new ResourceScope(opts);
  scope.install();
  let before;
  try {
    for (let i = 0; i < opts.warmup; i++) await scope.call(fn, false);
    await nextTurn();
    before = scope.countListeners();
    for (let i = 0; i < opts.resourceCalls; i++) await scope.call(fn, true);
  } finally {
    scope.uninstall();
  }
  scope.pin();
  await settle(scope, opts.settleMs);
  forceGc();
  await nextTurn();
  const alive = scope.survivors();
  const reported = alive.filter((rec) => !allowed(rec, opts.allow));
  const findings = groupFindings(reported, opts.resourceCalls);
  // Listener counts that grew on process / options.emitters without a recorded add.
  const after = scope.countListeners();
  for (const [t, counts] of after) {
    for (const [type, n] of counts) {
      const was = (before.get(t) && before.get(t).get(type)) || 0;
      const what = `listener for ${eventName(type)} on ${emitterName(t)}`;
      const explained = findings.filter((f) => f.what === what).reduce((s, f) => s + f.count, 0) +
        alive.filter((r) => r.label === what && !reported.includes(r)).length;
      if (n - was > explained) {
        const rec = { kind: 'listeners', label: what, site: '' };
        if (!allowed(rec, opts.allow)) {
          findings.push({ kind: 'listeners', what, count: n - was - explained, perCall: (n - was - explained) / opts.resourceCalls, sites: [] });
        }
      }
    }
  }
  if (findings.length && opts.cleanup) {
    // Undo what leaked from the sites that leak (warm-up calls included), so a
    // failing test leaves no interval or socket behind.
    const bad = new Set(reported.map((r) => `${r.kind}\0${firstLine(r.site)}`));
    for (const rec of scope.records) {
      const a = liveness(rec);
      if (!a || !a.cleanup) continue;
      if (bad.has(`${a.kind || rec.kind}\0${firstLine(rec.site)}`)) {
        try { a.cleanup(); } catch { /* best effort */ }
      }
    }
  }
  return findings;
}

// ---------------------------------------------------------------------------------
// Heap phase.

let nativeTrend = null;
function trendTest(values) {
  if (nativeTrend === null) {
    try {
      const b = require('./native');
      nativeTrend = typeof b.trendTest === 'function' ? b.trendTest : false;
    } catch {
      nativeTrend = false;
    }
  }
  if (!nativeTrend) throw Object.assign(new Error('leakguard: the native binding has no trendTest (rebuild with `npm run build`)'), { code: 'LEAKGUARD_NO_BINDING' });
  return nativeTrend(values);
}

// V8's spaces for JIT-compiled machine code: what they hold comes and goes with V8's
// tiering (a function optimized, deoptimized, its baseline code flushed), 150-350 KB
// at a time between two full GCs in a jest worker, and is not data a function keeps.
const CODE_SPACES = new Set(['code_space', 'code_large_object_space']);

/** Post-GC heap used outside the code spaces (bytes) and external memory (bytes). */
function floors() {
  forceGc();
  const m = process.memoryUsage();
  let code = 0;
  for (const s of v8.getHeapSpaceStatistics()) if (CODE_SPACES.has(s.space_name)) code += s.space_used_size;
  return [m.heapUsed - code, m.external];
}

const SERIES = [
  { kind: 'heap', what: 'post-GC heapUsed' },
  { kind: 'external', what: 'post-GC external memory (Buffers, ArrayBuffers)' },
];

// jest's legacy fake timers are mock functions that record every call (arguments,
// results): the measured calls' records are dropped after each round so they are
// not counted as the function's growth.
const MOCK_ARRAYS = ['calls', 'instances', 'contexts', 'invocationCallOrder', 'results'];
function mockRecorders() {
  const out = [];
  for (const name of TIMER_FNS) {
    const f = globalThis[name];
    if (typeof f !== 'function' || f._isMockFunction !== true) continue;
    let state;
    try { state = f.mock; } catch { continue; }
    if (!state) continue;
    const lengths = MOCK_ARRAYS.map((k) => (Array.isArray(state[k]) ? state[k].length : -1));
    out.push({ state, lengths });
  }
  return out;
}
function trimMocks(recorders) {
  for (const { state, lengths } of recorders) {
    MOCK_ARRAYS.forEach((k, i) => {
      if (lengths[i] >= 0 && Array.isArray(state[k]) && state[k].length > lengths[i]) state[k].length = lengths[i];
    });
  }
}

async function measureRounds(fn, rounds, perRound) {
  const series = SERIES.map(() => new Array(rounds + 1));
  const mocks = mockRecorders();
  let f = floors();
  for (let s = 0; s < series.length; s++) series[s][0] = f[s];
  for (let r = 1; r <= rounds; r++) {
    for (let i = 0; i < perRound; i++) await fn();
    trimMocks(mocks);
    f = floors();
    for (let s = 0; s < series.length; s++) series[s][r] = f[s];
  }
  return series;
}

function verdict(values, perRound, minBytesPerCall) {
  const t = trendTest(values);
  const perCall = t.slope / perRound;
  const growth = t.slope * (values.length - 1);
  const big = t.slope > 0 && perCall >= minBytesPerCall && growth > 4 * t.noise;
  const rising = big && t.z >= Z_OPEN && t.newHigh && t.recentSlope >= RECENT_RATIO * t.slope;
  // Not rising, but leaning up by enough bytes a call: a steady growth of a few hundred
  // bytes a call can lose its z to one or two transient floors (V8 recompiling a
  // flushed function's bytecode shows as +100-150 KB for one round in a jest worker).
  const leaning = !rising && big && t.z >= Z_LEANING;
  return { rising, leaning, z: t.z, slope: t.slope, perCall, growth, noise: t.noise };
}

async function heapPhase(fn, opts) {
  const rounds = opts.rounds;
  const perRound = Math.max(1, Math.floor(opts.iterations / rounds));
  const first = await measureRounds(fn, rounds, perRound);
  const v1 = first.map((vals) => verdict(vals, perRound, opts.minBytesPerCall));
  debug('heap rounds %j verdicts %j', first, v1);
  if (!v1.some((v) => v.rising || v.leaning)) return [];
  // Confirm with a second series: warm-up steps and one-off growth do not repeat. A
  // series whose first verdict only leaned up must rise in the second series and over
  // both series together.
  const second = await measureRounds(fn, rounds, perRound);
  const findings = [];
  for (let s = 0; s < SERIES.length; s++) {
    if (!v1[s].rising && !v1[s].leaning) continue;
    const v2 = verdict(second[s], perRound, opts.minBytesPerCall);
    const both = first[s].concat(second[s].slice(1));
    const vBoth = v1[s].rising ? null : verdict(both, perRound, opts.minBytesPerCall);
    debug('heap %s second series %j verdict %j, both series %j', SERIES[s].kind, second[s], v2, vBoth);
    if (!v2.rising || (vBoth && !vBoth.rising)) continue;
    const perCall = (v1[s].perCall + v2.perCall) / 2;
    const finding = {
      kind: SERIES[s].kind,
      what: SERIES[s].what,
      count: Math.round(perCall * perRound * rounds * 2),
      perCall,
      bytesPerCall: Math.round(perCall),
      z: vBoth ? vBoth.z : Math.min(v1[s].z, v2.z),
      floors: both,
      sites: [],
    };
    findings.push(finding);
  }
  if (findings.length && opts.explain) await explain(fn, findings, perRound * 2);
  return findings;
}

// ---------------------------------------------------------------------------------
// Explaining a heap leak: allocating functions (sampling heap profiler, live objects
// only) and growing classes from a heap snapshot diff (leakguard.diffSnapshotsSync).

function post(session, method, params) {
  let result;
  let error;
  session.post(method, params, (err, res) => { error = err; result = res; });
  if (error) throw error;
  return result;
}

function profileSites(profile, calls) {
  const totals = new Map();
  const frames = new Map(); // site -> app call frames, innermost first
  const walk = (node, site, chain) => {
    const cf = node.callFrame;
    const url = cf.url || '';
    let here = site;
    let hereChain = chain;
    if (url && url.includes('/') && !url.startsWith('node:')) {
      const file = url.startsWith('file://') ? require('node:url').fileURLToPath(url) : url;
      if (!isOwn(file) && !file.includes(`${path.sep}node_modules${path.sep}`) && path.basename(file) !== 'jest.js') {
        here = `${cf.functionName || '(anonymous)'} (${displayPath(file)}:${cf.lineNumber + 1}:${cf.columnNumber + 1})`;
        hereChain = [cf, ...chain].slice(0, 4);
      }
    }
    if (here && node.selfSize) {
      totals.set(here, (totals.get(here) || 0) + node.selfSize);
      if (!frames.has(here)) frames.set(here, hereChain);
    }
    for (const c of node.children || []) walk(c, here, hereChain);
  };
  walk(profile.head, null, []);
  const top = [...totals].map(([site, bytes]) => ({ site, bytesPerCall: Math.round(bytes / calls), count: Math.round(bytes / calls) }))
    .filter((s) => s.bytesPerCall > 0).sort((a, b) => b.bytesPerCall - a.bytesPerCall).slice(0, 3);
  // The call in the allocating function (or a helper it calls) that adds to a
  // collection declared outside it: the line that keeps what was allocated.
  for (const s of top) {
    const line = growthLineOf(frames.get(s.site) || []);
    if (line) s.growth = line;
  }
  return top;
}

function samplingSites(session, calls) {
  const { profile } = post(session, 'HeapProfiler.getSamplingProfile');
  return profileSites(profile, calls);
}

function snapshotDiffer() {
  if (typeof v8.writeHeapSnapshot !== 'function') return null;
  let analysis;
  try { analysis = require('./analysis'); } catch { return null; }
  if (typeof analysis.diffSnapshotsSync !== 'function') return null;
  let dir;
  try { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-')); } catch { return null; }
  const files = [];
  return {
    take() {
      files.push(v8.writeHeapSnapshot(path.join(dir, `${files.length}.heapsnapshot`)));
    },
    /** Diff of the last two snapshots taken. */
    diff() {
      return analysis.diffSnapshotsSync(files[files.length - 2], files[files.length - 1], { top: 30, paths: 8 });
    },
    dispose() {
      try { fs.rmSync(dir, { recursive: true, force: true }); } catch { /* left behind */ }
    },
  };
}

function shortPath(p, hops = 5) {
  const parts = p.split(' → ');
  return parts.length > hops ? `… → ${parts.slice(-hops).join(' → ')}` : p;
}

// A path that ends at a CommonJS module record or its `exports` object: a module loaded
// between the snapshots, not data a function keeps. A path that goes on from there
// (`… (Module) → exports (Object) → cache (Map) → …`) is a module-level collection,
// the commonest holder of a leak outside jest's sandbox (where paths run through the
// test file's context instead).
function moduleLoading(p) {
  return /\(Module\)( → exports \([^)]*\))?$/.test(p);
}

// Growing classes of a snapshot diff, most instances per call first; internal
// categories such as (array) or (compiled code) only give their retainer path.
function growingClasses(diff, calls) {
  const out = [];
  let retainerPath = null;
  let fallbackPath = null;
  const holderPaths = []; // full paths of the growing classes, for the holder's line
  for (const c of diff.classes) {
    // Counted by the instances allocated during the calls and still alive (addedCount),
    // not by the net change: objects of the same class that the test framework freed
    // meanwhile (countDelta = added - removed) must not hide what the function left.
    const added = typeof c.addedCount === 'number' ? c.addedCount : c.countDelta;
    const addedSize = typeof c.addedSize === 'number' ? c.addedSize : c.sizeDelta;
    if (added <= 0 || addedSize <= 0) continue;
    const internal = c.name.startsWith('(') || c.name.startsWith('system /');
    const p = c.representative && c.representative.retainerPath;
    if (p && added >= calls * 0.5 && !p.includes('(compiled code)') && !moduleLoading(p)) {
      holderPaths.push({ retainerPath: p, sizeDelta: addedSize });
      if (!internal && !retainerPath) retainerPath = shortPath(p);
      if (internal && !fallbackPath) fallbackPath = shortPath(p);
    }
    if (!internal && added >= calls * 0.9) {
      out.push({ name: c.name, perCall: Math.round((added / calls) * 10) / 10, bytesPerCall: Math.round(addedSize / calls) });
    }
  }
  out.sort((a, b) => b.perCall - a.perCall);
  return { constructors: out.slice(0, 6), retainerPath: retainerPath || fallbackPath, holderPaths };
}

// The inspector session disconnects only after the second snapshot: a disconnect
// resets V8's heap snapshot object ids (V8's HeapProfiler agent runs ClearObjectIds when
// its session goes away), and the snapshot diff pairs the two snapshots' objects by id.
// Across a disconnect thousands of unchanged objects counted as added, as many as the
// heap's layout had moved: the class list of a Map leak once read `Array +266.5/call,
// ArrayBuffer +18.4/call, Module +8.3/call` in CI.
async function explain(fn, findings, calls) {
  let inspector = null;
  try { inspector = require('node:inspector'); } catch { /* no inspector */ }
  let session = null;
  const snaps = snapshotDiffer();
  try {
    if (inspector) {
      session = new inspector.Session();
      session.connect();
      post(session, 'HeapProfiler.enable');
      post(session, 'HeapProfiler.startSampling', { samplingInterval: 256 });
    }
    // The first snapshot comes after the profiler is set up: what setting it up
    // allocates must not count as the function's growth.
    forceGc();
    if (snaps) snaps.take();
    for (let i = 0; i < calls; i++) await fn();
    forceGc();
    // The second snapshot before the profile is read: what reading it allocates (the
    // sites found) must not be in the diff.
    if (snaps) snaps.take();
    if (session) {
      const sites = samplingSites(session, calls);
      for (const f of findings) f.sites = f.kind === 'heap' ? sites : sites.map((s) => ({ site: s.site, count: 0 }));
    }
    if (snaps) {
      const diff = snaps.diff();
      debug('heap diff classes %j', diff.classes.slice(0, 8).map((c) => [c.name, c.countDelta, c.sizeDelta, c.representative && c.representative.retainerPath]));
      const g = growingClasses(diff, calls);
      // The calls that grow the collection the retainer paths run through
      // (`cache.set(` in the files of the allocating functions): the exact line.
      // The existing objects the new ones accumulated under (a Map cache, an array)
      // name the holder most surely; the classes' representative paths add to them.
      const owners = (diff.owners || [])
        .filter((o) => o.addedCount >= calls * 0.5 && o.node.retainerPath && !moduleLoading(o.node.retainerPath))
        .map((o) => ({ retainerPath: o.node.retainerPath, addedSize: o.addedSize }));
      const grownAt = holderSites({ classes: g.holderPaths, owners }, (findings.find((f) => f.kind === 'heap') || { sites: [] }).sites.map((x) => ({ stack: x.site })));
      for (const f of findings) {
        if (f.kind !== 'heap') continue;
        f.constructors = g.constructors;
        if (g.retainerPath) f.retainerPath = g.retainerPath;
        if (grownAt.length) {
          f.sites = [...grownAt.slice(0, 2).map((h) => ({ site: h.stack, holder: h.holder, bytesPerCall: Math.round(h.count / calls), count: Math.round(h.count / calls) })), ...f.sites];
        }
      }
    }
  } catch { /* explanation is best effort */ } finally {
    if (session) {
      try { post(session, 'HeapProfiler.stopSampling'); } catch { /* stopped */ }
      session.disconnect();
    }
    if (snaps) snaps.dispose();
  }
}

// ---------------------------------------------------------------------------------

function formatBytes(n) {
  const a = Math.abs(n);
  if (a >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (a >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${Math.round(n)} B`;
}

function formatPerCall(f) {
  if (f.kind === 'heap' || f.kind === 'external') return `+${formatBytes(f.perCall)} per call`;
  const p = Math.round(f.perCall * 100) / 100;
  return `${f.count} still alive after ${Math.round(f.count / f.perCall)} calls (${p} per call)`;
}

/** The lines of a failure message (no colours). */
function formatFindings(findings) {
  const lines = [];
  for (const f of findings) {
    lines.push(`${f.what}: ${formatPerCall(f)}`);
    if (f.constructors && f.constructors.length) {
      lines.push(`  growing: ${f.constructors.map((c) => `${c.name} +${c.perCall}/call`).join(', ')}`);
    }
    if (f.retainerPath) lines.push(`  retained by: ${f.retainerPath}`);
    for (const s of f.sites) {
      if (s.holder) {
        lines.push(`  grown by ${s.site} (adds to ${s.holder}, ~${formatBytes(s.bytesPerCall)}/call)`);
        continue;
      }
      const n = f.kind === 'heap' ? ` (~${formatBytes(s.bytesPerCall)}/call)` : f.kind === 'external' ? '' : ` (${s.count}×)`;
      // Not "at ...": jest would take the line for a stack frame and move it.
      lines.push(`  ${f.kind === 'heap' || f.kind === 'external' ? 'allocated by' : 'from'} ${s.site.replace(/\n/g, ' ← ')}${n}`);
      if (s.growth && f.kind === 'heap' && !f.sites.some((o) => o.holder && s.growth.includes(o.site.split(' (')[0]))) lines.push(`    kept by ${s.growth}`);
    }
  }
  return lines;
}

function leakMessage(findings) {
  return `leakguard: the function leaks\n${formatFindings(findings).join('\n')}`;
}

/**
 * Runs `fn` repeatedly and throws a LeakError when it leaks resources or heap.
 * Resolves to a report `{ findings: [], calls, ms }` when it does not.
 */
async function assertNoLeak(fn, options) {
  const report = await checkLeaks(fn, options, 'assertNoLeak');
  if (report.findings.length) throw new LeakError(leakMessage(report.findings), report.findings);
  return report;
}

/** Like assertNoLeak but resolves to `{ leaked, findings, calls, ms }` without throwing. */
async function checkLeaks(fn, options, fnName = 'checkLeaks') {
  if (typeof fn !== 'function') throw typeError('LEAKGUARD_INVALID_ARG', `${fnName}(fn): fn must be a function, got ${describe(fn)}`);
  const opts = normalizeOptions(options, fnName);
  const t0 = now();
  const call = () => fn();
  let findings = [];
  let calls = 0;
  if (opts.resources) {
    findings = await resourcePhase(call, opts);
    calls += opts.warmup + opts.resourceCalls;
  } else {
    for (let i = 0; i < opts.warmup; i++) await call();
    calls += opts.warmup;
  }
  if (!findings.length && opts.heap) {
    const hf = await heapPhase(call, opts);
    findings = findings.concat(hf);
    calls += Math.max(1, Math.floor(opts.iterations / opts.rounds)) * opts.rounds * (hf.length ? 2 : 1);
  }
  return { leaked: findings.length > 0, findings, calls, ms: now() - t0 };
}

// ---------------------------------------------------------------------------------
// Collection.

const COLLECT_DEFAULTS = Object.freeze({ gcs: 10, retainers: true });

class LeakguardRetentionProbe {
  constructor() {
    this.payload = new Array(1 << 20).fill(0); // 8 MiB: ranks the probe among the largest objects
  }
}

async function weakRefOf(factory) {
  const value = await factory();
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
    throw typeError('LEAKGUARD_INVALID_ARG', `assertCollected(factory): factory must return an object or a function, got ${describe(value)}`);
  }
  return { ref: new WeakRef(value), name: (value.constructor && value.constructor.name) || typeof value };
}

function retainerPath(ref) {
  let analysis;
  try {
    analysis = require('./analysis');
  } catch { return null; }
  if (typeof analysis.analyzeSnapshotSync !== 'function') return null;
  const target = ref.deref();
  if (!target || !Object.isExtensible(target)) return null;
  const key = Symbol('leakguard.probe');
  let file = null;
  try {
    Object.defineProperty(target, key, { value: new LeakguardRetentionProbe(), configurable: true });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-'));
    file = v8.writeHeapSnapshot(path.join(dir, 'retained.heapsnapshot'));
    delete target[key];
    const res = analysis.analyzeSnapshotSync(file, { top: 1, largest: 200 });
    const node = res.largest.find((n) => n.className === 'LeakguardRetentionProbe' || n.name === 'LeakguardRetentionProbe');
    if (!node || !node.retainers || node.retainers.length < 2) return null;
    const hops = node.retainers.slice(0, -1);
    return shortPath(node.retainerPath.split(' → ').slice(0, -1).join(' → '), 6);
  } catch {
    return null;
  } finally {
    try { delete target[key]; } catch { /* frozen */ }
    if (file) {
      try { fs.rmSync(path.dirname(file), { recursive: true, force: true }); } catch { /* left behind */ }
    }
  }
}

/**
 * Calls `factory`, keeps only a WeakRef to what it returns, and forces GCs until it
 * is collected. Throws a LeakError (with the retainer path when a heap snapshot can
 * be analysed) when it is still alive after `options.gcs` full GCs.
 */
async function assertCollected(factory, options) {
  const res = await checkCollected(factory, options, 'assertCollected');
  if (!res.collected) throw new LeakError(collectMessage(res), res.findings);
  return res;
}

function collectMessage(res) {
  const f = res.findings[0];
  return `leakguard: the ${f.what} returned by the factory is still reachable after ${res.gcs} full GCs\n` +
    (f.retainerPath ? `  retained by: ${f.retainerPath}` : '  (no retainer path: heap snapshot analysis unavailable)');
}

async function checkCollected(factory, options, fnName = 'checkCollected') {
  if (typeof factory !== 'function') throw typeError('LEAKGUARD_INVALID_ARG', `${fnName}(factory): factory must be a function, got ${describe(factory)}`);
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    throw typeError('LEAKGUARD_INVALID_ARG', `${fnName}(factory, options): options must be an object, got ${describe(options)}`);
  }
  const opts = { ...COLLECT_DEFAULTS };
  for (const key of Object.keys(options || {})) {
    if (!(key in COLLECT_DEFAULTS)) throw typeError('LEAKGUARD_UNKNOWN_OPTION', `${fnName}(factory, options): unknown option "${key}" (expected gcs, retainers)`);
    if (options[key] === undefined) continue;
    if (typeof options[key] !== typeof COLLECT_DEFAULTS[key]) throw typeError('LEAKGUARD_INVALID_ARG', `${fnName}(factory, options): options.${key} must be a ${typeof COLLECT_DEFAULTS[key]}, got ${describe(options[key])}`);
    opts[key] = options[key];
  }
  if (!Number.isInteger(opts.gcs) || opts.gcs < 1 || opts.gcs > 1000) throw rangeError('LEAKGUARD_INVALID_ARG', `${fnName}(factory, options): options.gcs must be an integer between 1 and 1000, got ${opts.gcs}`);
  const { ref, name } = await weakRefOf(factory);
  let gcs = 0;
  // WeakRef targets stay alive until the end of the job that created or deref'd them:
  // each GC runs at the start of a fresh macrotask, before deref().
  while (gcs < opts.gcs) {
    gcs++;
    await nextTurn();
    forceGc();
    if (ref.deref() === undefined) return { collected: true, gcs, findings: [] };
  }
  const finding = { kind: 'retained', what: name === 'function' || name === 'object' ? name : `${name} instance`, count: 1, perCall: 1, sites: [], retainerPath: opts.retainers ? retainerPath(ref) : null };
  return { collected: false, gcs, findings: [finding] };
}

module.exports = { assertNoLeak, checkLeaks, assertCollected, checkCollected, LeakError, formatFindings, growingClasses, DEFAULTS };
