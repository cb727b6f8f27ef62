'use strict';
// Allocation sites for memory findings, from V8's sampling heap profiler
// (inspector HeapProfiler.startSampling / getSamplingProfile, in-process).
//
// The profiler is started only while a memory series looks suspicious, so its
// (small) cost is paid only then. Its profile holds the sampled allocations that are
// still alive; per app function they are summed, split into `heap` (JS objects) and
// `buffers` (allocations made through Buffer / typed arrays, whose backing stores are
// off-heap). V8 reports the allocating function and its definition line: sites are
// function-level, e.g. `rememberResult (examples/leaky-server.js:41:25)`.
const { displayPath, isOwn, mapSource } = require('./sites');
const { guard, debug } = require('./debug');

const sampler = require('./heap-sampler');
const native = require('./native');

const SAMPLING_INTERVAL = 64 * 1024; // bytes between samples (V8's default is 32 KiB)
// Every profile read costs a forced full GC: the inspector starts V8's sampler with
// kSamplingForceGC, so getSamplingProfile collects all garbage first. Besides its pause
// (~100 ms at 70 MB of heap here), a forced full GC deoptimizes the hot code whose
// embedded maps died, and re-optimizing it made the next ~2 000 requests of the overhead
// bench's service cost ~40 % more instructions each (bench/overhead/instructions.js:
// ~0.6 G instructions, about half a second of CPU, per read). So while the heap is only
// suspect, no profile is read: the profiler keeps every sampled allocation still alive
// since it started, so the one read when a heap finding opens (Monitor) ranks them all.
// While the finding stays open, its sites are refreshed every 30 s. If the profiler
// was not yet on when the finding opened (no read then), the first read comes 2 s after
// it starts.
const MIN_GAP_MS = 30000;
const FIRST_AFTER_MS = 2000;
const MAX_SITES = 32;

function isBufferFrame(cf) {
  const url = cf.url || '';
  return url === 'node:buffer' || url === 'buffer' || url.endsWith('internal/buffer') || url === 'node:internal/buffer' ||
    (!url && /^(ArrayBuffer|SharedArrayBuffer|Uint8Array|FastBuffer)$/.test(cf.functionName));
}

function isAppFrame(cf) {
  const url = cf.url || '';
  if (!url || url.startsWith('node:') || !url.includes('/')) return false;
  const file = url.startsWith('file://') ? require('node:url').fileURLToPath(url) : url;
  return !isOwn(file);
}

// `path:line:column`, through the file's source map when source maps are enabled.
function position(url, line, column) {
  const file = url.startsWith('file://') ? require('node:url').fileURLToPath(url) : url;
  return mapSource(file, line, column) || `${displayPath(file)}:${line}:${column}`;
}

function frameLabel(cf) {
  const where = position(cf.url, cf.lineNumber + 1, cf.columnNumber + 1);
  return cf.functionName ? `${cf.functionName} (${where})` : where;
}

// --- From the allocating function to the line that keeps what it allocated ----------
// The profile names functions, not lines. The line that makes an allocation *stay* is
// usually a call that adds it to a long-lived collection: `sessions.set(id, session)`,
// `history.push(summarize(raw))`. For each top site, the allocating function and then
// its app callers (up to 3) are scanned natively for such calls on a receiver declared
// outside the function; the first function with one or two of them gives the site
// `history.push() (file:line:col)` followed by the allocating function's frame.
// Functions with none (or many) keep the function-level site.
const MAX_CALLERS = 3;
const MAX_RESOLVED = 8;
const MAX_SOURCE_BYTES = 8 * 1024 * 1024;

// App sources read for the growth-line scan, kept across profiles (a profile is read
// every few seconds while heap growth is suspect): at most 16 files and 16 MiB, checked
// against the file's mtime.
const SOURCES_MAX = 16;
const SOURCES_MAX_BYTES = 16 * 1024 * 1024;
const sources = new Map(); // file -> { mtimeMs, src }
let sourcesBytes = 0;

function sourceOf(url, cache) {
  if (cache.has(url)) return cache.get(url);
  let src = null;
  try {
    const file = url.startsWith('file://') ? require('node:url').fileURLToPath(url) : url;
    const fs = require('node:fs');
    const st = fs.statSync(file);
    const kept = sources.get(file);
    if (kept && kept.mtimeMs === st.mtimeMs) {
      src = kept.src;
    } else if (st.size <= MAX_SOURCE_BYTES) {
      src = fs.readFileSync(file, 'utf8');
      if (kept) { sources.delete(file); sourcesBytes -= kept.src.length; }
      while (sources.size && (sources.size >= SOURCES_MAX || sourcesBytes + src.length > SOURCES_MAX_BYTES)) {
        const [oldest, v] = sources.entries().next().value;
        sources.delete(oldest);
        sourcesBytes -= v.src.length;
      }
      if (src.length <= SOURCES_MAX_BYTES) { sources.set(file, { mtimeMs: st.mtimeMs, src }); sourcesBytes += src.length; }
    }
  } catch { /* gone or unreadable: no source */ }
  cache.set(url, src);
  return src;
}

function growthLine(chain, cache) {
  let node = chain.apps;
  for (let depth = 0; node && depth <= MAX_CALLERS; depth++, node = node.up) {
    const cf = node.cf;
    const src = sourceOf(cf.url, cache);
    if (!src) continue;
    const calls = native.growthCallsInFunction(src, cf.lineNumber + 1, cf.columnNumber + 1, depth === 0 ? (chain.builtin || undefined) : undefined);
    if (calls.length === 0) continue;
    if (calls.length > 2) return null; // many candidates: the function-level site says more
    return calls.map((c) => `${c.call} (${position(cf.url, c.line, c.column)})`).join(' | ');
  }
  return null;
}

function growthLines(sites, chains) {
  const cache = new Map();
  const out = new Map();
  sites.forEach((site, i) => {
    const chain = i < MAX_RESOLVED ? chains.get(site.stack) : null;
    const line = chain ? guard('finding the growth line of a heap site', () => growthLine(chain, cache)) : null;
    const allocating = site.stack.replace(/ -> \w+$/, '');
    const stack = line ? `${line}\n${allocating}` : site.stack;
    out.set(stack, (out.get(stack) || 0) + site.count);
  });
  return [...out].map(([stack, count]) => ({ stack, count })).sort((a, b) => b.count - a.count);
}

class HeapSites {
  constructor() {
    this.active = false;
    this.failed = false;
    this.startedAt = 0;
    this.lastAt = 0;
    this.latest = null; // sites of the newest profile not yet handed to the detector
    this.collections = 0;
    this.lastCostMs = 0;
    this.urgent = false; // a heap finding is open: profiles are read (none while only suspect)
  }

  /** True when a profile may be taken now (`force`: even without a fresh major GC). */
  due(now, force) {
    if (!this.active || !this.urgent) return false;
    if (this.lastAt === 0) return now - this.startedAt >= (force ? 2 * FIRST_AFTER_MS : FIRST_AFTER_MS);
    return now - this.lastAt >= (force ? 2 * MIN_GAP_MS : MIN_GAP_MS);
  }

  /** Takes a profile and keeps its sites for the next tick. */
  capture(now) {
    const t0 = process.hrtime.bigint();
    this.latest = this.collect();
    this.lastAt = now;
    this.collections++;
    this.lastCostMs = Number(process.hrtime.bigint() - t0) / 1e6;
  }

  /** The sites of a profile taken since the last call, or null. */
  take() {
    const l = this.latest;
    this.latest = null;
    return l;
  }

  start() {
    if (this.active || this.failed) return;
    if (!sampler.acquire(SAMPLING_INTERVAL)) {
      this.failed = true;
      debug('the sampling heap profiler is not available');
      return;
    }
    this.active = true;
    this.startedAt = Date.now();
    this.lastAt = 0;
  }

  /** `{ heap: SiteCount[], buffers: SiteCount[] }`: sampled live bytes per app function. */
  collect() {
    if (!this.active) return null;
    const profile = guard('heap sampling profile', () => sampler.rawProfile());
    if (!profile) return null;
    const heap = new Map();
    const buffers = new Map();
    const chains = new Map(); // heap key -> app call frames, innermost first
    // Depth-first walk with the innermost app frame, the first builtin called below it
    // (Map#set, JSON.stringify...: what allocated, when the app function was
    // optimized and its helpers inlined) and the buffer flag on the way down.
    const stack = [[profile.head, null, null, false, null]];
    while (stack.length) {
      const [node, app, builtin, buf, apps] = stack.pop();
      const cf = node.callFrame;
      let nextApp = app;
      let nextBuiltin = builtin;
      let nextApps = apps;
      if (isAppFrame(cf)) {
        nextApp = frameLabel(cf);
        nextBuiltin = null;
        nextApps = { cf, up: apps };
      } else if (app && !builtin && !cf.url && cf.functionName && cf.functionName !== '(root)') {
        nextBuiltin = cf.functionName;
      }
      const nextBuf = buf || isBufferFrame(cf);
      if (node.selfSize > 0 && nextApp) {
        const m = nextBuf ? buffers : heap;
        const key = nextBuiltin ? `${nextApp} -> ${nextBuiltin}` : nextApp;
        m.set(key, (m.get(key) || 0) + node.selfSize);
        if (!nextBuf && !chains.has(key)) chains.set(key, { apps: nextApps, builtin: nextBuiltin });
      }
      for (const c of node.children) stack.push([c, nextApp, nextBuiltin, nextBuf, nextApps]);
    }
    const top = (m) => [...m].map(([stack, count]) => ({ stack, count })).sort((a, b) => b.count - a.count).slice(0, MAX_SITES);
    return { heap: growthLines(top(heap), chains), buffers: top(buffers) };
  }

  stop() {
    if (!this.active) return;
    this.active = false;
    guard('heap sampling stop', () => sampler.release());
  }
}

/**
 * The growth line for an allocating call frame (`HeapProfiler` callFrame) and its app
 * callers (innermost first), as `history.push() (file:line:col)` (two joined by
 * ` | `), or null. Never throws.
 */
function growthLineOf(frames, builtin) {
  let apps = null;
  for (let i = frames.length - 1; i >= 0; i--) apps = { cf: frames[i], up: apps };
  if (!apps) return null;
  return guard('finding the growth line of a heap site', () => growthLine({ apps, builtin }, new Map())) || null;
}

module.exports = { HeapSites, growthLineOf };
