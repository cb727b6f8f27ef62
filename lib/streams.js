'use strict';
// Stream tracking: streams passed to trackStream(), and with `streams: true` the core
// streams the app did not wrap: fs read/write streams, zlib streams, and sockets
// (net client sockets and accepted server sockets, through diagnostics_channel).
//
// A stream is open from tracking until its 'close' event. Streams are held weakly: a
// FinalizationRegistry notices a stream collected without closing. An fs stream or
// socket collected while open leaked its file descriptor, so it stays counted (as
// `abandoned`); any other stream collected is simply gone.
const fs = require('node:fs');
const net = require('node:net');
const zlib = require('node:zlib');
const dc = require('node:diagnostics_channel');
const { typeError } = require('./errors');
const { captureSite, Sampler } = require('./sites');
const { SiteTable } = require('./site-table');
const { guard } = require('./debug');
const { AgeTracker } = require('./age');

const MAX_KINDS = 256;
const PATCH = Symbol.for('leakguard.streams.patched');

const kinds = new Map(); // target -> { open, abandoned, opened, sites: SiteTable }
const sampler = new Sampler(32);
let droppedStreams = 0;
let generation = 0;

const registry = new FinalizationRegistry((rec) => {
  if (rec.closed || rec.gen !== generation) return;
  if (rec.fdBacked) {
    const k = kinds.get(rec.target);
    if (k) k.abandoned++;
    return;
  }
  settle(rec);
});

function kindOf(target) {
  let k = kinds.get(target);
  if (!k) {
    if (kinds.size >= MAX_KINDS) return null;
    k = { open: 0, abandoned: 0, opened: 0, lastOpened: 0, sites: new SiteTable(500), ages: new AgeTracker() };
    kinds.set(target, k);
  }
  return k;
}

// Each tracked stream gets one 'close' listener, a closure over its record: no
// WeakMap entry (it would give every stream an identity hash) and no once() wrapper
// (once() + emit costs about 1.5 µs against 0.1 µs for on()). The closure stays on the
// closed stream, which is about to be collected anyway.
const CLOSER = 'leakguardStreamClose';
function closerOf(rec) {
  return function leakguardStreamClose() {
    // Out of the waiting list at once: a closed stream's record held until the list is
    // registered (up to YOUNG_MS) would outlive two scavenges and be promoted to the old
    // generation (major GCs under load).
    if (rec.young) unlinkYoung(rec);
    settle(rec);
  };
}

// Streams are held weakly, through a FinalizationRegistry, to notice the ones collected
// without closing. But registering costs GC work: V8 allocates each registry cell in
// the old generation and a scavenge keeps a registered target alive, so registering
// every per-request stream added major GCs (GC share of a loaded server's CPU 1.4 % ->
// 2-4 %). Most streams close within their request; so a new stream waits in the young
// list (held for at most YOUNG_MS, ~1 s) and only the streams still open then are
// registered. A closed stream leaves the list at once.
// The list runs through the records themselves (`prev`/`next`, `stream` held until
// registration): the arrays it replaced grew to thousands of slots a second under load
// and outlived two scavenges each time, promoting ~0.3 MB/s into the old generation
// (a major GC every ~2.5 s at 11 000 req/s, against every ~20 s without leakguard;
// docs/overhead.md, 2026-12-08).
const MAX_YOUNG = 65536; // beyond this many new streams waiting, register at once
const YOUNG_MS = 1000;
let youngOn = false; // a monitor runs: new streams wait in the young list
let youngHead = null; // newest waiting record
let youngCount = 0;
let youngTimer = null;
// Node's own setTimeout, taken before leakguard's timer hooks can wrap it.
const rawTimers = { setTimeout: require('node:timers').setTimeout, clearTimeout: require('node:timers').clearTimeout };

function unlinkYoung(rec) {
  if (rec.prev !== null) rec.prev.next = rec.next;
  else youngHead = rec.next;
  if (rec.next !== null) rec.next.prev = rec.prev;
  rec.prev = null;
  rec.next = null;
  rec.stream = null;
  rec.young = false;
  youngCount--;
}

function promoteYoung() {
  if (youngTimer !== null) {
    rawTimers.clearTimeout(youngTimer);
    youngTimer = null;
  }
  let rec = youngHead;
  youngHead = null;
  youngCount = 0;
  while (rec !== null) {
    const next = rec.next;
    const stream = rec.stream;
    // The registry holds the record strongly: it must not hold the stream.
    rec.stream = null;
    rec.prev = null;
    rec.next = null;
    rec.young = false;
    if (stream !== null) registry.register(stream, rec);
    rec = next;
  }
}

function onYoungTimer() {
  youngTimer = null;
  guard('stream registration', promoteYoung);
}

/** The monitor started: new streams wait one tick before they are registered. */
function startYoung() {
  youngOn = true;
}

/** The monitor stopped: register the waiting streams, and register new ones at once. */
function stopYoung() {
  promoteYoung();
  youngOn = false;
}

/** True when the stream already carries leakguard's 'close' listener (tracked before). */
function isTracked(stream) {
  const list = stream.rawListeners('close');
  for (let i = 0; i < list.length; i++) if (list[i].name === CLOSER) return true;
  return false;
}

function settle(rec) {
  if (rec.closed) return;
  rec.closed = true;
  if (rec.gen !== generation) return;
  const k = kinds.get(rec.target);
  if (!k) return;
  k.open--;
  k.ages.died(rec.born);
  if (rec.site) rec.site.live -= rec.weight;
}

function isStream(x) {
  return x !== null && typeof x === 'object' && typeof x.on === 'function' && typeof x.once === 'function' &&
    (typeof x.pipe === 'function' || typeof x.write === 'function') && typeof x.destroy === 'function';
}

// Cached per prototype: instanceof walks the whole prototype chain three times, and
// every stream of one class shares its answer.
const fdBackedByProto = new WeakMap();
function isFdBacked(stream) {
  const proto = Object.getPrototypeOf(stream);
  let fd = proto === null ? undefined : fdBackedByProto.get(proto);
  if (fd === undefined) {
    fd = stream instanceof fs.ReadStream || stream instanceof fs.WriteStream || stream instanceof net.Socket;
    if (proto !== null) fdBackedByProto.set(proto, fd);
  }
  return fd;
}

// `fresh`: the stream was just created by a core factory (fs, zlib), so it
// cannot have been tracked before and the listener scan is skipped.
function register(stream, target, skipFn, fresh) {
  if (!fresh && isTracked(stream)) return;
  if (stream.destroyed || stream.closed) return;
  const k = kindOf(target);
  if (!k) {
    droppedStreams++;
    return;
  }
  const rec = { target, site: null, weight: 0, closed: false, gen: generation, fdBacked: isFdBacked(stream), born: 0, young: false, stream: null, prev: null, next: null };
  const w = sampler.next();
  if (w !== 0) {
    const stack = captureSite(skipFn);
    if (stack) {
      rec.site = k.sites.get(stack);
      rec.weight = w;
      rec.site.live += w;
    }
  }
  k.open++;
  k.opened++;
  rec.born = k.ages.born();
  stream.on('close', closerOf(rec));
  if (youngOn && youngCount < MAX_YOUNG) {
    rec.young = true;
    rec.stream = stream;
    rec.next = youngHead;
    if (youngHead !== null) youngHead.prev = rec;
    youngHead = rec;
    youngCount++;
    if (youngTimer === null) {
      youngTimer = rawTimers.setTimeout(onYoungTimer, YOUNG_MS);
      youngTimer.unref();
    }
  } else {
    // No unregister token: a closed stream's record is marked closed and its
    // finalizer returns at once.
    registry.register(stream, rec);
  }
}

function validateName(options) {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object') {
    throw typeError('LEAKGUARD_INVALID_ARG', `trackStream(stream, options): options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (key !== 'name') throw typeError('LEAKGUARD_UNKNOWN_OPTION', `trackStream(stream, options): unknown option "${key}" (expected name)`);
  }
  if (options.name !== undefined && (typeof options.name !== 'string' || !options.name || options.name.length > 200)) {
    throw typeError('LEAKGUARD_INVALID_ARG', 'trackStream(stream, options): options.name must be a non-empty string of at most 200 characters');
  }
  return options.name;
}

function trackStream(stream, options) {
  if (!isStream(stream)) {
    const got = stream === null ? 'null' : typeof stream === 'object' ? 'an object that is not a stream (needs on, once, destroy and pipe or write)' : typeof stream;
    throw typeError('LEAKGUARD_INVALID_ARG', `trackStream(stream): stream must be a Readable, Writable or Duplex stream, got ${got}`);
  }
  const name = validateName(options);
  guard('trackStream', () => register(stream, name || (stream.constructor && stream.constructor.name) || 'Stream', trackStream));
  return stream;
}

// --- automatic tracking of core streams -------------------------------------------
let installed = null;

const ZLIB_FACTORIES = ['createGzip', 'createGunzip', 'createDeflate', 'createInflate', 'createDeflateRaw',
  'createInflateRaw', 'createUnzip', 'createBrotliCompress', 'createBrotliDecompress'];

function install() {
  if (installed || globalThis[PATCH]) return;
  const saved = [];
  const wrap = (mod, name) => {
    const desc = Object.getOwnPropertyDescriptor(mod, name);
    const original = desc && desc.value;
    if (typeof original !== 'function' || !desc.configurable) return;
    const where = `${name} hook`;
    const wrapped = {
      [name](...args) {
        const s = original.apply(this, args);
        try {
          register(s, (s && s.constructor && s.constructor.name) || name, wrapped, true);
        } catch (err) {
          guard(where, () => {
            throw err;
          });
        }
        return s;
      },
    }[name];
    Object.defineProperty(mod, name, { ...desc, value: wrapped });
    saved.push([mod, name, desc, wrapped]);
  };
  wrap(fs, 'createReadStream');
  wrap(fs, 'createWriteStream');
  for (const name of ZLIB_FACTORIES) wrap(zlib, name);
  const onClient = ({ socket }) => guard('net.client.socket', () => register(socket, 'Socket', null));
  const onServer = ({ socket }) => guard('net.server.socket', () => register(socket, 'Socket (accepted)', null));
  dc.subscribe('net.client.socket', onClient);
  dc.subscribe('net.server.socket', onServer);
  globalThis[PATCH] = true;
  installed = { saved, onClient, onServer };
}

function uninstall() {
  if (!installed) return;
  for (const [mod, name, desc, wrapped] of installed.saved) if (mod[name] === wrapped) Object.defineProperty(mod, name, desc);
  dc.unsubscribe('net.client.socket', installed.onClient);
  dc.unsubscribe('net.server.socket', installed.onServer);
  delete globalThis[PATCH];
  installed = null;
}

/** Forgets all counts (a new start()); streams tracked before are ignored from now on. */
function reset() {
  generation++;
  kinds.clear();
}

/** Per-tick samples: open streams per kind. */
function collect(out) {
  promoteYoung();
  sampler.retune();
  for (const [target, k] of kinds) {
    const value = k.open;
    k.ages.advance();
    if (value === 0 && k.opened === 0) continue;
    out.push({ kind: 'streams', target, value, adds: k.opened - k.lastOpened, aged: k.ages.aged, sites: k.sites.top(32) });
    k.lastOpened = k.opened;
    k.sites.prune();
  }
}

function summary() {
  const out = {};
  for (const [target, k] of kinds) out[target] = { open: k.open, abandoned: k.abandoned, opened: k.opened };
  return out;
}

module.exports = { sampler, trackStream, install, uninstall, reset, collect, summary, startYoung, stopYoung, stats: () => ({ streamKinds: kinds.size, droppedStreams, pendingStreams: youngCount }), MAX_KINDS };
