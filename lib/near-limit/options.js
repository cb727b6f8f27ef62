'use strict';
// One defaults object and one normalizer for snapshotNearLimit() options.

const DEFAULTS = Object.freeze({
  dir: undefined, // process.cwd() at call time
  ratio: 0.8,
  maxSnapshots: 2,
  cooldownMs: 60_000,
  compress: false,
  intervalMs: 500,
  lastResort: 'auto',
  sampleHeap: true,
  samplingIntervalBytes: 32_768, // V8's default; the profiler is shared per isolate
  onSnapshot: undefined,
  onSkipped: undefined,
  onError: undefined,
});

function invalid(Ctor, name, message) {
  const err = new Ctor(`leakguard.snapshotNearLimit: option '${name}' ${message}`);
  err.code = 'LEAKGUARD_INVALID_OPTION';
  err.option = name;
  return err;
}

function fraction(name, v) {
  if (typeof v !== 'number' || Number.isNaN(v)) throw invalid(TypeError, name, `must be a number, got ${describe(v)}`);
  if (!(v > 0 && v < 1)) throw invalid(RangeError, name, `must be between 0 and 1 (exclusive), got ${v}`);
  return v;
}

function integer(min, max) {
  return (name, v) => {
    if (typeof v !== 'number' || Number.isNaN(v)) throw invalid(TypeError, name, `must be a number, got ${describe(v)}`);
    if (!Number.isInteger(v) || v < min || v > max) {
      throw invalid(RangeError, name, `must be an integer from ${min} to ${max}, got ${v}`);
    }
    return v;
  };
}

function bool(name, v) {
  if (typeof v !== 'boolean') throw invalid(TypeError, name, `must be a boolean, got ${describe(v)}`);
  return v;
}

function fn(name, v) {
  if (typeof v !== 'function') throw invalid(TypeError, name, `must be a function, got ${describe(v)}`);
  return v;
}

function describe(v) {
  if (v === null) return 'null';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  return typeof v;
}

const CHECKS = {
  dir(name, v) {
    if (typeof v !== 'string') throw invalid(TypeError, name, `must be a string path, got ${describe(v)}`);
    if (v.length === 0 || v.includes('\0')) throw invalid(RangeError, name, 'must be a non-empty path without NUL bytes');
    if (v.length > 4096) throw invalid(RangeError, name, `must be a path of at most 4096 characters, got ${v.length}`);
    return v;
  },
  ratio: fraction,
  maxSnapshots: integer(1, 1000),
  cooldownMs: integer(0, 2 ** 31 - 1),
  compress(name, v) {
    if (v === false || v === 'gzip') return v;
    if (typeof v === 'string') throw invalid(RangeError, name, `must be 'gzip' or false, got ${describe(v)}`);
    throw invalid(TypeError, name, `must be 'gzip' or false, got ${describe(v)}`);
  },
  intervalMs: integer(10, 2 ** 31 - 1),
  lastResort(name, v) {
    if (v === true || v === false || v === 'auto') return v;
    if (typeof v === 'string') throw invalid(RangeError, name, `must be true, false or 'auto', got ${describe(v)}`);
    throw invalid(TypeError, name, `must be true, false or 'auto', got ${describe(v)}`);
  },
  sampleHeap: bool,
  samplingIntervalBytes: integer(1024, 2 ** 30),
  onSnapshot: fn,
  onSkipped: fn,
  onError: fn,
};

/**
 * Validates `options` and fills defaults. Throws TypeError/RangeError naming
 * the option; unknown keys are a TypeError (catches typos such as `ration`).
 */
function normalizeOptions(options) {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    const err = new TypeError(`leakguard.snapshotNearLimit: options must be an object, got ${describe(options)}`);
    err.code = 'LEAKGUARD_INVALID_OPTION';
    throw err;
  }
  const out = { ...DEFAULTS };
  for (const key of Object.keys(options)) {
    if (!Object.prototype.hasOwnProperty.call(CHECKS, key)) {
      throw invalid(TypeError, key, `is not a known option (known: ${Object.keys(CHECKS).join(', ')})`);
    }
    const v = options[key];
    if (v === undefined) continue;
    out[key] = CHECKS[key](key, v);
  }
  if (out.dir === undefined) out.dir = process.cwd();
  return Object.freeze(out);
}

module.exports = { DEFAULTS, normalizeOptions };
