'use strict';
// Two copies of leakguard in one thread (two versions in node_modules, or one package
// loaded twice): one monitor per thread, one set of hooks.
//
// Each copy registers itself at load in a per-thread registry under a global Symbol.for
// key (every copy of every version finds the same one; each worker thread has its own
// globalThis, so its own registry). When start() is called on a copy while another
// copy's monitor is running in this thread, it does not start a second monitor (a second
// tick, detector, GC observer and set of emitter hooks): it *borrows* the running one.
// Until stop() it returns that monitor, and findings(), report(), getMonitor(),
// trackEmitter(), untrackEmitter() and trackStream() go to the copy that owns it. A
// process warning (code LEAKGUARD_SHARED_MONITOR) says so once. stop() on the borrowing
// copy ends the borrow only: the monitor belongs to the copy that started it.
//
// The global patches (timers, fs/zlib stream factories, Worker, Buffer factories) carry
// their own Symbol.for markers, so even a copy that predates this registry never patches
// them twice.
const path = require('node:path');

const REGISTRY = Symbol.for('leakguard.copies.v1');
const kCopy = Symbol.for('leakguard.copy');

function registry() {
  let reg = globalThis[REGISTRY];
  if (!reg || !Array.isArray(reg.copies)) {
    reg = { copies: [] }; // WeakRef<CopyEntry>[]
    Object.defineProperty(globalThis, REGISTRY, { value: reg, configurable: true, enumerable: false, writable: true });
  }
  return reg;
}

function live(reg) {
  const out = [];
  reg.copies = reg.copies.filter((ref) => {
    const e = ref.deref();
    if (e) out.push(e);
    return e !== undefined;
  });
  return out;
}

let warned = false;

/**
 * Registers this copy and wraps the public functions of `api` (the package's
 * module.exports) in place so that they borrow another copy's running monitor.
 */
function install(api, normalizeStartOptions) {
  let version = null;
  try {
    version = require('../package.json').version;
  } catch { /* no package.json next to lib/ */ }
  // The unwrapped functions of this copy: what other copies call.
  const local = {
    start: api.start,
    stop: api.stop,
    findings: api.findings,
    report: api.report,
    getMonitor: api.getMonitor,
    trackEmitter: api.trackEmitter,
    untrackEmitter: api.untrackEmitter,
    trackStream: api.trackStream,
  };
  const me = { version, dir: path.resolve(__dirname, '..'), local };
  Object.defineProperty(api, kCopy, { value: me, enumerable: false });
  const reg = registry();
  reg.copies.push(new WeakRef(me));

  let borrowed = null; // { copy, monitor } while this copy uses another copy's monitor

  function lender() {
    if (!borrowed) return null;
    // The other copy stopped (or restarted) its monitor: the borrow is over.
    if (borrowed.copy.local.getMonitor() !== borrowed.monitor) borrowed = null;
    return borrowed && borrowed.copy;
  }

  function runningOther() {
    for (const c of live(reg)) {
      if (c !== me && c.local && typeof c.local.getMonitor === 'function' && c.local.getMonitor()) return c;
    }
    return null;
  }

  api.start = function start(options) {
    normalizeStartOptions(options); // same validation whoever runs the monitor
    if (local.getMonitor()) return local.getMonitor();
    if (lender()) return borrowed.monitor;
    const other = runningOther();
    if (other) {
      borrowed = { copy: other, monitor: other.local.getMonitor() };
      if (!warned) {
        warned = true;
        process.emitWarning(`leakguard: another copy of leakguard (${other.version || 'unknown version'} at ${other.dir}) already monitors this thread; start() from ${me.dir} uses its monitor`, { code: 'LEAKGUARD_SHARED_MONITOR' });
      }
      return borrowed.monitor;
    }
    return local.start(options);
  };
  api.stop = function stop() {
    if (lender()) {
      borrowed = null;
      return true;
    }
    return local.stop();
  };
  api.findings = function findings() {
    const l = lender();
    return l ? l.local.findings() : local.findings();
  };
  api.report = function report(options) {
    const l = lender();
    const r = l ? l.local.report(options) : local.report(options);
    if (r && r.leakguard) r.leakguard.copies = copiesSummary(l || me);
    return r;
  };
  api.getMonitor = function getMonitor() {
    const l = lender();
    return l ? l.local.getMonitor() : local.getMonitor();
  };
  api.trackEmitter = function trackEmitter(emitter, options) {
    const l = lender();
    return l ? l.local.trackEmitter(emitter, options) : local.trackEmitter(emitter, options);
  };
  api.untrackEmitter = function untrackEmitter(emitter) {
    const l = lender();
    const a = l ? l.local.untrackEmitter(emitter) : false;
    return local.untrackEmitter(emitter) || a;
  };
  api.trackStream = function trackStream(stream, options) {
    const l = lender();
    return l ? l.local.trackStream(stream, options) : local.trackStream(stream, options);
  };
  return me;
}

/** The copies of leakguard loaded in this thread: `{ version, dir, running, self }[]`. */
function copiesSummary(self) {
  return live(registry()).map((c) => ({
    version: c.version,
    dir: c.dir,
    running: Boolean(c.local && c.local.getMonitor && c.local.getMonitor()),
    self: c === self,
  }));
}

module.exports = { install, copiesSummary, REGISTRY };
