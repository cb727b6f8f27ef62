'use strict';
// Heap snapshot analysis (issue 5): analyzeSnapshot, diffSnapshots and their Sync
// variants. Validation happens here; the work is done by the native
// `heap-snapshot` crate through `src/binding/heap.rs`.
const { fileURLToPath } = require('node:url');
const { debuglog } = require('node:util');
const binding = require('../binding.js');

const debug = debuglog('leakguard');

/** One defaults object for every option of this module. */
const DEFAULTS = Object.freeze({ top: 20, largest: 10, paths: 5 });
const MAX_COUNT = 1e6;

const CODES = Object.freeze({
  io: 'LEAKGUARD_SNAPSHOT_IO',
  format: 'LEAKGUARD_SNAPSHOT_FORMAT',
  invalid: 'LEAKGUARD_SNAPSHOT_INVALID',
});

const MAX_PATH = 4096; // PATH_MAX on Linux

function toPath(value, name) {
  if (typeof value === 'string') {
    if (value.length === 0) throw new TypeError(`${name} must be a non-empty path`);
    if (value.length > MAX_PATH) throw new RangeError(`${name} must be a path of at most ${MAX_PATH} characters (got ${value.length})`);
    if (value.includes('\0')) throw new TypeError(`${name} must not contain null bytes`);
    return value;
  }
  if (Buffer.isBuffer(value)) return toPath(value.toString('utf8'), name);
  if (value instanceof URL) {
    if (value.protocol !== 'file:') throw new TypeError(`${name} must be a file: URL, got ${value.protocol}`);
    return fileURLToPath(value);
  }
  throw new TypeError(`${name} must be a path string, Buffer or file: URL (got ${value === null ? 'null' : typeof value})`);
}

function count(opts, key, fallback) {
  const v = opts[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number') throw new TypeError(`options.${key} must be an integer (got ${v === null ? 'null' : typeof v})`);
  if (!Number.isInteger(v) || v < 0 || v > MAX_COUNT) throw new RangeError(`options.${key} must be an integer between 0 and ${MAX_COUNT} (got ${v})`);
  return v;
}

function isAbortSignal(s) {
  return s !== null && typeof s === 'object' && typeof s.aborted === 'boolean' && typeof s.addEventListener === 'function';
}

function normalize(options, keys) {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object' || Array.isArray(options)) throw new TypeError(`options must be an object (got ${Array.isArray(options) ? 'an array' : typeof options})`);
  for (const k of Object.keys(options)) {
    if (!keys.includes(k) && k !== 'signal' && k !== 'onProgress') {
      const err = new TypeError(`unknown option "${k}" (expected ${[...keys, 'signal', 'onProgress'].join(', ')})`);
      err.code = 'LEAKGUARD_UNKNOWN_OPTION';
      throw err;
    }
  }
  const out = {};
  for (const k of keys) out[k] = count(options, k, DEFAULTS[k]);
  if (options.signal !== undefined && !isAbortSignal(options.signal)) {
    throw new TypeError('options.signal must be an AbortSignal');
  }
  out.signal = options.signal;
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw new TypeError('options.onProgress must be a function');
  }
  out.onProgress = options.onProgress;
  return out;
}

/**
 * Guards a user progress callback: its first exception becomes a process warning
 * (exceptions must not unwind through native code), and calls stop once `state.done` is set
 * (async progress is queued and could otherwise arrive after the promise settles).
 */
function guardProgress(onProgress, state) {
  if (!onProgress) return undefined;
  return (stage, fraction) => {
    if (state.done) return;
    try {
      onProgress(stage, fraction);
    } catch (err) {
      if (state.warned) return;
      state.warned = true;
      const message = err instanceof Error ? err.message : String(err);
      process.emitWarning(`onProgress threw: ${message}`, {
        code: 'LEAKGUARD_PROGRESS_CALLBACK',
        detail: err instanceof Error ? err.stack : undefined,
      });
    }
  };
}

function abortError(signal) {
  if (signal && signal.reason !== undefined) return signal.reason;
  return new DOMException('The operation was aborted', 'AbortError');
}

/** Turns a tagged native error (`kind|message`) into an Error with a stable `code`. */
function wrapError(err) {
  const msg = err && typeof err.message === 'string' ? err.message : String(err);
  const m = /^(io|format|invalid|cancelled)\|([\s\S]*)$/.exec(msg);
  if (!m) return err;
  if (m[1] === 'cancelled') return new DOMException(m[2], 'AbortError');
  const e = new Error(m[2]);
  e.code = CODES[m[1]];
  return e;
}

async function runAsync(what, signal, onProgress, start) {
  if (signal && signal.aborted) throw abortError(signal);
  const token = new binding.HeapAnalysisCancelToken();
  const onAbort = () => token.cancel();
  const state = { done: false };
  if (signal) signal.addEventListener('abort', onAbort, { once: true });
  try {
    const result = await start(token, guardProgress(onProgress, state));
    // Progress calls queued on the thread-safe function before the work completed are
    // delivered in the loop's poll phase: one turn lets them arrive before we settle.
    if (onProgress) await new Promise((resolve) => setImmediate(resolve));
    if (signal && signal.aborted) throw abortError(signal);
    return logTimings(what, result);
  } catch (err) {
    if (signal && signal.aborted) throw abortError(signal);
    throw wrapError(err);
  } finally {
    state.done = true;
    if (signal) signal.removeEventListener('abort', onAbort);
  }
}

function logTimings(what, result) {
  debug('%s: %s', what, result.timings.map((t) => `${t.stage} ${t.ms.toFixed(0)} ms`).join(', '));
  return result;
}

function runSync(what, fn) {
  try {
    return logTimings(what, fn());
  } catch (err) {
    throw wrapError(err);
  }
}

/**
 * Analyses a `.heapsnapshot` file (plain or gzip) off the JS thread.
 * @param {string|Buffer|URL} path
 * @param {{top?: number, largest?: number, signal?: AbortSignal, onProgress?: (stage: string, fraction: number) => void}} [options]
 * @returns {Promise<import('./analysis').HeapAnalysis>}
 */
function analyzeSnapshot(path, options) {
  try {
    const file = toPath(path, 'path');
    const o = normalize(options, ['top', 'largest']);
    return runAsync(`analyzeSnapshot ${file}`, o.signal, o.onProgress, (token, progress) =>
      binding.analyzeHeapSnapshot(file, { top: o.top, largest: o.largest }, token, progress),
    );
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * Synchronous {@link analyzeSnapshot}; blocks the calling thread.
 * @param {string|Buffer|URL} path
 * @param {{top?: number, largest?: number, onProgress?: (stage: string, fraction: number) => void}} [options]
 */
function analyzeSnapshotSync(path, options) {
  const file = toPath(path, 'path');
  const o = normalize(options, ['top', 'largest']);
  return runSync(`analyzeSnapshotSync ${file}`, () => binding.analyzeHeapSnapshotSync(file, { top: o.top, largest: o.largest }, guardProgress(o.onProgress, {})),
  );
}

/**
 * Compares two snapshots of one process by object id, per class, off the JS thread.
 * @param {string|Buffer|URL} before
 * @param {string|Buffer|URL} after
 * @param {{top?: number, paths?: number, signal?: AbortSignal, onProgress?: (stage: string, fraction: number) => void}} [options]
 * @returns {Promise<import('./analysis').HeapDiff>}
 */
function diffSnapshots(before, after, options) {
  try {
    const a = toPath(before, 'before');
    const b = toPath(after, 'after');
    const o = normalize(options, ['top', 'paths']);
    return runAsync(`diffSnapshots ${a} ${b}`, o.signal, o.onProgress, (token, progress) =>
      binding.diffHeapSnapshots(a, b, { top: o.top, paths: o.paths }, token, progress),
    );
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * Synchronous {@link diffSnapshots}; blocks the calling thread.
 * @param {string|Buffer|URL} before
 * @param {string|Buffer|URL} after
 * @param {{top?: number, paths?: number, onProgress?: (stage: string, fraction: number) => void}} [options]
 */
function diffSnapshotsSync(before, after, options) {
  const a = toPath(before, 'before');
  const b = toPath(after, 'after');
  const o = normalize(options, ['top', 'paths']);
  return runSync(`diffSnapshotsSync ${a} ${b}`, () => binding.diffHeapSnapshotsSync(a, b, { top: o.top, paths: o.paths }, guardProgress(o.onProgress, {})),
  );
}

module.exports = { analyzeSnapshot, analyzeSnapshotSync, diffSnapshots, diffSnapshotsSync };
