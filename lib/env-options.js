'use strict';
// Settings of `leakguard/register` from environment variables: one table, one
// parser. Every value is checked by the same normalizers as start() and
// snapshotNearLimit(), and every problem names the variable at fault.
const { DEFAULTS: START_DEFAULTS, normalizeStartOptions } = require('./options');
const { normalizeOptions: normalizeNearLimit } = require('./near-limit/options');

// start() option -> LEAKGUARD_<SNAKE_CASE>; derived from lib/options.js so every
// start() option has its variable (LEAKGUARD_INTERVAL_MS, LEAKGUARD_HEAP_DIAGNOSIS, ...).
function envNameOf(option) {
  return 'LEAKGUARD_' + option.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();
}

// snapshotNearLimit() options reachable from the environment.
const NEAR_LIMIT = {
  LEAKGUARD_SNAPSHOT_DIR: ['dir', 'string'],
  LEAKGUARD_SNAPSHOT_RATIO: ['ratio', 'number'],
  LEAKGUARD_SNAPSHOT_MAX: ['maxSnapshots', 'number'],
  LEAKGUARD_SNAPSHOT_COOLDOWN_MS: ['cooldownMs', 'number'],
  LEAKGUARD_SNAPSHOT_COMPRESS: ['compress', 'compress'],
  LEAKGUARD_SNAPSHOT_INTERVAL_MS: ['intervalMs', 'number'],
  LEAKGUARD_SNAPSHOT_LAST_RESORT: ['lastResort', 'lastResort'],
  LEAKGUARD_SNAPSHOT_SAMPLE_HEAP: ['sampleHeap', 'boolean'],
};

// Settings of the register hook itself.
const OWN = {
  LEAKGUARD_ENABLED: 'true|false (default true): false loads nothing else',
  LEAKGUARD_LOG: 'json|pretty|off (default: pretty when stderr is a terminal, else json)',
  LEAKGUARD_WORKERS: 'true|false (default false): also start a monitor in each worker thread',
  LEAKGUARD_SNAPSHOTS: 'true|false (default true): arm snapshotNearLimit()',
};

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

class EnvError extends Error {
  constructor(problems) {
    super(problems.map((p) => p.message).join('; '));
    this.name = 'EnvError';
    this.code = 'LEAKGUARD_INVALID_ENV';
    /** Each problem: { variable, value, message }. */
    this.problems = problems;
    /** The first variable at fault. */
    this.variable = problems[0].variable;
  }
}

function quote(raw) {
  const s = raw.length > 60 ? raw.slice(0, 60) + '…' : raw;
  return JSON.stringify(s);
}

function parseValue(variable, raw, type) {
  const v = raw.trim();
  if (type === 'string') return raw;
  if (type === 'boolean') {
    const l = v.toLowerCase();
    if (TRUE.has(l)) return true;
    if (FALSE.has(l)) return false;
    throw new Error(`${variable}=${quote(raw)}: must be true or false (also 1/0, yes/no, on/off)`);
  }
  if (type === 'number') {
    if (!NUMBER.test(v)) throw new Error(`${variable}=${quote(raw)}: must be a number`);
    return Number(v);
  }
  if (type === 'compress') {
    const l = v.toLowerCase();
    if (l === 'gzip') return 'gzip';
    if (FALSE.has(l) || l === 'none') return false;
    throw new Error(`${variable}=${quote(raw)}: must be gzip or off`);
  }
  if (type === 'lastResort') {
    const l = v.toLowerCase();
    if (l === 'auto') return 'auto';
    if (TRUE.has(l)) return true;
    if (FALSE.has(l)) return false;
    throw new Error(`${variable}=${quote(raw)}: must be auto, true or false`);
  }
  throw new Error(`internal: unknown type ${type}`);
}

// The normalizers' messages without their own prefix, so the variable leads.
function reason(err) {
  return String(err && err.message)
    .replace(/^start\(options\): options\.\w+ /, '')
    .replace(/^leakguard\.snapshotNearLimit: option '\w+' /, '');
}

/**
 * Reads leakguard's environment variables (`env`, default `process.env`). Empty
 * values count as unset; with LEAKGUARD_ENABLED=false nothing else is read. Returns
 * `{ enabled, log: 'json'|'pretty'|'off', workers, start: StartOptions,
 *    nearLimit: NearLimitOptions | null, set: string[] (variables used), warnings: string[] }`.
 * Throws an `EnvError` (code `LEAKGUARD_INVALID_ENV`, `err.variable`, `err.problems`)
 * naming every variable with a bad value. Unknown `LEAKGUARD_*` names are warnings.
 * `isTTY` decides the default log format.
 */
function readEnvOptions(env = process.env, { isTTY = false } = {}) {
  const problems = [];
  const warnings = [];
  const set = [];
  const get = (name) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    set.push(name);
    return raw;
  };
  const attempt = (variable, raw, fn) => {
    try {
      return fn();
    } catch (err) {
      const message = err && /^LEAKGUARD_/.test(err.message) ? err.message : `${variable}=${quote(raw)}: ${reason(err)}`;
      problems.push({ variable, value: raw, message });
      return undefined;
    }
  };

  const out = { enabled: true, log: isTTY ? 'pretty' : 'json', workers: false, start: {}, nearLimit: {}, set, warnings };

  // LEAKGUARD_ENABLED=false: nothing else is read (turning leakguard off must always work).
  const enabled = get('LEAKGUARD_ENABLED');
  if (enabled !== undefined) {
    const v = attempt('LEAKGUARD_ENABLED', enabled, () => parseValue('LEAKGUARD_ENABLED', enabled, 'boolean'));
    if (v === false) return { ...out, enabled: false, start: {}, nearLimit: null };
  }
  for (const [name, key] of [['LEAKGUARD_WORKERS', 'workers'], ['LEAKGUARD_SNAPSHOTS', 'snapshots']]) {
    const raw = get(name);
    if (raw === undefined) continue;
    const v = attempt(name, raw, () => parseValue(name, raw, 'boolean'));
    if (v !== undefined) out[key] = v;
  }
  const log = get('LEAKGUARD_LOG');
  if (log !== undefined) {
    const l = log.trim().toLowerCase();
    if (l === 'json' || l === 'pretty' || l === 'off') out.log = l;
    else problems.push({ variable: 'LEAKGUARD_LOG', value: log, message: `LEAKGUARD_LOG=${quote(log)}: must be json, pretty or off` });
  }

  const startNames = new Set();
  for (const option of Object.keys(START_DEFAULTS)) {
    const name = envNameOf(option);
    startNames.add(name);
    const raw = get(name);
    if (raw === undefined) continue;
    attempt(name, raw, () => {
      const value = parseValue(name, raw, typeof START_DEFAULTS[option]);
      normalizeStartOptions({ [option]: value }); // range check, same message as start()
      out.start[option] = value;
    });
  }

  for (const [name, [option, type]] of Object.entries(NEAR_LIMIT)) {
    const raw = get(name);
    if (raw === undefined) continue;
    attempt(name, raw, () => {
      const value = parseValue(name, raw, type);
      normalizeNearLimit({ [option]: value });
      out.nearLimit[option] = value;
    });
  }
  if (out.snapshots === false) out.nearLimit = null;
  delete out.snapshots;

  for (const name of Object.keys(env)) {
    if (!name.startsWith('LEAKGUARD_') || startNames.has(name) || NEAR_LIMIT[name] || OWN[name]) continue;
    if (name.startsWith('LEAKGUARD_TEST_')) continue; // leakguard's own test switches
    const known = [...startNames, ...Object.keys(NEAR_LIMIT), ...Object.keys(OWN)];
    const near = known.find((k) => k.startsWith(name) || name.startsWith(k));
    warnings.push(`unknown environment variable ${name} ignored${near ? ` (did you mean ${near}?)` : ''}`);
  }

  if (problems.length) throw new EnvError(problems);
  return out;
}

/** Every variable read, with what it sets (for docs and `--help`-style listings). */
function variables() {
  const rows = [];
  for (const [name, meaning] of Object.entries(OWN)) rows.push({ name, sets: 'register', meaning });
  for (const option of Object.keys(START_DEFAULTS)) rows.push({ name: envNameOf(option), sets: `start({ ${option} })`, default: START_DEFAULTS[option] });
  for (const [name, [option]] of Object.entries(NEAR_LIMIT)) rows.push({ name, sets: `snapshotNearLimit({ ${option} })` });
  return rows;
}

module.exports = { readEnvOptions, variables, envNameOf, EnvError };
