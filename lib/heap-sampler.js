'use strict';
// V8's sampling heap profiler through an in-process inspector session. It
// samples about one allocation per `intervalBytes` and keeps only samples whose
// objects are still alive, so at any time it tells which functions allocated
// the live memory (since it started), at a low cost.
// Shared by everything in leakguard that samples (the monitor's heap sites, the
// near-limit evidence file): V8 has one sampling heap profiler per isolate, so users
// acquire() and release() it and the last release stops it.
//
// The inspector session stays connected once made. Disconnecting an inspector session
// resets V8's heap snapshot object ids (V8's HeapProfiler agent runs ClearObjectIds
// when its session goes away, even a session that never touched the profiler): two
// heap snapshots taken around a disconnect cannot be compared by id any more, which
// breaks every snapshot diff (leakguard's diagnoseHeap and `leakguard diff`, the
// Comparison view of Chrome DevTools) taken across the end of a sampling episode.

const debug = require('util').debuglog('leakguard');

let inspector = null;
try {
  inspector = require('inspector');
} catch {
  inspector = null; // Node built without the inspector
}

let session = null; // connected once, kept (see above)
let sampling = false;
let users = 0;

function post(method, params) {
  let result;
  let error;
  let done = false;
  session.post(method, params, (err, res) => {
    error = err;
    result = res;
    done = true;
  });
  // The in-process session dispatches synchronously.
  if (!done) throw new Error(`inspector ${method} did not answer synchronously`);
  if (error) throw error;
  return result;
}

/**
 * Starts sampling (shared by all users). Returns false if unavailable.
 * V8 has one sampling heap profiler per isolate, shared by every inspector
 * session: another session (a debugger, or another part of leakguard) may stop
 * it; ensure() restarts it.
 */
function acquire(intervalBytes) {
  if (!inspector || typeof inspector.Session !== 'function') return false;
  if (sampling) {
    users++;
    return true;
  }
  try {
    if (!session) {
      session = new inspector.Session();
      session.connect();
    }
    post('HeapProfiler.startSampling', { samplingInterval: intervalBytes });
    session.intervalBytes = intervalBytes;
    sampling = true;
    users = 1;
    return true;
  } catch (e) {
    debug('sampling heap profiler unavailable: %s', e && e.message);
    return false;
  }
}

/**
 * The last user's release stops sampling through V8's API
 * (`v8::HeapProfiler::StopSamplingHeapProfiler`, in the native binding), which drops the
 * samples without reading a profile. `HeapProfiler.stopSampling` would read one, and
 * every read forces a full GC (the inspector starts the sampler with `kSamplingForceGC`).
 * A forced full GC in a loaded service was measured (bench/overhead, docs/overhead.md)
 * to double V8's young generation and, in most runs, to leave the process running a
 * major GC every ~5 s for good (instead of one every ~100 s): the ending of a
 * suspect-only profiler episode in a healthy service must not cost that. Disconnecting
 * the session would stop it without a GC too, but resets the heap snapshot object ids
 * (see the top of this file): only a host without V8's exported API gets that.
 */
function release() {
  if (!sampling) return;
  if (--users > 0) return;
  sampling = false;
  let stopped = false;
  try {
    stopped = require('./native').stopSamplingHeapProfiler() === true;
  } catch {
    /* no binding: fall back below */
  }
  if (stopped) return;
  try {
    session.disconnect();
  } catch {
    /* ignore */
  }
  session = null;
}

/**
 * Restarts sampling if someone stopped it (startSampling is a no-op while it
 * runs). Cheap: one in-process inspector call.
 */
function ensure() {
  if (!sampling) return;
  try {
    post('HeapProfiler.startSampling', { samplingInterval: session.intervalBytes });
  } catch (e) {
    debug('startSampling failed: %s', e && e.message);
  }
}

/**
 * Reads the current sampling profile. Returns null if not sampling, else
 * { intervalBytes, samples, liveBytes, topSites[] } where liveBytes and each
 * site's selfSizeBytes are V8's scaled estimates of the live bytes allocated
 * (since sampling started) by that function.
 */
function profile(topN = 15) {
  if (!sampling) return null;
  let prof;
  try {
    prof = post('HeapProfiler.getSamplingProfile', {}).profile;
  } catch (e) {
    debug('getSamplingProfile failed: %s', e && e.message);
    ensure();
    return null;
  }
  const sites = new Map();
  let liveBytes = 0;
  const stack = prof.head ? [prof.head] : [];
  while (stack.length) {
    const node = stack.pop();
    if (node.children) for (const c of node.children) stack.push(c);
    if (!node.selfSize) continue;
    liveBytes += node.selfSize;
    const cf = node.callFrame || {};
    const name = cf.functionName || '(anonymous)';
    const key = `${name}\0${cf.url}\0${cf.lineNumber}`;
    let site = sites.get(key);
    if (!site) {
      site = { name, url: cf.url || '', line: (cf.lineNumber ?? -1) + 1, selfSizeBytes: 0 };
      sites.set(key, site);
    }
    site.selfSizeBytes += node.selfSize;
  }
  const topSites = [...sites.values()].sort((a, b) => b.selfSizeBytes - a.selfSizeBytes).slice(0, topN);
  return { intervalBytes: session.intervalBytes, samples: (prof.samples || []).length, liveBytes, topSites };
}

/** The raw V8 sampling profile (`{ head, samples }`), or null when not sampling. */
function rawProfile() {
  if (!sampling) return null;
  try {
    return post('HeapProfiler.getSamplingProfile', {}).profile;
  } catch (e) {
    debug('getSamplingProfile failed: %s', e && e.message);
    ensure();
    return null;
  }
}

function active() {
  return sampling;
}

module.exports = { acquire, release, ensure, profile, rawProfile, active };
