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
 * A full GC for reading a post-GC floor in a running service: V8's memory-pressure
 * collection (a mark-compact that shrinks the young generation afterwards; see
 * src/binding/gc.rs for why not `gc()`), or `gc()` when the host does not export V8's
 * API. Returns which ran: 'memory-pressure' or 'gc'.
 */
function confirmingGc() {
  let done = false;
  try {
    done = require('./native').memoryPressureGc();
  } catch {
    // not expected (the binding never throws): fall back to gc()
  }
  if (done) return 'memory-pressure';
  forceGc();
  return 'gc';
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

module.exports = { forceGc, confirmingGc, gcUntil };
