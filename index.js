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
  monitor._start();
  return monitor;
}

/** Stops monitoring and removes every hook. start() may be called again. */
function stop() {
  if (!monitor) return false;
  monitor._stop();
  monitor = null;
  return true;
}

/** The findings open now (empty when not started). */
function findings() {
  return monitor ? monitor.findings() : [];
}

/** Everything tracked right now, memory and findings, as a plain JSON-safe object. */
function report() {
  if (!monitor) {
    return { running: false, emitters: emitters.trackedSummary(), streams: streams.summary(), findings: [] };
  }
  return { running: true, ...monitor.report() };
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
};

// Snapshot analysis and near-limit snapshots live in their own modules.
Object.assign(module.exports, require('./lib/analysis'), require('./lib/near-limit'));
Object.assign(module.exports, require('./lib/assert'));
