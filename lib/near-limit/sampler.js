'use strict';
// V8's sampling heap profiler through an in-process inspector session. It
// samples about one allocation per `intervalBytes` and keeps only samples whose
// objects are still alive, so at any time it can estimate how many live objects
// (and which allocation sites) were allocated since it started, at a low cost.
// Used to estimate the cost of a heap snapshot (which grows with the number of
// objects, not with their bytes) and for the cheap evidence artifact.

const debug = require('util').debuglog('leakguard');

let inspector = null;
try {
  inspector = require('inspector');
} catch {
  inspector = null; // Node built without the inspector
}

let session = null;
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

/** Starts sampling (shared by all users). Returns false if unavailable. */
function acquire(intervalBytes) {
  if (!inspector || typeof inspector.Session !== 'function') return false;
  if (session) {
    users++;
    return true;
  }
  try {
    session = new inspector.Session();
    session.connect();
    post('HeapProfiler.startSampling', { samplingInterval: intervalBytes });
    session.intervalBytes = intervalBytes;
    users = 1;
    return true;
  } catch (e) {
    debug('sampling heap profiler unavailable: %s', e && e.message);
    try {
      if (session) session.disconnect();
    } catch {
      /* ignore */
    }
    session = null;
    return false;
  }
}

function release() {
  if (!session) return;
  if (--users > 0) return;
  try {
    post('HeapProfiler.stopSampling', {});
  } catch {
    /* ignore */
  }
  try {
    session.disconnect();
  } catch {
    /* ignore */
  }
  session = null;
}

/**
 * Reads the current sampling profile. Returns null if not sampling, else
 * { intervalBytes, samples, estimatedObjects, estimatedBytes, topSites[] }.
 * Object counts are unbiased: a sample of `size` bytes stands for
 * 1 / (1 - exp(-size / interval)) objects.
 */
function estimate(topN = 15) {
  if (!session) return null;
  let profile;
  try {
    profile = post('HeapProfiler.getSamplingProfile', {}).profile;
  } catch (e) {
    debug('getSamplingProfile failed: %s', e && e.message);
    return null;
  }
  const interval = session.intervalBytes;
  const weight = (size) => 1 / (1 - Math.exp(-size / interval));
  const countByNode = new Map();
  let estimatedObjects = 0;
  let estimatedBytes = 0;
  for (const s of profile.samples || []) {
    const w = weight(s.size);
    estimatedObjects += w;
    estimatedBytes += w * s.size;
    countByNode.set(s.nodeId, (countByNode.get(s.nodeId) || 0) + w);
  }
  // Aggregate by allocation site (function + location).
  const sites = new Map();
  const stack = profile.head ? [profile.head] : [];
  while (stack.length) {
    const node = stack.pop();
    if (node.children) for (const c of node.children) stack.push(c);
    if (!node.selfSize) continue;
    const cf = node.callFrame || {};
    const name = cf.functionName || '(anonymous)';
    const key = `${name}\0${cf.url}\0${cf.lineNumber}`;
    let site = sites.get(key);
    if (!site) {
      site = { name, url: cf.url || '', line: (cf.lineNumber ?? -1) + 1, selfSizeBytes: 0, estimatedCount: 0 };
      sites.set(key, site);
    }
    site.selfSizeBytes += node.selfSize;
    site.estimatedCount += countByNode.get(node.id) || 0;
  }
  const topSites = [...sites.values()]
    .sort((a, b) => b.selfSizeBytes - a.selfSizeBytes)
    .slice(0, topN)
    .map((s) => ({ ...s, selfSizeBytes: Math.round(s.selfSizeBytes), estimatedCount: Math.round(s.estimatedCount) }));
  return {
    intervalBytes: interval,
    samples: (profile.samples || []).length,
    estimatedObjects: Math.round(estimatedObjects),
    estimatedBytes: Math.round(estimatedBytes),
    topSites,
  };
}

function active() {
  return session !== null;
}

module.exports = { acquire, release, estimate, active };
