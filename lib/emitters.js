'use strict';
// Listener tracking for EventEmitter and EventTarget (AbortSignal...).
//
// Counts are exact and read on demand at each tick (`listenerCount` /
// `events.getEventListeners`). Creation sites are captured, sampled, when a
// listener is added: EventEmitter's own 'newListener' event, and for EventTarget a
// wrapper of the instance's addEventListener. Sites per listener are kept in a
// WeakMap keyed by the listener function; at each tick the live listeners are
// mapped back to their sites, so removals of any kind are accounted for.
// Tracked emitters are held through WeakRef only; a FinalizationRegistry drops
// their entries when the app lets them go.
const events = require('node:events');
const { typeError, rangeError } = require('./errors');
const { captureSite, Sampler } = require('./sites');
const { guard } = require('./debug');

const MAX_EMITTERS = 10000;
const MAX_SCAN = 4096; // listeners mapped to sites per series per tick
const MIN_PUSH = 2; // series below this count are not sent unless already known
const MAX_KNOWN = 20000;
const known = new Set(); // targets sent to the detector
const AGE_TICKS = 5; // a listener present this many ticks after it was added counts as aged

const kEntry = Symbol('leakguard.emitterEntry');

let nextId = 1;
const entries = new Map(); // id -> Entry
const byEmitter = new WeakMap(); // emitter -> Entry
const listenerSites = new WeakMap(); // listener fn -> { stack, weight }
const sampler = new Sampler(32);
let droppedEmitters = 0;
let tickNo = 0;
let onRemoved = null; // (targets: string[]) => void, set by the monitor

const registry = new FinalizationRegistry((id) => {
  const entry = entries.get(id);
  if (!entry) return;
  entries.delete(id);
  guard('emitter finalizer', () => forget(entry));
});

// An entry whose emitter was collected, found before its finalizer ran (V8 runs
// FinalizationRegistry callbacks in a later task, which a busy or long-running
// process can postpone): drop it now, so the count and the cap do not depend on it.
function dropDead(entry) {
  if (!entries.delete(entry.id)) return;
  registry.unregister(entry);
  guard('emitter collected', () => forget(entry));
}

// At the cap, collected emitters are swept before a new one is refused; at most one
// sweep per tick so that a process with 10 000 live tracked emitters pays it once.
let sweptAtTick = -1;
function sweepDead() {
  if (sweptAtTick === tickNo) return;
  sweptAtTick = tickNo;
  const dead = [];
  for (const entry of entries.values()) if (!entry.ref.deref()) dead.push(entry);
  for (const entry of dead) dropDead(entry);
}

function isEventEmitter(x) {
  return x !== null && typeof x === 'object' && typeof x.on === 'function' &&
    typeof x.listenerCount === 'function' && typeof x.rawListeners === 'function' && typeof x.eventNames === 'function';
}

function isEventTarget(x) {
  return x !== null && typeof x === 'object' && typeof x.addEventListener === 'function' &&
    typeof x.removeEventListener === 'function' && typeof x.dispatchEvent === 'function';
}

function validateTrackOptions(options) {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') {
    throw typeError('LEAKGUARD_INVALID_ARG', `trackEmitter(emitter, options): options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  for (const k of Object.keys(options)) {
    if (k !== 'name' && k !== 'threshold') {
      throw typeError('LEAKGUARD_UNKNOWN_OPTION', `trackEmitter(emitter, options): unknown option "${k}" (expected name, threshold)`);
    }
  }
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name.length === 0 || options.name.length > 200)) {
    throw typeError('LEAKGUARD_INVALID_ARG', 'trackEmitter(emitter, options): options.name must be a non-empty string of at most 200 characters');
  }
  if (options.threshold !== undefined) {
    if (typeof options.threshold !== 'number') {
      throw typeError('LEAKGUARD_INVALID_ARG', `trackEmitter(emitter, options): options.threshold must be a number, got ${typeof options.threshold}`);
    }
    if (!Number.isFinite(options.threshold) || options.threshold < 0 || options.threshold > 1e9) {
      throw rangeError('LEAKGUARD_INVALID_ARG', `trackEmitter(emitter, options): options.threshold must be a finite number >= 0, got ${options.threshold} (at most 1e9)`);
    }
  }
  return options;
}

function eventLabel(name) {
  return typeof name === 'symbol' ? name.toString() : String(name);
}

// Site strings are interned so that the sampled listeners of one site share one
// string (a leak of 100 000 listeners must not add 100 000 copies of its stack).
const MAX_INTERNED = 2000;
const interned = new Map();
function intern(stack) {
  const s = interned.get(stack);
  if (s !== undefined) return s;
  if (interned.size >= MAX_INTERNED) interned.clear();
  interned.set(stack, stack);
  return stack;
}

function recordSite(listener, skipFn) {
  if (typeof listener !== 'function' && (listener === null || typeof listener !== 'object')) return;
  const weight = sampler.next();
  if (weight === 0) return;
  recordSampled(listener, weight, skipFn);
}

function recordSampled(listener, weight, skipFn) {
  const stack = intern(captureSite(skipFn));
  if (!stack) return;
  const prev = listenerSites.get(listener);
  if (prev) {
    prev.weight += weight;
    prev.adds++;
  } else {
    listenerSites.set(listener, { stack, weight, adds: 1, born: tickNo });
  }
}

function trackEmitter(emitter, options) {
  const ee = isEventEmitter(emitter);
  const et = !ee && isEventTarget(emitter);
  if (!ee && !et) {
    const got = emitter === null ? 'null' : typeof emitter === 'object' ? 'an object without on/listenerCount or addEventListener' : typeof emitter;
    throw typeError('LEAKGUARD_INVALID_ARG', `trackEmitter(emitter): emitter must be an EventEmitter or an EventTarget, got ${got}`);
  }
  const opts = validateTrackOptions(options);
  const existing = byEmitter.get(emitter);
  if (existing) {
    if (opts.name && opts.name !== existing.name) {
      forget(existing);
      existing.name = opts.name;
      namesInUse.set(opts.name, (namesInUse.get(opts.name) || 0) + 1);
    }
    if (opts.threshold !== undefined) existing.threshold = opts.threshold;
    return emitter;
  }
  if (entries.size >= MAX_EMITTERS) sweepDead();
  if (entries.size >= MAX_EMITTERS) {
    droppedEmitters++;
    return emitter;
  }
  const id = nextId++;
  // Emitters tracked under one name share their series (counts summed).
  const name = opts.name || (emitter.constructor && emitter.constructor.name) || 'Emitter';
  const entry = {
    id,
    ref: new WeakRef(emitter),
    name,
    adds: new Map(), // event type -> listeners added since the last tick
    threshold: opts.threshold,
    isTarget: et,
    types: new Set(), // EventTarget: event types seen
    attached: false,
    hook: null, // EventEmitter: our 'newListener' listener
    wrapper: null, // EventTarget: our addEventListener
    original: null, // EventTarget: the addEventListener we wrapped
    ownOriginal: false,
  };
  if (ee) {
    // Hot path (every on/once/prepend on a tracked emitter): no closure or capture
    // unless the sampler picks this listener.
    entry.hook = function leakguardNewListener(type, listener) {
      const adds = entry.adds;
      adds.set(type, (adds.get(type) || 0) + 1);
      if (typeof listener !== 'function' && (listener === null || typeof listener !== 'object')) return;
      const weight = sampler.next();
      if (weight !== 0) guard('newListener hook', () => recordSampled(listener, weight, leakguardNewListener));
    };
  } else {
    entry.wrapper = function addEventListener(type, listener, opts2) {
      guard('addEventListener hook', () => {
        entry.types.add(type);
        entry.adds.set(type, (entry.adds.get(type) || 0) + 1);
        recordSite(listener, addEventListener);
      });
      return entry.original.call(this, type, listener, opts2);
    };
  }
  if (running) attach(entry, emitter);
  entries.set(id, entry);
  namesInUse.set(name, (namesInUse.get(name) || 0) + 1);
  byEmitter.set(emitter, entry);
  registry.register(emitter, id, entry);
  return emitter;
}

function untrackEmitter(emitter) {
  if (emitter === null || typeof emitter !== 'object') {
    throw typeError('LEAKGUARD_INVALID_ARG', `untrackEmitter(emitter): emitter must be an object, got ${emitter === null ? 'null' : typeof emitter}`);
  }
  const entry = byEmitter.get(emitter);
  if (!entry) return false;
  removeEntry(entry);
  return true;
}

// Hooks are attached only while a monitor runs: stop() detaches all of them and
// start() attaches them again, so tracking survives a stop()/start() cycle.
function attach(entry, emitter) {
  if (entry.attached) return;
  if (entry.hook) {
    emitter.on('newListener', entry.hook);
  } else {
    entry.ownOriginal = Object.prototype.hasOwnProperty.call(emitter, 'addEventListener');
    entry.original = emitter.addEventListener;
    Object.defineProperty(emitter, 'addEventListener', { value: entry.wrapper, writable: true, configurable: true, enumerable: false });
  }
  entry.attached = true;
}

function detach(entry) {
  if (!entry.attached) return;
  entry.attached = false;
  const emitter = entry.ref.deref();
  if (!emitter) return;
  if (entry.hook) {
    emitter.removeListener('newListener', entry.hook);
  } else if (emitter.addEventListener === entry.wrapper) {
    if (entry.ownOriginal) Object.defineProperty(emitter, 'addEventListener', { value: entry.original, writable: true, configurable: true, enumerable: false });
    else delete emitter.addEventListener;
  }
}

let running = false;

/** start(): attach the hooks of every tracked emitter. */
function resume() {
  running = true;
  for (const entry of entries.values()) {
    const emitter = entry.ref.deref();
    if (emitter) guard('attach', () => attach(entry, emitter));
  }
}

/** stop(): detach every hook (emitters stay tracked, weakly). */
function suspend() {
  running = false;
  for (const entry of entries.values()) guard('detach', () => detach(entry));
  known.clear();
}

// The last emitter of a name is gone: its series end now (their findings close).
const namesInUse = new Map(); // name -> tracked emitters under it
function forget(entry) {
  const left = (namesInUse.get(entry.name) || 1) - 1;
  if (left > 0) {
    namesInUse.set(entry.name, left);
    return;
  }
  namesInUse.delete(entry.name);
  const prefix = `${entry.name}:`;
  const targets = [...known].filter((t) => t.startsWith(prefix));
  for (const t of targets) known.delete(t);
  if (onRemoved && targets.length) onRemoved(targets);
}

function removeEntry(entry) {
  guard('detach', () => detach(entry));
  entries.delete(entry.id);
  registry.unregister(entry);
  const target = entry.ref.deref();
  if (target) byEmitter.delete(target);
  guard('emitter removed', () => forget(entry));
}

function countListeners(entry, emitter, type) {
  if (entry.isTarget) return events.getEventListeners(emitter, type);
  return emitter.rawListeners(type);
}

/** Per-tick samples: one per (emitter, event) worth sending. */
/**
 * Per-tick samples, one per (name, event): emitters tracked under one name are one
 * series (their counts summed), so many short-lived emitters of one kind stay one
 * series, and a kind of emitter that piles up is seen as it grows.
 */
function collect(out) {
  sampler.retune();
  tickNo++;
  const series = new Map(); // target -> { value, adds, aged, agedKnown, minLevel, sites: Map }
  const dead = [];
  for (const entry of entries.values()) {
    const emitter = entry.ref.deref();
    if (!emitter) {
      dead.push(entry);
      continue;
    }
    guard('collect listeners', () => {
      // removeAllListeners() also removes our hook: put it back.
      if (entry.hook && entry.attached && !emitter.rawListeners('newListener').includes(entry.hook)) emitter.on('newListener', entry.hook);
      const types = entry.isTarget ? entry.types : emitter.eventNames();
      for (const type of types) {
        const list = countListeners(entry, emitter, type);
        let count = list.length;
        if (!entry.isTarget && type === 'newListener' && entry.attached) count -= 1;
        const target = `${entry.name}:${eventLabel(type)}`;
        let agg = series.get(target);
        if (!agg) {
          agg = { value: 0, adds: 0, aged: 0, agedKnown: true, minLevel: undefined, sites: new Map() };
          series.set(target, agg);
        }
        agg.value += count;
        agg.adds += entry.adds.get(type) || 0;
        if (entry.threshold !== undefined) agg.minLevel = agg.minLevel === undefined ? entry.threshold : Math.min(agg.minLevel, entry.threshold);
        if (count > 0) {
          const { sites, aged } = sitesOf(list);
          if (aged === undefined) agg.agedKnown = false;
          else agg.aged += aged;
          for (const site of sites) agg.sites.set(site.stack, (agg.sites.get(site.stack) || 0) + site.count);
        }
      }
      entry.adds.clear();
    });
  }
  for (const entry of dead) dropDead(entry);
  for (const [target, agg] of series) {
    if (agg.value < MIN_PUSH && !known.has(target)) continue;
    if (agg.value === 0) known.delete(target);
    else known.add(target);
    const sites = [...agg.sites].map(([stack, count]) => ({ stack, count })).sort((x, y) => y.count - x.count).slice(0, 32);
    out.push({ kind: 'listeners', target, value: agg.value, adds: agg.adds, aged: agg.agedKnown ? agg.aged : undefined, minLevel: agg.minLevel, sites });
  }
  // A series whose emitters are all gone: one last zero, then forget it.
  for (const target of known) {
    if (!series.has(target)) {
      out.push({ kind: 'listeners', target, value: 0, adds: 0, sites: [] });
      known.delete(target);
    }
  }
  if (known.size > MAX_KNOWN) known.clear();
}

// Live listeners per site, and an estimate of how many are aged (added at least
// AGE_TICKS ticks ago): symmetric add/remove keeps listeners for the length of a
// request, a leak keeps them forever, so only a leak grows the aged count.
function sitesOf(list) {
  const n = list.length;
  if (n === 0) return { sites: [], aged: 0 };
  const step = n > MAX_SCAN ? n / MAX_SCAN : 1;
  const counts = new Map();
  let aged = 0;
  for (let i = 0; i < n; i += step) {
    const l = list[Math.floor(i)];
    const fn = (l && l.listener) || l;
    const rec = listenerSites.get(fn);
    if (rec) {
      const w = (rec.weight / rec.adds) * step;
      counts.set(rec.stack, (counts.get(rec.stack) || 0) + w);
      if (tickNo - rec.born >= AGE_TICKS) aged += w;
    }
  }
  const out = [];
  for (const [stack, count] of counts) out.push({ stack, count: Math.round(count) });
  out.sort((a, b) => b.count - a.count);
  // The aged estimate needs listeners with a known birth tick to stand for most of the list.
  const covered = out.reduce((sum, x) => sum + x.count, 0);
  return { sites: out.length > 32 ? out.slice(0, 32) : out, aged: covered >= 0.5 * n ? Math.round(aged) : undefined };
}

function trackedSummary() {
  const out = [];
  const dead = [];
  for (const entry of entries.values()) {
    const emitter = entry.ref.deref();
    if (!emitter) {
      dead.push(entry);
      continue;
    }
    const listeners = {};
    guard('summary', () => {
      const types = entry.isTarget ? entry.types : emitter.eventNames();
      for (const type of types) {
        let c = countListeners(entry, emitter, type).length;
        if (!entry.isTarget && type === 'newListener' && entry.attached) c -= 1;
        if (c > 0) listeners[eventLabel(type)] = c;
      }
    });
    out.push({ name: entry.name, type: entry.isTarget ? 'EventTarget' : 'EventEmitter', listeners });
  }
  for (const entry of dead) dropDead(entry);
  return out;
}

function setOnRemoved(fn) {
  onRemoved = fn;
}

module.exports = {
  sampler,
  resume,
  suspend,
  trackEmitter,
  untrackEmitter,
  collect,
  trackedSummary,
  setOnRemoved,
  stats: () => ({ trackedEmitters: entries.size, droppedEmitters }),
  MAX_EMITTERS,
  _entries: entries,
  kEntry,
};
