'use strict';
// A full GC without --expose-gc: expose it once through V8 flags and fetch the
// function from a fresh context (the flag applies to contexts created afterwards).
const v8 = require('node:v8');
const vm = require('node:vm');

let gcFn = typeof globalThis.gc === 'function' ? globalThis.gc : null;

/** Runs a full (major) garbage collection synchronously. */
function forceGc() {
  if (!gcFn) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc');
  }
  gcFn();
}

/**
 * Resolves once `check()` is true, running a full GC and yielding to the event loop
 * (so FinalizationRegistry callbacks run) between tries; rejects after `tries`.
 */
async function gcUntil(check, tries = 100) {
  for (let i = 0; i < tries; i++) {
    // A new turn first: WeakRef#deref() (in check(), say) keeps its target alive until
    // the current job ends, so a GC in the same job could not collect it.
    await new Promise((resolve) => setImmediate(resolve));
    forceGc();
    // FinalizationRegistry callbacks are posted as platform tasks: let them run (an
    // immediate and, on a loaded machine, a timer turn as well).
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(i, 20)));
    if (check()) return i + 1;
  }
  throw new Error(`condition still false after ${tries} full GCs`);
}

module.exports = { forceGc, gcUntil };
