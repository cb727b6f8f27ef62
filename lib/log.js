'use strict';
// One-line logs of leakguard's events for `leakguard/register`, on stderr.
//   json:   pino-compatible NDJSON (level as a number: 30 info, 40 warn, 50 error;
//           time in epoch ms; pid; hostname; name "leakguard"; the event's fields; msg)
//   pretty: `<ISO time> <LEVEL> leakguard[<pid>]: <msg>` for people
//   off:    nothing
// Writing never throws into the app: a failed write is dropped.
const os = require('node:os');
const { isMainThread, threadId } = require('node:worker_threads');

const LEVELS = { info: 30, warn: 40, error: 50 };
const NAMES = { 30: 'INFO', 40: 'WARN', 50: 'ERROR' };
const MAX_SITES = 5;

function mib(bytes) {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes)) return '?';
  if (Math.abs(bytes) >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (Math.abs(bytes) >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/**
 * A logger writing one line per call to `write(line)` (default: process.stderr).
 * `format`: 'json' | 'pretty' | 'off'. Returns `{ info, warn, error }`, each
 * `(fields: object, msg: string) => void`.
 */
function createLogger(format, write) {
  const out = write || ((line) => process.stderr.write(line));
  const hostname = os.hostname();
  const base = isMainThread ? {} : { threadId };
  const emit = (level, fields, msg) => {
    if (format === 'off') return;
    let line;
    try {
      if (format === 'json') {
        line = JSON.stringify({ level, time: Date.now(), pid: process.pid, hostname, name: 'leakguard', ...base, ...fields, msg }) + '\n';
      } else {
        const who = isMainThread ? `${process.pid}` : `${process.pid}/thread ${threadId}`;
        line = `${new Date().toISOString()} ${NAMES[level].padEnd(5)} leakguard[${who}]: ${msg}\n`;
      }
      out(line);
    } catch {
      /* a log line is never worth an exception in the app */
    }
  };
  return {
    format,
    info: (fields, msg) => emit(LEVELS.info, fields, msg),
    warn: (fields, msg) => emit(LEVELS.warn, fields, msg),
    error: (fields, msg) => emit(LEVELS.error, fields, msg),
  };
}

// A finding as log fields: everything but `message` (it is `msg`) and the heap
// diagnosis (logged on its own line), with at most 5 sites.
function findingFields(f) {
  const { message, diagnosis, sites, ...rest } = f;
  return { ...rest, sites: Array.isArray(sites) ? sites.slice(0, MAX_SITES) : [] };
}

/**
 * Subscribes `logger` to leakguard's events in this thread (lib/channels.js):
 * findings opened (warn) and resolved (info), heap diagnoses (info), snapshots
 * written (warn) and skipped (warn). Returns the unsubscribe function.
 */
function logEvents(logger) {
  const channels = require('./channels');
  return channels.subscribe(['leak', 'resolved', 'diagnosis', 'snapshot', 'skipped'], (m, event) => {
    if (event === 'leak') {
      logger.warn({ event: 'leak', ...findingFields(m) }, `leak: ${m.message}`);
    } else if (event === 'resolved') {
      logger.info(
        { event: 'resolved', ...findingFields(m) },
        `resolved: finding ${m.id} (${m.kind} ${m.target}) stopped growing at ${m.unit === 'bytes' ? mib(m.current) : `${m.current} ${m.unit}`}`,
      );
    } else if (event === 'diagnosis') {
      const d = m.diagnosis || {};
      const classes = Array.isArray(d.classes) ? d.classes.slice(0, 3) : [];
      const top = classes.map((c) => `${c.name} +${c.countDelta} (+${mib(c.sizeDelta)})`).join(', ');
      const fields = { event: 'diagnosis', findingId: m.finding && m.finding.id, classes, holders: d.holders, sites: d.sites, skipped: d.skipped };
      logger.info(fields, d.skipped ? `heap diagnosis of finding ${fields.findingId} skipped: ${d.skipped}` : `heap diagnosis of finding ${fields.findingId}: ${top || 'no class grew'}`);
    } else if (event === 'snapshot') {
      logger.warn(
        { event: 'snapshot', ...m },
        `heap snapshot written: ${m.path} (${mib(m.bytes)}, reason ${m.reason}, heap ${mib(m.heapUsed)} of ${mib(m.heapSizeLimit)}, ${Math.round(m.durationMs)} ms blocked)`,
      );
    } else if (event === 'skipped') {
      logger.warn(
        { event: 'snapshot-skipped', ...m },
        `heap snapshot skipped (${m.reason}, trigger ${m.trigger}): needs ${mib(m.neededBytes)}, ${mib(m.availableBytes)} available; evidence file ${m.artifactPath}`,
      );
    }
  });
}

module.exports = { createLogger, logEvents, findingFields, LEVELS };
