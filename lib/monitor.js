'use strict';
// The Monitor: one per thread. Each tick it gathers exact counts (listeners, timers,
// streams, handles) and memory samples, hands them to the Rust detector in one call,
// and emits 'leak' for findings that opened and 'resolved' for those that closed.
const { EventEmitter } = require('node:events');
const v8 = require('node:v8');
const os = require('node:os');
const { NativeDetector, openFdCount } = require('./native');
const { NativeHistory } = require('./native');
const emitters = require('./emitters');
const timers = require('./timers');
const streams = require('./streams');
const workers = require('./workers');
const { MemorySampler } = require('./memory');
const { HeapSites } = require('./heap-sites');
const { BufferSites } = require('./buffer-sites');
const { guard, debug, hookErrorCount } = require('./debug');
const { confirmingGc } = require('./gc');
const { diagnoseHeap } = require('./diagnosis');
const { holdersOf, holderSites } = require('./holder-sites');
const channels = require('./channels');

const DIAGNOSIS_GAP_MS = 10 * 60 * 1000;

const MEMORY_KINDS = new Set(['heap', 'external', 'arrayBuffers', 'rss']);
const HEAP_SITES_IDLE_TICKS = 15;
// Creation-stack captures aimed at per tick and kind (lib/sites.js Sampler): flat series, rising ones.
const SITES_QUIET = 8;
const SITES_GROWING = 16;

// Read at most once a minute: start()/stop() cycles need not re-read the cgroup files
// (~1.5 ms each time; the limit rarely changes).
let memoryLimitCache = null;
function memoryLimit() {
  const now = Date.now();
  if (memoryLimitCache && now - memoryLimitCache.at < 60000) return memoryLimitCache.bytes;
  const bytes = readMemoryLimit();
  memoryLimitCache = { at: now, bytes };
  return bytes;
}

function readMemoryLimit() {
  try {
    const { memoryLimits } = require('./native');
    if (typeof memoryLimits === 'function') {
      const m = memoryLimits();
      if (m && typeof m.limitBytes === "number" && m.limitBytes > 0) return m.limitBytes;
    }
  } catch { /* fall back to total RAM */ }
  return os.totalmem();
}

class Monitor extends EventEmitter {
  constructor(options) {
    super();
    this.options = options;
    this.startedAt = Date.now();
    this.detector = new NativeDetector({
      warmupMs: options.warmupMs,
      sensitivity: options.sensitivity,
      heapLimit: v8.getHeapStatistics().heap_size_limit,
      // Memory findings are decided on post-GC floors either way; without forcedGc the
      // detector's requests for a confirming GC go unanswered and it waits for V8's own.
      confirmGc: true,
      memoryLimit: memoryLimit(),
    });
    // Chart history of every series over the whole run (bounded; report({ history: true })).
    this.history = new NativeHistory({ points: 120, maxSeries: 128 });
    this.heapSites = new HeapSites();
    this.bufferSites = new BufferSites();
    this.memory = new MemorySampler(this.detector, () => {
      const now = Date.now();
      if (this.heapSites.due(now, false)) this.heapSites.capture(now);
    });
    this.heapIdle = 0;
    this.bufferIdle = 0;
    this.timer = null;
    this.running = false;
    this.ticks = 0;
    this.lastTickMs = 0;
    this.findingsOpened = 0;
    this.listenerErrors = 0;
    this.tickPhasesMs = {};
    this.diagnoses = new Map(); // finding id -> heap diagnosis
    this.diagnosing = false;
    this.lastDiagnosisAt = -Infinity;
    this.forcedGcs = 0;
    this.gcPending = false;
    this.forcedGcMs = 0;
    this.lastForcedGcMs = 0;
    this.forcedGcMethod = null; // 'memory-pressure' | 'gc', once one ran
  }

  _start() {
    if (this.options.timers) timers.install();
    streams.reset();
    streams.startYoung();
    if (this.options.streams) streams.install();
    if (this.options.handles) workers.install();
    emitters.resume();
    emitters.setOnRemoved((targets) => {
      for (const target of targets) this.detector.removeSeries('listeners', target, Date.now());
    });
    this.memory.start();
    const setIntervalOrig = (timers._orig() || globalThis).setInterval;
    this.timer = setIntervalOrig(() => this.tick(), this.options.intervalMs);
    this.timer.unref();
    this.running = true;
    // Answers combinedReport() requests from other threads (lib/threads.js).
    guard('threads', () => require('./threads').listen(() => ({ running: true, ...this.report() })));
  }

  /**
   * Runs one sampling tick now (the interval calls it too) and returns
   * `{ opened, closed, suspects }`. `nowMs` (epoch ms, default `Date.now()`) lets tests
   * and replays drive time; it must not go backwards.
   */
  tick(nowMs) {
    if (!this.running) return null;
    const t0 = process.hrtime.bigint();
    let result = null;
    const phases = this.tickPhasesMs;
    let tp = t0;
    const lap = (name) => {
      const now = process.hrtime.bigint();
      phases[name] = Number(now - tp) / 1e6;
      tp = now;
    };
    guard('tick', () => {
      const samples = [];
      emitters.collect(samples);
      lap('emitters');
      timers.collect(samples);
      streams.collect(samples);
      if (this.options.handles) this._collectHandles(samples);
      lap('timersStreamsHandles');
      if (this.heapSites.due(Date.now(), true)) this.heapSites.capture(Date.now());
      const sites = this.heapSites.take();
      lap('heapSites');
      if (sites) samples.push({ kind: 'heap', target: 'heapUsed', sites: sites.heap });
      // Buffer memory: exact allocation lines from the Buffer sampler, else the
      // profiler's buffer-allocating functions.
      const bufferSites = this.bufferSites.active ? this.bufferSites.sites() : sites && sites.buffers;
      if (bufferSites && bufferSites.length > 0) {
        samples.push({ kind: 'arrayBuffers', target: 'arrayBuffers', sites: bufferSites });
        samples.push({ kind: 'external', target: 'external', sites: bufferSites });
      }
      this.memory.sample(false);
      result = this.detector.tick(typeof nowMs === 'number' ? nowMs : Date.now(), samples);
      lap('detector');
      this.history.record(this.detector);
      this.ticks++;
      this._manageHeapSites(result);
      this._tuneSiteSampling(result);
      // In its own task: this tick deref'd every tracked emitter, and a WeakRef target
      // stays alive until the end of the job that deref'd it.
      if (result.wantGc && this.options.forcedGc && !this.gcPending) {
        debug('confirming GC asked for by the %s series', result.wantGcFor);
        this.gcPending = true;
        const setImmediateOrig = (timers._orig() || globalThis).setImmediate;
        setImmediateOrig(() => {
          this.gcPending = false;
          if (this.running) guard('confirming GC', () => this._confirmingGc());
        });
      }
    });
    this.lastTickMs = Number(process.hrtime.bigint() - t0) / 1e6;
    if (result) {
      for (let f of result.opened) {
        this.findingsOpened++;
        // A heap finding opens with the sites of a profile read now (while the heap was
        // only suspect, profiles were read every 30 s at most).
        if (f.kind === 'heap') f = this._freshHeapSites(f);
        debug('finding %d opened: %s', f.id, f.message);
        this._safeEmit('leak', f);
        if (f.kind === 'heap' && this.options.heapDiagnosis) this._diagnose(f);
      }
      for (const f of result.closed) {
        debug('finding %d closed: %s', f.id, f.message);
        this._safeEmit('resolved', this._withDiagnosis(f));
      }
    }
    return result;
  }

  // Reads a heap profile now (unless one was read in the last second) and returns the
  // opening heap finding with its sites.
  _freshHeapSites(finding) {
    if (!this.heapSites.active || Date.now() - this.heapSites.lastAt <= 1000) return finding;
    return guard('heap sites', () => {
      const now = Date.now();
      this.heapSites.capture(now);
      // Left in place: the next tick hands it (and its Buffer sites) to the detector too.
      const sites = this.heapSites.latest;
      if (!sites) return finding;
      const fresh = this.detector.refreshSites('heap', finding.target, now, sites.heap);
      return fresh && fresh.id === finding.id ? fresh : finding;
    }) || finding;
  }

  // A full GC to read a true post-GC floor (the detector asks only when a memory
  // finding would open on a raw minimum, at most every 30 s). Its pause is counted.
  // V8's memory-pressure GC rather than gc(): under load, gc() doubled V8's young
  // generation on Node 20 and could leave the service running a major GC every few
  // seconds (docs/overhead.md).
  _confirmingGc() {
    const t0 = process.hrtime.bigint();
    this.forcedGcMethod = confirmingGc();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    this.forcedGcs++;
    this.forcedGcMs += ms;
    this.lastForcedGcMs = ms;
    this.memory.sample(true);
    const now = Date.now();
    if (this.heapSites.due(now, false)) this.heapSites.capture(now);
  }

  // One heap diagnosis at a time, at most every 10 minutes; its result is attached
  // to the finding (findings()[i].diagnosis) and emitted as 'diagnosis'.
  _diagnose(finding) {
    const now = Date.now();
    if (this.diagnosing || now - this.lastDiagnosisAt < DIAGNOSIS_GAP_MS) return;
    this.diagnosing = true;
    this.lastDiagnosisAt = now;
    diagnoseHeap({ delayMs: Math.max(3 * this.options.intervalMs, 3000), top: 10 })
      .then((d) => {
        if (d && d.classes) {
          // The line that grows what holds the growth (`cache.set()` at file:line),
          // searched in the app files the finding's sites point at.
          d.holders = holdersOf(d);
          const current = this.running ? this.detector.findings().find((f) => f.id === finding.id) : null;
          d.sites = holderSites(d, [...((current || finding).sites || []), ...(finding.sites || [])]);
        }
        this.diagnoses.set(finding.id, d);
        if (this.diagnoses.size > 16) {
          this.diagnoses.delete(this.diagnoses.keys().next().value);
          this.diagnosesEvicted = (this.diagnosesEvicted || 0) + 1;
        }
        // The finding as it is now (it may have closed meanwhile), with the lines found.
        const now2 = this.running ? this.detector.findings().find((f) => f.id === finding.id) : null;
        this._safeEmit('diagnosis', { finding: this._withDiagnosis({ ...(now2 || finding) }), diagnosis: d });
      })
      .catch((err) => {
        debug('heap diagnosis failed: %s', err && err.stack);
        this.diagnoses.set(finding.id, { skipped: `diagnosis failed: ${err && err.message}` });
      })
      .finally(() => {
        this.diagnosing = false;
      });
  }

  _collectHandles(samples) {
    workers.collect(samples);
    // Open file descriptors (/proc/self/fd, read natively): unconsumed streams and
    // unended sockets hold one each.
    const fds = openFdCount();
    if (typeof fds === 'number') {
      this._fds = fds;
      samples.push({ kind: 'handles', target: 'fd', value: fds });
    }
    if (typeof process.getActiveResourcesInfo !== 'function') return;
    const counts = new Map();
    for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) || 0) + 1);
    const skipTimers = timers.isInstalled();
    this._handleCounts = counts;
    for (const [type, n] of counts) {
      if (skipTimers && (type === 'Timeout' || type === 'Immediate')) continue;
      samples.push({ kind: 'handles', target: type, value: n });
    }
  }

  // Creation stacks cost 10-60 µs each: sampled at the quiet rate while a kind's
  // series are flat, at twice that once one of them rises or has a finding. Weights keep
  // per-site counts unbiased at either rate.
  _tuneSiteSampling(result) {
    const growing = result.growing || [];
    emitters.sampler.setSteady(growing.includes('listeners') ? SITES_GROWING : SITES_QUIET);
    timers.sampler.setSteady(growing.includes('timers') ? SITES_GROWING : SITES_QUIET);
    streams.sampler.setSteady(growing.includes('streams') ? SITES_GROWING : SITES_QUIET);
  }

  _manageHeapSites(result) {
    if (!this.options.heapSites) return;
    const open = this.detector.findings().filter((f) => MEMORY_KINDS.has(f.kind)).map((f) => f.kind);
    const buffers = ['arrayBuffers', 'external'].some((k) => result.suspects.includes(k) || open.includes(k));
    this.bufferSites.setUrgent(open.includes('arrayBuffers') || open.includes('external'));
    if (buffers) {
      this.bufferIdle = 0;
      if (!this.bufferSites.active) {
        debug('starting the Buffer sampler (suspects: %j)', result.suspects);
        this.bufferSites.start();
      }
    } else if (this.bufferSites.active && ++this.bufferIdle >= HEAP_SITES_IDLE_TICKS) {
      debug('stopping the Buffer sampler (no suspect for %d ticks)', this.bufferIdle);
      this.bufferSites.stop();
    }
    const suspicious = result.suspects.includes('heap') || open.includes('heap');
    this.heapSites.urgent = open.includes('heap');
    if (suspicious) {
      this.heapIdle = 0;
      if (!this.heapSites.active) {
        debug('starting the sampling heap profiler (suspects: %j)', result.suspects);
        this.heapSites.start();
      }
    } else if (this.heapSites.active && ++this.heapIdle >= HEAP_SITES_IDLE_TICKS) {
      debug('stopping the sampling heap profiler (no suspect for %d ticks)', this.heapIdle);
      this.heapSites.stop();
    }
  }

  // A throwing 'leak' listener must not break the tick or reach the app.
  _safeEmit(event, payload) {
    channels.publish(event, payload); // leakguard:leak / :resolved / :diagnosis (lib/channels.js)
    for (const listener of this.rawListeners(event)) {
      try {
        const fn = listener.listener || listener;
        if (listener.listener) this.removeListener(event, fn);
        fn.call(this, payload);
      } catch (err) {
        this.listenerErrors++;
        debug('a %s listener threw: %s', event, err && err.stack);
        process.emitWarning(`leakguard: a '${event}' listener threw: ${err && err.message}`, { code: 'LEAKGUARD_LISTENER_ERROR' });
      }
    }
  }

  // A heap finding's diagnosis, and the exact lines found through its retainer paths
  // (listed first among its sites), on the finding object.
  _withDiagnosis(f) {
    const d = this.diagnoses.get(f.id);
    if (d) {
      f.diagnosis = d;
      if (d.sites && d.sites.length) f.sites = [...d.sites.map(({ stack, count, holder }) => ({ stack, count, holder })), ...f.sites];
    }
    return f;
  }

  findings() {
    if (!this.running) return [];
    const list = this.detector.findings();
    for (const f of list) {
      this._withDiagnosis(f);
    }
    return list;
  }

  report() {
    const m = process.memoryUsage();
    const hs = v8.getHeapStatistics();
    const series = this.detector.series(true);
    return {
      pid: process.pid,
      startedAt: this.startedAt,
      time: Date.now(),
      uptimeMs: Date.now() - this.startedAt,
      options: { ...this.options },
      memory: {
        heapUsed: m.heapUsed,
        heapTotal: m.heapTotal,
        external: m.external,
        arrayBuffers: m.arrayBuffers,
        rss: m.rss,
        heapSizeLimit: hs.heap_size_limit,
        floors: series.filter((s) => MEMORY_KINDS.has(s.kind)),
      },
      emitters: emitters.trackedSummary(),
      timers: timers.summary(),
      streams: streams.summary(),
      handles: this._handleCounts ? Object.fromEntries(this._handleCounts) : {},
      openFds: typeof this._fds === 'number' ? this._fds : null,
      workers: workers.summary(),
      series: series.filter((s) => !MEMORY_KINDS.has(s.kind)).map(({ history, ...rest }) => rest),
      findings: this.findings(),
      leakguard: {
        ticks: this.ticks,
        lastTickMs: this.lastTickMs,
        lastTickPhasesMs: { ...this.tickPhasesMs },
        findingsOpened: this.findingsOpened,
        forcedGcs: this.forcedGcs,
        forcedGcMs: this.forcedGcMs,
        lastForcedGcMs: this.lastForcedGcMs,
        forcedGcMethod: this.forcedGcMethod,
        heapSampling: this.heapSites.active,
        heapProfiles: this.heapSites.collections,
        bufferSampling: this.bufferSites.active,
        bufferSamples: this.bufferSites.samples,
        lastHeapProfileMs: this.heapSites.lastCostMs,
        hookErrors: hookErrorCount(),
        listenerErrors: this.listenerErrors,
        detector: this.detector.stats(),
        ...emitters.stats(),
        ...streams.stats(),
        caps: require('./caps').capsReport(this),
      },
    };
  }

  /**
   * Chart history (see index.d.ts `HistoryReport`): at most `maxSeries` series over the
   * whole run (thinned to 120 points each), each with the detector's window and its
   * Theil-Sen line.
   */
  historyReport(maxSeries) {
    return { ...this.history.stats(), series: this.history.export(this.detector, maxSeries) };
  }

  _stop() {
    if (!this.running) return;
    this.running = false;
    guard('threads', () => require('./threads').unlisten());
    if (this.timer) (timers._orig() || globalThis).clearInterval(this.timer);
    this.timer = null;
    this.memory.stop();
    this.heapSites.stop();
    this.bufferSites.stop();
    timers.uninstall();
    streams.uninstall();
    streams.stopYoung();
    workers.uninstall();
    emitters.suspend();
    emitters.setOnRemoved(null);
  }
}

module.exports = { Monitor };
