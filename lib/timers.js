'use strict';
// Timer tracking: setTimeout, setInterval and setImmediate (global and node:timers),
// patched while a monitor runs with `timers: true`.
//
// Live counts are exact: a timer is live from creation until it fires (timeouts,
// immediates) or is cleared (clearTimeout/clearInterval/clearImmediate, Timeout#close).
// The timer object itself carries its state under a private symbol, so nothing here
// holds a timer: when the app and Node let go of it, it is collected as usual.
// Creation sites are sampled (see sites.js) and counted per site with weights.
const timers = require('node:timers');
const { captureSite, Sampler } = require('./sites');
const { SiteTable } = require('./site-table');
const { guard } = require('./debug');

const kState = Symbol('leakguard.timer');
const PATCH = Symbol.for('leakguard.timers.patched');

const live = { Timeout: 0, Immediate: 0 };
const created = { Timeout: 0, Immediate: 0 };
const lastCreated = { Timeout: 0, Immediate: 0 };
const tables = { Timeout: new SiteTable(), Immediate: new SiteTable() };
const sampler = new Sampler(32);
let installed = null;
let generation = 0;

// A hook threw: count and log it the way guard() does, never rethrow into the app.
function hookFailed(where, err) {
  guard(where, () => {
    throw err;
  });
}

// State: { type, site (site record or null), weight, done }
function begin(timer, type, skipFn) {
  if (timer === null || typeof timer !== 'object') return;
  live[type]++;
  created[type]++;
  let site = null;
  let weight = 0;
  const w = sampler.next();
  if (w !== 0) {
    const stack = captureSite(skipFn);
    if (stack) {
      site = tables[type].get(stack);
      weight = w;
      site.live += w;
    }
  }
  timer[kState] = { type, site, weight, done: false, gen: generation };
}

function settle(timer) {
  const st = timer && timer[kState];
  if (!st || st.done) return;
  st.done = true;
  if (st.gen !== generation) return; // created under an earlier start()
  live[st.type]--;
  if (st.site) st.site.live -= st.weight;
}

function install() {
  if (installed) return;
  if (globalThis[PATCH]) return; // another copy of leakguard already patched timers
  const orig = {
    setTimeout: globalThis.setTimeout,
    setInterval: globalThis.setInterval,
    setImmediate: globalThis.setImmediate,
    clearTimeout: globalThis.clearTimeout,
    clearInterval: globalThis.clearInterval,
    clearImmediate: globalThis.clearImmediate,
    mod: {
      setTimeout: timers.setTimeout,
      setInterval: timers.setInterval,
      setImmediate: timers.setImmediate,
      clearTimeout: timers.clearTimeout,
      clearInterval: timers.clearInterval,
      clearImmediate: timers.clearImmediate,
    },
  };
  const probe = orig.setTimeout(() => {}, 0);
  orig.clearTimeout(probe);
  const timeoutProto = Object.getPrototypeOf(probe);
  const origClose = timeoutProto.close;

  // Hot paths (every timer created and cleared): try/catch instead of a guard()
  // closure per call; hook errors are still counted and logged through guard().
  const setTimeout = function setTimeout(callback, delay, ...args) {
    if (typeof callback !== 'function') return orig.setTimeout(callback, delay, ...args);
    const fire = function () {
      settle(this);
      return callback.apply(this, arguments);
    };
    const t = args.length === 0 ? orig.setTimeout(fire, delay) : orig.setTimeout(fire, delay, ...args);
    try {
      begin(t, 'Timeout', setTimeout);
    } catch (err) {
      hookFailed('setTimeout hook', err);
    }
    return t;
  };
  const setInterval = function setInterval(callback, delay, ...args) {
    const t = orig.setInterval(callback, delay, ...args);
    try {
      begin(t, 'Timeout', setInterval);
    } catch (err) {
      hookFailed('setInterval hook', err);
    }
    return t;
  };
  const setImmediate = function setImmediate(callback, ...args) {
    if (typeof callback !== 'function') return orig.setImmediate(callback, ...args);
    const run = function () {
      settle(this);
      return callback.apply(this, arguments);
    };
    const t = args.length === 0 ? orig.setImmediate(run) : orig.setImmediate(run, ...args);
    try {
      begin(t, 'Immediate', setImmediate);
    } catch (err) {
      hookFailed('setImmediate hook', err);
    }
    return t;
  };
  const makeClear = (name, fn) => {
    const where = `${name} hook`;
    return ({
      [name](timer) {
        if (timer !== null && typeof timer === 'object') {
          try {
            settle(timer);
          } catch (err) {
            hookFailed(where, err);
          }
        }
        return fn(timer);
      },
    })[name];
  };
  const clearTimeout = makeClear('clearTimeout', orig.clearTimeout);
  const clearInterval = makeClear('clearInterval', orig.clearInterval);
  const clearImmediate = makeClear('clearImmediate', orig.clearImmediate);
  const close = function close() {
    try {
      settle(this);
    } catch (err) {
      hookFailed('Timeout#close hook', err);
    }
    return origClose.call(this);
  };

  // Keep util.promisify(setTimeout) working: it looks for this symbol.
  for (const [patched, original] of [[setTimeout, orig.setTimeout], [setImmediate, orig.setImmediate]]) {
    const custom = original[require('node:util').promisify.custom];
    if (custom) Object.defineProperty(patched, require('node:util').promisify.custom, { value: custom, configurable: true });
  }

  const fns = { setTimeout, setInterval, setImmediate, clearTimeout, clearInterval, clearImmediate };
  Object.assign(globalThis, fns);
  Object.assign(timers, fns);
  timeoutProto.close = close;
  globalThis[PATCH] = true;
  installed = { orig, fns, timeoutProto, origClose, close };
}

function uninstall() {
  if (!installed) return;
  const { orig, fns, timeoutProto, origClose, close } = installed;
  for (const name of Object.keys(fns)) {
    if (globalThis[name] === fns[name]) globalThis[name] = orig[name];
    if (timers[name] === fns[name]) timers[name] = orig.mod[name];
  }
  if (timeoutProto.close === close) timeoutProto.close = origClose;
  delete globalThis[PATCH];
  installed = null;
  generation++;
  // Timers created while installed keep their state; counts restart at the next install.
  live.Timeout = live.Immediate = 0;
  created.Timeout = created.Immediate = 0;
  lastCreated.Timeout = lastCreated.Immediate = 0;
  tables.Timeout.clear();
  tables.Immediate.clear();
}

/** Per-tick samples: live timers per type with their sites. */
function collect(out) {
  if (!installed) return;
  sampler.retune();
  for (const type of ['Timeout', 'Immediate']) {
    // No aged count for timers: a reconnect loop re-arms from an I/O callback (the
    // failed connect), so its timers are young one by one though the loop is old.
    out.push({ kind: 'timers', target: type, value: live[type], adds: created[type] - lastCreated[type], sites: tables[type].top(32) });
    lastCreated[type] = created[type];
    tables[type].prune();
  }
}

function summary() {
  return installed ? { live: { ...live }, created: { ...created } } : null;
}

module.exports = { sampler, install, uninstall, collect, summary, isInstalled: () => installed !== null, _orig: () => installed && installed.orig };
