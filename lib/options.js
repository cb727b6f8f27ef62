'use strict';
// start() options: one defaults object, one normalizer that throws early with a hint.
const { typeError, rangeError } = require('./errors');

const DEFAULTS = Object.freeze({
  intervalMs: 1000, // sampling tick
  warmupMs: 30000, // no finding opens before this (services warm up: JIT, caches, pools)
  timers: true, // patch setTimeout/setInterval/setImmediate
  streams: true, // track core fs/zlib streams and sockets automatically
  handles: true, // count process.getActiveResourcesInfo() by type
  heapSites: true, // sampling heap profiler while a memory series looks suspicious
  heapDiagnosis: false, // when a heap finding opens: two heap snapshots diffed in Rust (blocks ~1 s per 100 MB)
  forcedGc: true, // a confirming full GC for a suspect memory series on raw points (budgeted in the detector); false: wait for V8's own
  sensitivity: 1, // threshold scale: < 1 more sensitive, > 1 more conservative
  allStacks: false, // capture a creation stack for every listener, timer and stream (default: sampled, ~32 per tick per kind under steady load)
});

const NUMBERS = {
  intervalMs: [10, 3600000],
  warmupMs: [0, 86400000],
  sensitivity: [0.05, 20],
};

function normalizeStartOptions(options) {
  if (options === undefined) return { ...DEFAULTS };
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw typeError('LEAKGUARD_INVALID_ARG', `start(options): options must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  }
  const out = { ...DEFAULTS };
  for (const key of Object.keys(options)) {
    if (!Object.prototype.hasOwnProperty.call(DEFAULTS, key)) {
      throw typeError('LEAKGUARD_UNKNOWN_OPTION', `start(options): unknown option "${key}" (expected one of ${Object.keys(DEFAULTS).join(', ')})`);
    }
    const value = options[key];
    if (value === undefined) continue;
    const expected = typeof DEFAULTS[key];
    if (typeof value !== expected) {
      throw typeError('LEAKGUARD_INVALID_ARG', `start(options): options.${key} must be a ${expected}, got ${value === null ? 'null' : typeof value}`);
    }
    if (expected === 'number') {
      const [min, max] = NUMBERS[key];
      if (!Number.isFinite(value) || value < min || value > max) {
        throw rangeError('LEAKGUARD_INVALID_ARG', `start(options): options.${key} must be a finite number between ${min} and ${max}, got ${value}`);
      }
    }
    out[key] = value;
  }
  return out;
}

module.exports = { DEFAULTS, normalizeStartOptions };
