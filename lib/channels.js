'use strict';
// leakguard's events on node:diagnostics_channel, per thread (channels belong to the
// isolate): the logger of `leakguard/register` and registerMetrics() subscribe here,
// so they see every monitor and every snapshotNearLimit() handle of the thread, also
// across stop()/start(). Publishing costs one `hasSubscribers` check when nobody listens.
//
//   leakguard:leak       LeakFinding that opened
//   leakguard:resolved   LeakFinding that closed
//   leakguard:diagnosis  { finding, diagnosis }
//   leakguard:snapshot   SnapshotInfo (snapshotNearLimit wrote a heap snapshot)
//   leakguard:skipped    SkippedInfo (a snapshot was not affordable; evidence file written)
const dc = require('node:diagnostics_channel');

const NAMES = ['leak', 'resolved', 'diagnosis', 'snapshot', 'skipped'];
const channels = Object.create(null);
for (const name of NAMES) channels[name] = dc.channel(`leakguard:${name}`);

/** Publishes `message` on `leakguard:<event>` when that channel has subscribers. */
function publish(event, message) {
  const ch = channels[event];
  if (ch && ch.hasSubscribers) ch.publish(message);
}

/**
 * Subscribes `fn(message, event)` to the given events; returns an unsubscribe
 * function. `fn` must not throw (diagnostics_channel rethrows subscriber errors as
 * uncaught exceptions), so it is wrapped here.
 */
function subscribe(events, fn) {
  const subs = [];
  for (const event of events) {
    const ch = channels[event];
    if (!ch) throw new TypeError(`leakguard: unknown channel event ${event}`);
    const sub = (message) => {
      try {
        fn(message, event);
      } catch {
        /* never throw into the publisher (the app's tick or GC callback) */
      }
    };
    dc.subscribe(`leakguard:${event}`, sub);
    subs.push([event, sub]);
  }
  return () => {
    for (const [event, sub] of subs.splice(0)) dc.unsubscribe(`leakguard:${event}`, sub);
  };
}

module.exports = { publish, subscribe, NAMES };
