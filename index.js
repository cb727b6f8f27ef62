'use strict';
// leakguard: catch memory leaks in a running Node.js process.
// Public API; the state lives in the Rust detector (binding.js), the JS-only hooks in lib/.
const { normalizeStartOptions } = require('./lib/options');
const { Monitor } = require('./lib/monitor');
const emitters = require('./lib/emitters');
const streams = require('./lib/streams');
const { diagnoseHeap } = require('./lib/diagnosis');

let monitor = null;

/**
 * Starts monitoring this thread (idempotent: returns the running Monitor).
 * @param {import('./index').StartOptions} [options]
 * @returns {import('./index').Monitor}
 */
function start(options) {
  const opts = normalizeStartOptions(options);
  if (monitor) return monitor;
  monitor = new Monitor(opts);
  require('./lib/sites').setCaptureAll(opts.allStacks);
  monitor._start();
  return monitor;
}

/** Stops monitoring and removes every hook. start() may be called again. */
function stop() {
  if (!monitor) return false;
  monitor._stop();
  require('./lib/sites').setCaptureAll(false);
  monitor = null;
  return true;
}

/** The findings open now (empty when not started). */
function findings() {
  return monitor ? monitor.findings() : [];
}

/**
 * Everything tracked right now, memory and findings, as a plain JSON-safe object.
 * `options.history` (true or `{ maxSeries }`): add the chart history and the
 * near-limit files (see index.d.ts).
 */
function report(options) {
  const maxSeries = historyOption(options);
  if (!monitor) {
    const r = { running: false, emitters: emitters.trackedSummary(), streams: streams.summary(), findings: [] };
    if (maxSeries) Object.assign(r, { history: null, nearLimit: require('./lib/near-limit').nearLimitFiles() });
    return r;
  }
  const r = { running: true, ...monitor.report() };
  if (maxSeries) Object.assign(r, { node: process.version, history: monitor.historyReport(maxSeries), nearLimit: require('./lib/near-limit').nearLimitFiles() });
  return r;
}

// report({ history }) / history({ maxSeries }): the number of series to chart, or 0.
function historyOption(options, fnName = 'report') {
  if (options === undefined) return 0;
  const { typeError, rangeError } = require('./lib/errors');
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw typeError('LEAKGUARD_INVALID_ARG', `${fnName}(options): options must be an object`);
  const known = fnName === 'report' ? ['history'] : ['maxSeries'];
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) throw typeError('LEAKGUARD_UNKNOWN_OPTION', `${fnName}(options): unknown option "${k}" (expected ${known.join(', ')})`);
  }
  let h = fnName === 'report' ? options.history : { maxSeries: options.maxSeries };
  if (h === undefined || h === false) return 0;
  if (h === true) h = {};
  if (h === null || typeof h !== 'object') throw typeError('LEAKGUARD_INVALID_ARG', `${fnName}(options): options.history must be a boolean or { maxSeries }`);
  const n = h.maxSeries === undefined ? 32 : h.maxSeries;
  const what = fnName === 'report' ? 'options.history.maxSeries' : 'options.maxSeries';
  if (typeof n !== 'number') throw typeError('LEAKGUARD_INVALID_ARG', `${fnName}(options): ${what} must be a number, got ${n === null ? 'null' : typeof n}`);
  if (!Number.isInteger(n) || n < 1 || n > 128) throw rangeError('LEAKGUARD_INVALID_ARG', `${fnName}(options): ${what} must be an integer between 1 and 128, got ${n}`);
  return n;
}

/**
 * The chart history of this thread's monitor (null when not running): at most
 * `maxSeries` (1..128, default 32) series, each over the whole run (at most 120
 * points), with the detector's window and Theil-Sen line.
 */
function history(options) {
  const n = historyOption(options === undefined ? {} : options, 'history');
  return monitor ? monitor.historyReport(n) : null;
}

/** Writes the self-contained HTML report (lib/html-report.js); returns the absolute path. */
function writeReport(file, options) {
  return require('./lib/html-report').writeReport(file, options, () => report({ history: true }));
}

/** The running Monitor, or null. */
function getMonitor() {
  return monitor;
}

module.exports = {
  start,
  stop,
  findings,
  report,
  getMonitor,
  trackEmitter: emitters.trackEmitter,
  untrackEmitter: emitters.untrackEmitter,
  trackStream: streams.trackStream,
  diagnoseHeap,
  history,
  writeReport,
};

// Snapshot analysis and near-limit snapshots live in their own modules.
Object.assign(module.exports, require('./lib/analysis'), require('./lib/near-limit'));
{
  const { assertNoLeak, checkLeaks, assertCollected, checkCollected, LeakError, formatFindings } = require('./lib/assert');
  Object.assign(module.exports, { assertNoLeak, checkLeaks, assertCollected, checkCollected, LeakError, formatFindings });
}

// Production: prom-client metrics (lib/metrics.js; prom-client is loaded only when called).
module.exports.registerMetrics = require('./lib/metrics').registerMetrics;

// Two copies of leakguard in one thread: one monitor, one set of hooks (lib/copies.js).
require('./lib/copies').install(module.exports, normalizeStartOptions);

// Worker threads: the reports of every thread's monitor (lib/threads.js).
module.exports.combinedReport = require('./lib/threads').combinedReport;
