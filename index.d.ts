// Type definitions for leakguard.
import { EventEmitter } from 'node:events';

export * from './lib/analysis';
export * from './lib/near-limit';
export * from './lib/assert';

/** What a finding counts. */
export type LeakKind = 'listeners' | 'timers' | 'streams' | 'handles' | 'heap' | 'external' | 'arrayBuffers' | 'rss';

/** Options of {@link start}. Unknown names throw a `TypeError`. */
export interface StartOptions {
  /**
   * Sampling tick, ms (10..3600000). Default 1000. Each tick reads exact counts and a
   * `process.memoryUsage()` sample and runs the detector once.
   */
  intervalMs?: number;
  /** No finding opens before this many ms after start (0..86400000). Default 30000. */
  warmupMs?: number;
  /** Track `setTimeout`/`setInterval`/`setImmediate` (global and `node:timers`). Default true. */
  timers?: boolean;
  /**
   * Track core streams the app did not wrap: `fs.createReadStream`/`createWriteStream`,
   * zlib streams, and sockets (diagnostics_channel `net.client.socket`/`net.server.socket`).
   * Default true. Streams passed to {@link trackStream} are tracked either way.
   */
  streams?: boolean;
  /**
   * Count `process.getActiveResourcesInfo()` by type (timers excluded when tracked), open
   * file descriptors (`/proc/self/fd`, target `fd`) and live `worker_threads` Workers
   * (target `Worker`, with creation sites). Default true.
   */
  handles?: boolean;
  /**
   * While a memory series looks suspicious, find allocation sites: V8's sampling heap
   * profiler for the heap (function-level), sampled Buffer factories for Buffer memory
   * (line-level). Default true.
   */
  heapSites?: boolean;
  /**
   * When a heap finding opens, run {@link diagnoseHeap} once (at most every 10 min) and
   * attach the result to the finding (`finding.diagnosis`, also emitted as
   * `'diagnosis'`). Writing two heap snapshots blocks the thread for about a second
   * per 100 MB of heap. Default false.
   */
  heapDiagnosis?: boolean;
  /**
   * Where V8 ran no major GC for 5 ticks, memory points are minimums of raw samples;
   * when such a series would open a finding, run one full GC to read a true post-GC
   * floor first: V8's memory-pressure collection
   * (`v8::Isolate::MemoryPressureNotification(kCritical)`, a mark-compact that leaves
   * the young generation shrunk; `gc()` where the host does not export V8's API) (budget: 10, then one a minute, at least 5 s apart;
   * counted in `report().leakguard.forcedGcs`). Default true. With false, leakguard
   * never forces a GC: memory findings wait for the floors of V8's own major GCs
   * (later, or never in a process V8 does not collect), and the CPU and p99 cost of
   * forced GCs is gone (bench/overhead, docs/overhead.md).
   */
  forcedGc?: boolean;
  /** Threshold scale (0.05..20): < 1 more sensitive, > 1 more conservative. Default 1. */
  sensitivity?: number;
  /**
   * Capture a creation stack (`Error.captureStackTrace`) for every listener, timer and
   * stream created, instead of sampling (by default about 32 captures per tick per kind
   * under steady load, up to 64 before the rate drops in a burst; each capture weighted
   * by the events it stands for). Per-site counts become exact; each creation costs
   * 10-30 µs more (docs/overhead.md: "everything on"). Default false.
   */
  allStacks?: boolean;
}

/** A creation site and how many live objects it accounts for. */
export interface LeakSite {
  /**
   * Up to 4 frames, newline-separated, app frames first, leakguard's and Node's
   * internal frames removed: `path:line:column` (relative to `process.cwd()` when
   * inside it) for listeners, timers, streams and Buffers; `fnName (path:line:column)`
   * (the function's own position, as V8's sampling heap profiler reports it, with
   * `-> builtin` when a builtin such as `set` allocated) for heap findings. When that
   * function, or a helper of the same file it calls (inlined helpers are not on V8's
   * stack), or one of its 3 nearest app callers, contains one or two calls that add to
   * a collection declared outside it, the site's first line is that call instead,
   * `history.push() (path:line:column)` (two candidates joined by ` | `), and the
   * allocating function follows on the next line. With a heap diagnosis, heap findings
   * list first the calls that grow the collection the retainer paths run through:
   * `cache.set() (path:line:column)` (see `holder`).
   */
  stack: string;
  /**
   * Live listeners/timers/streams from this site, or estimated live bytes (memory
   * kinds; for a `holder` site, bytes the holder's new objects grew by between the
   * diagnosis' two snapshots).
   */
  count: number;
  /**
   * Set on heap sites found through a heap diagnosis: the collection this call adds to,
   * as the retainer path names it, e.g. `cache (Map)`.
   */
  holder?: string;
}

/** A series whose floor keeps rising. Plain, JSON-safe. */
export interface LeakFinding {
  /** Unique per monitor. */
  id: number;
  kind: LeakKind;
  /**
   * What grows: `<emitter name>:<event>` (listeners), `Timeout` / `Immediate` (timers),
   * the stream's name or class (`ReadStream`, `Gzip`, `Socket`, `Socket (accepted)`),
   * the handle type (`TCPSocketWrap`, `MessagePort`...), or `heapUsed` / `external` /
   * `arrayBuffers` / `rss`.
   */
  target: string;
  /** `'listeners' | 'timers' | 'streams' | 'handles' | 'bytes'`. */
  unit: string;
  /**
   * Fitted value at the start of the detection window when the finding opened, in
   * `unit` (memory kinds: the window's first post-GC floor, if lower).
   */
  baseline: number;
  /** Latest value (post-GC floor for memory kinds), in `unit`. */
  current: number;
  /** Theil-Sen slope of the window, `unit` per minute. */
  growthPerMinute: number;
  /** One-sided Mann-Kendall confidence that the series rises, 0..1. */
  confidence: number;
  /**
   * Projected ms until `heap_size_limit` (heap; `v8.getHeapStatistics()`) or until the
   * memory limit (cgroup `memory.max`/`memory.limit_in_bytes`, else total RAM) for
   * external/arrayBuffers/rss; null for counts.
   */
  timeToLimitMs: number | null;
  /** Top creation sites, most grown first (at most 5). */
  sites: LeakSite[];
  /** Epoch ms when the finding opened. */
  since: number;
  /** Epoch ms when it closed (only on 'resolved'); null while open. */
  closedAt: number | null;
  /** One readable line. */
  message: string;
  /** Heap findings with `heapDiagnosis`: what grew between two heap snapshots. */
  diagnosis?: HeapDiagnosis;
}

/** Result of {@link diagnoseHeap}: classes that grew between two heap snapshots. */
export interface HeapDiagnosis {
  /** Largest size growth first; only classes with new instances that grew. */
  classes?: {
    /** Constructor or DevTools class name (`Object`, `(string)`, `(array)`, ...). */
    name: string;
    /** Instances allocated between the snapshots and still alive in the second. */
    addedCount: number;
    /** Instances of the first snapshot gone in the second. */
    removedCount: number;
    countDelta: number;
    /** Shallow bytes of the added instances. */
    addedSize: number;
    /** Shallow bytes, second minus first. */
    sizeDelta: number;
    /** Shortest retainer path of a new instance from the GC roots, DevTools style. */
    retainerPath: string | null;
  }[];
  /**
   * Where the growth is held: objects that existed at the first snapshot under which
   * the new ones accumulated (each new object's nearest dominator, in the second
   * snapshot, that is not new), largest `addedSize` first (at most `top`). `name` is
   * the holder's class (`Map`, `Array`, `(array)` for a Map's table...), `addedSize`
   * the shallow bytes of the new objects it holds, `retainerPath` its own path from
   * the GC roots (`… → ->cache (Map)`).
   */
  owners?: { name: string; addedCount: number; addedSize: number; retainerPath: string }[];
  /**
   * The collections the growing classes' and owners' retainer paths run through just before their
   * storage (`->cache (Map) → {table}`), largest growth first (at most 4): `name` is the
   * variable or property, `type` one of `Map`, `Set`, `Array`, `Object`, `sizeDelta`
   * the summed growth of the classes and owners it holds (bytes; owners under a tenth of
   * the largest owner are left out: a bounded cache that churns also owns new objects).
   * Only on a finding's diagnosis.
   */
  holders?: { name: string; type: string; sizeDelta: number }[];
  /**
   * The calls that grow those holders in the app files the finding's sites point at
   * (a lexical scan in Rust: `cache.set(`, `items.push(`, `seen.add(`, `byId[k] =`),
   * also listed first in the finding's `sites`. Only on a finding's diagnosis.
   */
  sites?: LeakSite[];
  /** Time to write each snapshot, ms (the thread is blocked meanwhile). */
  snapshotMs?: [number, number];
  /** Time of the diff (off the JS thread), ms. */
  analysisMs?: number;
  /** Why no diagnosis was made (heap too close to heap_size_limit, or a failure). */
  skipped?: string;
}

/**
 * Writes two heap snapshots `delayMs` (default 5000, 0..600000) apart in a private
 * temporary directory (0700, files 0600, removed afterwards), diffs them in Rust off
 * the JS thread and names the classes that grew with a retainer path. Skips (resolves
 * `{ skipped }`) when heapUsed is above 40 % of heap_size_limit. Rejects with
 * `TypeError`/`RangeError` for bad options (`top`: 1..100, default 5).
 */
export declare function diagnoseHeap(options?: { delayMs?: number; top?: number }): Promise<HeapDiagnosis>;

/** Result of one {@link Monitor.tick}. */
export interface TickResult {
  opened: LeakFinding[];
  closed: LeakFinding[];
  /**
   * Memory kinds with a weak upward trend whose newest point is a new high; with
   * `forcedGc` (the default) that point must be a post-GC floor, or a raw minimum within
   * 15 s of such a floor (a raw minimum, garbage on top of the floor, climbs in every
   * healthy service between major GCs). A suspect
   * turns on the Buffer sampler (`arrayBuffers`, `external`) or the sampling heap
   * profiler (`heap`) until 15 ticks after the last one.
   */
  suspects: LeakKind[];
  /** Count kinds with a rising series or an open finding (their creation sites are sampled more). */
  growing: LeakKind[];
  /** The detector asked for a confirming full GC (a post-GC floor to decide a memory suspicion on). */
  wantGc: boolean;
  /** The memory kind whose suspicion that GC is to decide, or `null`. */
  wantGcFor: LeakKind | null;
}

/** A series summary in a report. */
export interface SeriesSummary {
  kind: LeakKind;
  target: string;
  unit: string;
  current: number;
  /** unit per minute */
  growthPerMinute: number;
  /** Mann-Kendall z over the window. */
  trendZ: number;
  points: number;
  /** `[epoch ms, value]` points of the window (memory floors only). */
  history?: [number, number][];
  leaking: boolean;
}

/** Everything tracked right now. Plain, JSON-safe. */
export interface Report {
  running: boolean;
  pid?: number;
  startedAt?: number;
  /** Epoch ms. */
  time?: number;
  uptimeMs?: number;
  options?: Required<StartOptions>;
  /** `process.memoryUsage()` now (bytes), `heap_size_limit`, and the post-GC floor series. */
  memory?: {
    heapUsed: number;
    heapTotal: number;
    external: number;
    arrayBuffers: number;
    rss: number;
    heapSizeLimit: number;
    floors: SeriesSummary[];
  };
  /** Tracked emitters with their listener counts per event. */
  emitters: { name: string; type: 'EventEmitter' | 'EventTarget'; listeners: Record<string, number> }[];
  /** Live and created timers by type; null when timers are not tracked. */
  timers?: { live: { Timeout: number; Immediate: number }; created: { Timeout: number; Immediate: number } } | null;
  /** Per stream name/class: open now, open but collected (leaked fd), opened in total. */
  streams: Record<string, { open: number; abandoned: number; opened: number }>;
  /** `process.getActiveResourcesInfo()` counts by type at the last tick. */
  handles?: Record<string, number>;
  /** Open file descriptors (entries of `/proc/self/fd`) at the last tick; null where unreadable. */
  openFds?: number | null;
  /** Live and created `worker_threads` Workers; null when not tracked (`handles: false`). */
  workers?: { live: number; created: number } | null;
  /** Count series (listeners, timers, streams, handles). */
  series?: SeriesSummary[];
  findings: LeakFinding[];
  /** leakguard's own cost and state. */
  leakguard?: {
    ticks: number;
    /** Duration of the last tick, ms, and of its phases. */
    lastTickMs: number;
    lastTickPhasesMs: Record<string, number>;
    findingsOpened: number;
    forcedGcs: number;
    forcedGcMs: number;
    lastForcedGcMs: number;
    /**
     * How the last confirming GC ran: `'memory-pressure'` (V8's memory-pressure
     * collection) or `'gc'` (the `--expose-gc` function, where the host lacks V8's API);
     * null before the first.
     */
    forcedGcMethod: 'memory-pressure' | 'gc' | null;
    heapSampling: boolean;
    heapProfiles: number;
    lastHeapProfileMs: number;
    bufferSampling: boolean;
    bufferSamples: number;
    hookErrors: number;
    listenerErrors: number;
    detector: {
      series: number;
      openFindings: number;
      droppedSeries: number;
      droppedSites: number;
      ticks: number;
      majorGcs: number;
      /** Confirming full GCs the detector asked for (`forcedGcs` counts those run). */
      confirmingGcs: number;
      /** Of those, the ones whose post-GC floor refuted the suspicion (no higher than the floors from 30 s before and more). */
      refutedConfirms: number;
      /** The least gap before the next confirming GC, ms: 5000, backed off after refutations (doubling from 300 000 up to 1 800 000), back to 5000 after a floor that confirms. */
      confirmGapMs: number;
      /** Approximate bytes held by the detector. */
      approxBytes: number;
    };
    trackedEmitters: number;
    droppedEmitters: number;
    streamKinds: number;
    droppedStreams: number;
    /**
     * New streams leakguard holds strongly until the next registration pass (at most
     * 1 s and 65 536 streams; a stream leaves at its `'close'`), after which the
     * still-open ones are held only weakly (`FinalizationRegistry`).
     */
    pendingStreams: number;
    /**
     * Every cap on leakguard's own registries (defaults in docs/reliability.md): `limit`,
     * what it holds now (`size`, null where not kept) and what was refused or evicted
     * because it was full (`dropped`, a count).
     */
    caps: Record<'series' | 'sitesPerSeries' | 'emitters' | 'streamKinds' | 'siteTables' | 'historySeries' | 'diagnoses', CapState>;
    /**
     * The copies of leakguard loaded in this thread (two versions in node_modules): one
     * monitor serves them all (a second copy's start() borrows the running monitor).
     * `dir` is the package directory; `self` marks the copy that owns this monitor.
     */
    copies?: { version: string | null; dir: string; running: boolean; self: boolean }[];
  };
}

/** One cap of `report().leakguard.caps`. */
export interface CapState {
  /** Maximum number of entries. */
  limit: number;
  /** Entries held now; null where not kept. */
  size: number | null;
  /** Entries refused or evicted because the cap was reached. */
  dropped: number;
}

/** The monitor of this thread (one per thread). */
export declare class Monitor extends EventEmitter {
  /** The normalized options it runs with. */
  readonly options: Required<StartOptions>;
  /**
   * Runs one sampling tick now (the interval calls it too). `nowMs` (epoch ms, default
   * `Date.now()`) lets tests and replays drive time; it must not go backwards.
   */
  tick(nowMs?: number): TickResult | null;
  findings(): LeakFinding[];
  report(): Omit<Report, 'running'>;
  /** Emitted once when a finding opens. An exception in a listener is isolated (a process warning). */
  on(event: 'leak', listener: (finding: LeakFinding) => void): this;
  /** Emitted when an open finding closes because its growth stopped. */
  on(event: 'resolved', listener: (finding: LeakFinding) => void): this;
  /** With `heapDiagnosis`: the diagnosis of a heap finding is ready. */
  on(event: 'diagnosis', listener: (event: { finding: LeakFinding; diagnosis: HeapDiagnosis }) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once(event: 'leak' | 'resolved', listener: (finding: LeakFinding) => void): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
}

/**
 * Starts monitoring this thread and returns its {@link Monitor}; when one runs already,
 * returns it. Throws `TypeError` (unknown option, wrong type) or `RangeError` (number
 * out of range), with `code` `LEAKGUARD_UNKNOWN_OPTION` / `LEAKGUARD_INVALID_ARG`.
 */
export declare function start(options?: StartOptions): Monitor;
/** Stops monitoring and removes every hook; `start()` may be called again. False when not running. */
export declare function stop(): boolean;
/** The findings open now (empty when not started). */
export declare function findings(): LeakFinding[];
/**
 * Everything tracked right now, plus memory and findings. With `{ history: true }`
 * (or `{ history: { maxSeries } }`, 1..128, default 32) the report also carries
 * `history` (chart series, see {@link HistoryReport}; null when not running),
 * `nearLimit` (files written by `snapshotNearLimit()`, see `nearLimitFiles()`) and
 * `node` (`process.version`). Throws `TypeError` (`LEAKGUARD_UNKNOWN_OPTION` /
 * `LEAKGUARD_INVALID_ARG`) or `RangeError` for bad options.
 */
export declare function report(options?: ReportOptions): Report & { history?: HistoryReport | null; nearLimit?: NearLimitFile[]; node?: string };

// ---- Chart history and the HTML report (lib/html-report.js) ----

/** Options of {@link report}. */
export interface ReportOptions {
  history?: boolean | { maxSeries?: number };
}

/** A point of a chart: `t` epoch ms, `v` in the series' unit. */
export interface HistoryPoint {
  t: number;
  v: number;
}

/** The Theil-Sen line over the detector's window: `v = intercept + slopePerMs × (t − t0)`. */
export interface HistoryFit {
  /** Epoch ms of the window's first and last point. */
  t0: number;
  t1: number;
  /** Fitted value at `t0`, in the series' unit (the finding's `baseline` is this, floored at 0). */
  intercept: number;
  /** Slope, unit per ms and unit per minute. */
  slopePerMs: number;
  slopePerMinute: number;
  /** Mann-Kendall z of the window's values. */
  trendZ: number;
}

/** The chartable history of one detector series. */
export interface SeriesHistory {
  kind: LeakKind;
  target: string;
  /** `'bytes'` for memory kinds (post-GC floors), else the count's unit. */
  unit: string;
  /** The whole run, evenly thinned to at most 120 points, plus the newest point. */
  points: HistoryPoint[];
  /** One point kept every `stride` ticks (1 until the series first filled up). */
  stride: number;
  /** The detector's evaluation window now, at full resolution (at most 30 points). */
  window: HistoryPoint[];
  /** The Theil-Sen line over `window`; null below 2 points. */
  fit: HistoryFit | null;
  /** Id of the open finding on this series, or null. */
  findingId: number | null;
}

/**
 * Chart history of this thread's monitor, kept natively (Rust, `src/core/history.rs`),
 * bounded: 120 points per series, 128 series (≈ 280 KB at most). Once 128 series are
 * held, only memory series and series with an open finding get a track (replacing the
 * smallest count without one). Series order: memory floors, series with an open
 * finding, largest counts.
 */
export interface HistoryReport {
  series: SeriesHistory[];
  /** Series held, points held, per-series and series caps. */
  tracks: number;
  points: number;
  maxPointsPerSeries: number;
  maxTracks: number;
  /** Tracks dropped to make room for a memory series or a series with an open finding. */
  evictedTracks: number;
  /** Series without a track at the last tick (the history was full; they are still detected). */
  untrackedSeries: number;
  /** Approximate bytes held by the history. */
  approxBytes: number;
}

/** A file written by a `snapshotNearLimit()` handle of this thread, from its JSON sidecar. */
export interface NearLimitFile {
  /** A heap snapshot, or the evidence file written when a snapshot was skipped. */
  kind: 'heapsnapshot' | 'skipped';
  path: string;
  sidecarPath: string;
  /** ISO time; null when the sidecar could not be read (same for the fields below). */
  time: string | null;
  /** What triggered it (`'ratio'`, `'headroom'`, ...). */
  reason: string | null;
  /** Snapshot file bytes (heap snapshots only). */
  bytes: number | null;
  /** `v8.getHeapStatistics()` used_heap_size / heap_size_limit at the time, bytes. */
  heapUsed: number | null;
  heapSizeLimit: number | null;
  /** Evidence files: why the snapshot was skipped, and a readable line. */
  skipReason: string | null;
  message: string | null;
}

/** Files written by this thread's `snapshotNearLimit()` handles, oldest first (at most 64). */
export declare function nearLimitFiles(): NearLimitFile[];

/**
 * The chart history now (null when not running): at most `maxSeries` (1..128, default
 * 32) series. Throws `TypeError`/`RangeError` for bad options.
 */
export declare function history(options?: { maxSeries?: number }): HistoryReport | null;

/** Options of {@link writeReport}. */
export interface WriteReportOptions {
  /** The report to render (e.g. a saved `report({ history: true })`); default: this thread's, now. */
  report?: Report;
  /** Page title (at most 200 characters); default `'leakguard report'`. */
  title?: string;
}

/**
 * Writes one self-contained HTML page (inline SVG charts of the memory floors and the
 * counts over time with the detector's trend line, the findings with their sites, the
 * near-limit snapshots, leakguard's own cost; no script, no network) to `path`: a new
 * 0600 temporary file in the same directory, renamed over `path`. Returns the absolute
 * path. Every string from the report is HTML-escaped. Throws `TypeError` (bad path,
 * unknown option, `report` not a report) and an `Error` with code
 * `LEAKGUARD_WRITE_FAILED` when the file cannot be written.
 */
export declare function writeReport(path: string, options?: WriteReportOptions): string;
/** The running monitor, or null. */
export declare function getMonitor(): Monitor | null;

/** Options of {@link trackEmitter}. */
export interface TrackEmitterOptions {
  /** Name used in targets (`<name>:<event>`); default `<Constructor>#<id>`. 1..200 chars. */
  name?: string;
  /** No listeners finding opens while the count is below this (>= 0). Default 10. */
  threshold?: number;
}

/**
 * Tracks the listeners of an EventEmitter or an EventTarget (AbortSignal...), held
 * weakly, and returns it. Listener sites come from the 'newListener' event
 * (EventEmitter) or a wrapper of the instance's `addEventListener` (EventTarget).
 * Throws `TypeError` for anything else or for bad options (`RangeError` for a
 * negative threshold).
 */
export declare function trackEmitter<T extends object>(emitter: T, options?: TrackEmitterOptions): T;
/** Stops tracking an emitter; false when it was not tracked. Throws `TypeError` for a non-object. */
export declare function untrackEmitter(emitter: object): boolean;
/**
 * Tracks a stream (held weakly) as open until its 'close' event, under `name` (default:
 * its class name), and returns it. Throws `TypeError` for a non-stream or bad options.
 */
export declare function trackStream<T extends object>(stream: T, options?: { name?: string }): T;

// ---- Production: metrics (lib/metrics.js) ----

/** Options of {@link registerMetrics}. */
export interface RegisterMetricsOptions {
  /** Prefix of every metric name; must match `[a-zA-Z_:][a-zA-Z0-9_:]*`. Default `'leakguard_'`. */
  prefix?: string;
  /**
   * Label combinations a metric with user-input labels (`listeners`: emitter and event
   * names; `streams_open`/`streams_abandoned`: stream names; `handles`: types) may show
   * (1..10 000). The first ones seen keep their series for the registry's lifetime; later
   * ones are summed into `{…="other"}` and counted in `<prefix>metrics_folded_series`.
   * Default 100.
   */
  maxLabelValues?: number;
}

/** Returned by {@link registerMetrics}. */
export interface MetricsHandle {
  /** The metric names registered. */
  readonly names: string[];
  /** Removes them from the registry and stops counting events. */
  unregister(): void;
}

/**
 * Adds leakguard's metrics to a prom-client `Registry` (prom-client ≥ 14, an optional
 * peer dependency). Values are read at scrape time from one {@link report} of this
 * thread; event counters count from this call on. With the default prefix:
 *
 * - gauges: `leakguard_running`, `leakguard_listeners{emitter,event}`, `leakguard_timers{type}`
 *   (live, `Timeout`/`Immediate`), `leakguard_streams_open{stream}`, `leakguard_streams_abandoned{stream}`,
 *   `leakguard_handles{type}` (`process.getActiveResourcesInfo()` at the last tick),
 *   `leakguard_workers`, `leakguard_memory_floor_bytes{kind}` (post-GC floors, bytes),
 *   `leakguard_memory_floor_growth_bytes_per_second{kind}` (Theil-Sen slope),
 *   `leakguard_findings_open{kind}`, `leakguard_tick_duration_seconds`,
 *   `leakguard_detector_state_bytes`, `leakguard_metrics_folded_series{metric}`;
 * - counters: `leakguard_findings_opened_total{kind}`, `leakguard_findings_resolved_total{kind}`,
 *   `leakguard_snapshots_written_total`, `leakguard_snapshots_skipped_total{reason}`,
 *   `leakguard_dropped_total{what}` (series, sites, emitters, streams dropped by leakguard's caps),
 *   `leakguard_ticks_total`, `leakguard_forced_gcs_total`, `leakguard_forced_gc_seconds_total`,
 *   `leakguard_hook_errors_total`.
 *
 * None clashes with prom-client's `collectDefaultMetrics()` (`process_*`, `nodejs_*`).
 * Registering again into the same registry with the same prefix returns the first handle.
 * Throws `TypeError` (`LEAKGUARD_INVALID_ARG`: not a Registry, wrong option type;
 * `LEAKGUARD_UNKNOWN_OPTION`; `LEAKGUARD_METRIC_EXISTS`: a name is taken), `RangeError`
 * (`LEAKGUARD_INVALID_ARG`: option out of range), `Error` (`LEAKGUARD_MISSING_PEER`:
 * prom-client is not installed).
 */
export declare function registerMetrics(register: PromRegistryLike, options?: RegisterMetricsOptions): MetricsHandle;

/** The parts of a prom-client `Registry` leakguard uses (typed structurally: prom-client is optional). */
export interface PromRegistryLike {
  registerMetric(metric: any): void;
  metrics(): Promise<string>;
  getSingleMetric(name: string): any;
  removeSingleMetric(name: string): void;
}

// ---- Worker threads (lib/threads.js) ----

/** Result of {@link combinedReport}. Plain data (the reports crossed threads by structured clone). */
export interface CombinedReport {
  /** The main thread's report (`running: false` when it runs no monitor); null when a worker asked and the main thread runs no monitor. */
  main: Report | null;
  /** Every worker thread with a running monitor that answered, by `threadId` (`worker_threads.threadId`) ascending. */
  workers: { threadId: number; report: Report }[];
  /**
   * Threads known to run a monitor that did not answer within `timeoutMs` (blocked, or
   * ended by `worker.terminate()`, which gives the monitor no chance to say so). Each is
   * reported once, then forgotten until it answers again.
   */
  missing: number[];
}

/**
 * The reports of every thread that runs a monitor in this process: this thread's own
 * {@link report} and the answers of the others' monitors over a `BroadcastChannel`
 * (`node:worker_threads`; each started monitor listens, unref'd, until stop()).
 * Each worker runs its own monitor: lib/ state and the native detector are per thread.
 * Resolves once every known monitor answered or after `timeoutMs` (1..600 000 ms,
 * default 2000); never rejects. A thread knows the other monitors while its own monitor
 * runs; without one, the call waits the whole timeout. Throws `TypeError`
 * (`LEAKGUARD_INVALID_ARG`, `LEAKGUARD_UNKNOWN_OPTION`) or `RangeError` for bad options.
 */
export declare function combinedReport(options?: { timeoutMs?: number }): Promise<CombinedReport>;
