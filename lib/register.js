'use strict';
// `node -r leakguard/register app.js`, `NODE_OPTIONS="-r leakguard/register"`,
// `node --import leakguard/register app.mjs`: starts the monitor and
// snapshotNearLimit() with settings from LEAKGUARD_* environment variables
// (lib/env-options.js) and logs leakguard's events one line each on stderr (lib/log.js).
//
// A bad variable never stops the app: leakguard prints one error line naming the
// variable(s) and does not start; the app runs as if leakguard were not there.
// Loaded twice in a thread (two -r flags, -r and --import, two copies of the
// package), it starts once. Worker threads inherit -r/--import: they start their
// own monitor only with LEAKGUARD_WORKERS=true. Everything leakguard arms is unref'd.
const { isMainThread } = require('node:worker_threads');
const { readEnvOptions } = require('./env-options');
const { createLogger, logEvents } = require('./log');

const STATE = Symbol.for('leakguard.register');

/**
 * Runs the register hook once per thread; later calls return the first result:
 * `{ started: boolean, reason?: string, error?: EnvError, settings?, monitor?, nearLimit? }`.
 * Never throws.
 */
function register(env = process.env) {
  if (globalThis[STATE]) return globalThis[STATE];
  const state = { started: false };
  globalThis[STATE] = state;
  try {
    run(state, env);
  } catch (err) {
    // Unexpected (e.g. the native addon failed to load): one line, the app goes on.
    state.reason = 'failed';
    state.error = err;
    writeLine(`leakguard: not started: ${err && err.message}\n`);
  }
  return state;
}

function writeLine(line) {
  try {
    process.stderr.write(line);
  } catch {
    /* nothing more to do */
  }
}

function run(state, env) {
  let settings;
  try {
    settings = readEnvOptions(env, { isTTY: Boolean(process.stderr && process.stderr.isTTY) });
  } catch (err) {
    state.reason = 'invalid-env';
    state.error = err;
    // In workers, only when they were asked to run leakguard (the main thread said it already).
    const workersWanted = /^(1|true|yes|on)$/i.test(String(env.LEAKGUARD_WORKERS || '').trim());
    if (!isMainThread && !workersWanted) return;
    // The format asked for; when LEAKGUARD_LOG is the bad value, the default one. Even
    // with LEAKGUARD_LOG=off this line is written, as plain text: a setting that was
    // not applied must not go unnoticed.
    const asked = String(env.LEAKGUARD_LOG || '').trim().toLowerCase();
    const format = asked === 'json' || asked === 'pretty' ? asked : process.stderr && process.stderr.isTTY ? 'pretty' : 'json';
    const msg = `invalid environment, leakguard not started (the app runs without it): ${err.message}`;
    if (asked === 'off') writeLine(`leakguard: ${msg}\n`);
    else createLogger(format).error({ event: 'config-error', code: err.code, variables: err.problems.map((p) => p.variable) }, msg);
    return;
  }
  state.settings = settings;
  if (!settings.enabled) {
    state.reason = 'disabled';
    return;
  }
  if (!isMainThread && !settings.workers) {
    state.reason = 'worker';
    return;
  }
  const log = createLogger(settings.log);
  for (const w of settings.warnings) log.warn({ event: 'config-warning' }, w);
  const leakguard = require('../index.js');
  state.unsubscribe = logEvents(log);
  // Near-limit first: its own timer is created before the monitor patches the timers,
  // so it is not counted as one of the app's.
  if (settings.nearLimit) {
    state.nearLimit = leakguard.snapshotNearLimit({
      ...settings.nearLimit,
      onError: (err) => log.error({ event: 'snapshot-error', code: err.code, option: err.option }, `heap snapshot: ${err.message}`),
    });
  }
  state.monitor = leakguard.start(settings.start);
  state.started = true;
  const o = state.monitor.options;
  log.info(
    {
      event: 'started',
      options: o,
      snapshots: settings.nearLimit ? { ...settings.nearLimit, dir: settings.nearLimit.dir || process.cwd() } : null,
      env: settings.set,
    },
    `started (interval ${o.intervalMs} ms, warm-up ${o.warmupMs} ms, heap snapshots near the limit ${settings.nearLimit ? `in ${settings.nearLimit.dir || process.cwd()}` : 'off'})`,
  );
}

module.exports = { register };
