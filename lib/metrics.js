'use strict';
// registerMetrics(register): leakguard's counts as Prometheus metrics in a prom-client
// Registry (prom-client is an optional peer dependency, loaded only here). Values are
// read at scrape time by collect() callbacks from one report() per scrape; nothing
// is added to the hot paths. Counters of events (findings opened/resolved, snapshots)
// come from the leakguard:* diagnostics channels (lib/channels.js), counted from the
// moment registerMetrics() is called. Per thread: a registry in the main thread
// reports the main thread's monitor.
const { typeError, rangeError } = require('./errors');
const channels = require('./channels');

const KINDS = ['listeners', 'timers', 'streams', 'handles', 'heap', 'external', 'arrayBuffers', 'rss'];
const SKIP_REASONS = ['insufficient-memory', 'insufficient-disk', 'max-snapshots', 'cooldown'];
const OTHER = 'other';
const MAX_LABEL_LENGTH = 128;
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

// Label combinations a metric may show: the first `max` seen are kept for the
// registry's lifetime (so a series does not come and go with rankings); later ones
// are folded into `other` and counted. Memory: at most `max` keys per metric.
class LabelCap {
  constructor(max) {
    this.max = max;
    this.kept = new Set();
    this.folded = 0; // series folded at the last scrape
  }
  admit(key) {
    if (this.kept.has(key)) return true;
    if (this.kept.size < this.max) {
      this.kept.add(key);
      return true;
    }
    this.folded++;
    return false;
  }
}

function label(value) {
  const s = String(value);
  return s.length > MAX_LABEL_LENGTH ? s.slice(0, MAX_LABEL_LENGTH - 1) + '…' : s;
}

function loadPromClient() {
  try {
    return require('prom-client');
  } catch (err) {
    const e = new Error(`leakguard.registerMetrics: prom-client is not installed (npm install prom-client): ${err && err.message}`);
    e.code = 'LEAKGUARD_MISSING_PEER';
    throw e;
  }
}

function normalize(register, options) {
  if (!register || typeof register !== 'object' || typeof register.registerMetric !== 'function' || typeof register.metrics !== 'function') {
    throw typeError('LEAKGUARD_INVALID_ARG', 'registerMetrics(register): register must be a prom-client Registry (e.g. require("prom-client").register)');
  }
  const out = { prefix: 'leakguard_', maxLabelValues: 100 };
  if (options === undefined) return out;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw typeError('LEAKGUARD_INVALID_ARG', 'registerMetrics(register, options): options must be an object');
  }
  for (const key of Object.keys(options)) {
    const v = options[key];
    if (v === undefined) continue;
    if (key === 'prefix') {
      if (typeof v !== 'string') throw typeError('LEAKGUARD_INVALID_ARG', `registerMetrics: options.prefix must be a string, got ${typeof v}`);
      if (v.length > 200) throw rangeError('LEAKGUARD_INVALID_ARG', `registerMetrics: options.prefix must be at most 200 characters, got ${v.length}`);
      if (!NAME.test(v)) throw rangeError('LEAKGUARD_INVALID_ARG', `registerMetrics: options.prefix must match ${NAME} (a Prometheus metric name start), got ${JSON.stringify(v)}`);
      out.prefix = v;
    } else if (key === 'maxLabelValues') {
      if (typeof v !== 'number') throw typeError('LEAKGUARD_INVALID_ARG', `registerMetrics: options.maxLabelValues must be a number, got ${typeof v}`);
      if (!Number.isInteger(v) || v < 1 || v > 10000) throw rangeError('LEAKGUARD_INVALID_ARG', `registerMetrics: options.maxLabelValues must be an integer from 1 to 10000, got ${v}`);
      out.maxLabelValues = v;
    } else {
      throw typeError('LEAKGUARD_UNKNOWN_OPTION', `registerMetrics: unknown option "${key}" (expected prefix, maxLabelValues)`);
    }
  }
  return out;
}

const registered = new WeakMap(); // registry -> handle (registering twice returns the first)

/**
 * Adds leakguard's collectors to a prom-client Registry. See index.d.ts.
 * @param {import('prom-client').Registry} register
 * @param {{ prefix?: string, maxLabelValues?: number }} [options]
 * @returns {{ names: string[], unregister(): void }}
 */
function registerMetrics(register, options) {
  const opts = normalize(register, options);
  const prior = registered.get(register);
  if (prior && prior.prefix === opts.prefix) return prior.handle;
  const client = loadPromClient();
  const leakguard = require('../index.js');
  const p = opts.prefix;

  // One report per scrape: prom-client calls every collect() in the same turn.
  let cached = null;
  const current = () => {
    if (!cached) {
      cached = leakguard.report();
      queueMicrotask(() => {
        cached = null;
      });
    }
    return cached;
  };

  // Event counters (from the diagnostics channels).
  const opened = Object.fromEntries(KINDS.map((k) => [k, 0]));
  const resolved = Object.fromEntries(KINDS.map((k) => [k, 0]));
  const skipped = Object.fromEntries(SKIP_REASONS.map((r) => [r, 0]));
  let snapshots = 0;
  const unsubscribe = channels.subscribe(['leak', 'resolved', 'snapshot', 'skipped'], (m, event) => {
    if (event === 'leak' && m && KINDS.includes(m.kind)) opened[m.kind]++;
    else if (event === 'resolved' && m && KINDS.includes(m.kind)) resolved[m.kind]++;
    else if (event === 'snapshot') snapshots++;
    else if (event === 'skipped' && m && SKIP_REASONS.includes(m.reason)) skipped[m.reason]++;
  });

  const caps = {};
  const metrics = [];
  // `capOn`: the labels carry user input (emitter, event, stream names) or open-ended
  // values (handle types): bounded by maxLabelValues.
  const gauge = (name, help, labelNames, fill, capOn = false) => {
    const cap = capOn ? (caps[name] = new LabelCap(opts.maxLabelValues)) : null;
    metrics.push(
      new client.Gauge({
        name: p + name,
        help,
        labelNames,
        registers: [],
        collect() {
          this.reset();
          if (cap) cap.folded = 0;
          try {
            fill(current(), (labels, value) => this.set(labels, value), cap);
          } catch {
            /* a scrape never fails because of leakguard */
          }
        },
      }),
    );
  };
  const counter = (name, help, labelNames, fill) => {
    metrics.push(
      new client.Counter({
        name: p + name,
        help,
        labelNames,
        registers: [],
        collect() {
          this.reset();
          try {
            fill(current(), (labels, value) => {
              if (typeof value === 'number' && value > 0) this.inc(labels, value);
              else this.inc(labels, 0);
            });
          } catch {
            /* idem */
          }
        },
      }),
    );
  };
  // Sums values per label combination, folding what the cap refuses into `other`.
  const SEP = '\u0000';
  const capped = (set, cap, entries, labelNames) => {
    const otherKey = labelNames.map(() => OTHER).join(SEP);
    const sums = new Map();
    for (const [values, value] of entries) {
      const key = values.length === 1 ? label(values[0]) : values.map(label).join(SEP);
      const k = cap.admit(key) ? key : otherKey;
      sums.set(k, (sums.get(k) || 0) + value);
    }
    for (const [k, v] of sums) {
      const values = k.split(SEP);
      const labels = {};
      for (let i = 0; i < labelNames.length; i++) labels[labelNames[i]] = values[i];
      set(labels, v);
    }
  };

  gauge('running', 'Whether a leakguard monitor runs in this thread (1) or not (0).', [], (r, set) => set({}, r.running ? 1 : 0));
  gauge('listeners', 'Listeners on tracked emitters (trackEmitter), per emitter name and event, at scrape time.', ['emitter', 'event'], (r, set, cap) => {
    const entries = [];
    for (const e of r.emitters || []) for (const [event, n] of Object.entries(e.listeners || {})) entries.push([[e.name, event], n]);
    capped(set, cap, entries, ['emitter', 'event']);
  }, true);
  gauge('timers', 'Live timers created through the patched setTimeout/setInterval/setImmediate, per type.', ['type'], (r, set) => {
    if (r.timers && r.timers.live) for (const [type, n] of Object.entries(r.timers.live)) set({ type }, n);
  });
  gauge('streams_open', 'Open tracked streams (core fs/zlib streams, sockets, trackStream), per stream name or class.', ['stream'], (r, set, cap) => {
    capped(set, cap, Object.entries(r.streams || {}).map(([name, s]) => [[name], s.open]), ['stream']);
  }, true);
  gauge('streams_abandoned', 'Tracked streams garbage-collected while still open (a leaked file descriptor each), per stream name or class.', ['stream'], (r, set, cap) => {
    capped(set, cap, Object.entries(r.streams || {}).map(([name, s]) => [[name], s.abandoned]), ['stream']);
  }, true);
  gauge('handles', 'Active libuv handles and requests by type (process.getActiveResourcesInfo()) at the last tick.', ['type'], (r, set, cap) => {
    capped(set, cap, Object.entries(r.handles || {}).map(([type, n]) => [[type], n]), ['type']);
  }, true);
  gauge('workers', 'Live worker_threads Workers created while the monitor ran.', [], (r, set) => {
    if (r.workers) set({}, r.workers.live);
  });
  gauge('memory_floor_bytes', 'Post-GC floor of a memory series, bytes: process.memoryUsage() right after a major GC; kind rss is native memory (rss minus heapTotal and external).', ['kind'], (r, set) => {
    for (const f of (r.memory && r.memory.floors) || []) set({ kind: f.kind }, f.current);
  });
  gauge('memory_floor_growth_bytes_per_second', "Trend of a memory floor over the detector's window (Theil-Sen slope), bytes per second.", ['kind'], (r, set) => {
    for (const f of (r.memory && r.memory.floors) || []) set({ kind: f.kind }, f.growthPerMinute / 60);
  });
  gauge('findings_open', 'Leak findings open now, per kind.', ['kind'], (r, set) => {
    const open = Object.fromEntries(KINDS.map((k) => [k, 0]));
    for (const f of r.findings || []) if (f.kind in open) open[f.kind]++;
    for (const [kind, n] of Object.entries(open)) set({ kind }, n);
  });
  counter('findings_opened_total', 'Leak findings opened since registerMetrics(), per kind.', ['kind'], (r, inc) => {
    for (const [kind, n] of Object.entries(opened)) inc({ kind }, n);
  });
  counter('findings_resolved_total', 'Leak findings closed because their growth stopped, since registerMetrics(), per kind.', ['kind'], (r, inc) => {
    for (const [kind, n] of Object.entries(resolved)) inc({ kind }, n);
  });
  counter('snapshots_written_total', 'Heap snapshots written by snapshotNearLimit() since registerMetrics().', [], (r, inc) => inc({}, snapshots));
  counter('snapshots_skipped_total', 'Heap snapshots not affordable (evidence file written instead) since registerMetrics(), per reason.', ['reason'], (r, inc) => {
    for (const [reason, n] of Object.entries(skipped)) inc({ reason }, n);
  });
  counter('dropped_total', "What leakguard's caps dropped (series, sites, emitters, stream kinds) since the monitor started.", ['what'], (r, inc) => {
    const l = r.leakguard;
    if (!l) return;
    inc({ what: 'series' }, l.detector.droppedSeries);
    inc({ what: 'sites' }, l.detector.droppedSites);
    inc({ what: 'emitters' }, l.droppedEmitters);
    inc({ what: 'streams' }, l.droppedStreams);
  });
  counter('ticks_total', 'Sampling ticks since the monitor started.', [], (r, inc) => {
    if (r.leakguard) inc({}, r.leakguard.ticks);
  });
  gauge('tick_duration_seconds', 'Duration of the last sampling tick (the event loop is busy meanwhile), seconds.', [], (r, set) => {
    if (r.leakguard) set({}, r.leakguard.lastTickMs / 1000);
  });
  counter('forced_gcs_total', 'Confirming full GCs leakguard ran since the monitor started.', [], (r, inc) => {
    if (r.leakguard) inc({}, r.leakguard.forcedGcs);
  });
  counter('forced_gc_seconds_total', 'Time spent in those GCs, seconds.', [], (r, inc) => {
    if (r.leakguard) inc({}, r.leakguard.forcedGcMs / 1000);
  });
  gauge('detector_state_bytes', "Approximate memory held by leakguard's detector (series, windows, sites), bytes.", [], (r, set) => {
    if (r.leakguard) set({}, r.leakguard.detector.approxBytes);
  });
  counter('hook_errors_total', "Exceptions caught inside leakguard's hooks (never rethrown into the app).", [], (r, inc) => {
    if (r.leakguard) inc({}, r.leakguard.hookErrors);
  });
  // Last: reads the caps the collectors above just filled.
  gauge('metrics_folded_series', `Label combinations folded into "other" at this scrape because a metric reached maxLabelValues (${opts.maxLabelValues}).`, ['metric'], (r, set) => {
    for (const [name, cap] of Object.entries(caps)) set({ metric: p + name }, cap.folded);
  });

  const names = metrics.map((m) => m.name);
  const clash = names.find((n) => register.getSingleMetric && register.getSingleMetric(n));
  if (clash) {
    unsubscribe();
    throw typeError('LEAKGUARD_METRIC_EXISTS', `registerMetrics: the registry already has a metric named ${clash} (pass another options.prefix)`);
  }
  for (const m of metrics) register.registerMetric(m);
  const handle = {
    names,
    unregister() {
      unsubscribe();
      for (const n of names) if (register.getSingleMetric(n)) register.removeSingleMetric(n);
      if (registered.get(register) && registered.get(register).handle === handle) registered.delete(register);
    },
  };
  registered.set(register, { prefix: p, handle });
  return handle;
}

module.exports = { registerMetrics };
