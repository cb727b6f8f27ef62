// Types for lib/near-limit.js (issue 4): proactive heap snapshots near the
// memory limit. Sizes are in bytes, durations in milliseconds.
import { EventEmitter } from 'events';

/** Why a snapshot (or evidence file) was taken. */
export type NearLimitReason =
  /** Post-GC heap (`v8.getHeapStatistics().used_heap_size` after a major GC, plus one step of look-ahead) above `ratio` × the old-generation limit. */
  | 'heap-limit'
  /** Memory in use (cgroup working set, or process RSS against system memory), plus one step of look-ahead, above `ratio` × the memory limit. */
  | 'memory-limit'
  /** Under a cgroup limit: the last check at which a snapshot still fits (estimated cost vs. cgroup headroom). */
  | 'headroom'
  /** `writeSnapshot()`. */
  | 'manual';

/** Why a snapshot was not written (an evidence file was written instead). */
export type SkipReason =
  /** Estimated snapshot cost × 1.25 (+ file page cache under a cgroup) exceeds the available memory. */
  | 'insufficient-memory'
  /** Estimated file size × 1.25 exceeds the free disk space of `dir` (`fs.statfsSync`). */
  | 'insufficient-disk'
  /** `maxSnapshots` snapshots were already written. */
  | 'max-snapshots'
  /** Within `cooldownMs` of the previous file, but memory grew by a quarter since: evidence of the last moments. */
  | 'cooldown';

/** Stable `code` of the errors leakguard raises here. */
export type NearLimitErrorCode =
  | 'LEAKGUARD_INVALID_OPTION'
  | 'LEAKGUARD_DIR_SYMLINK'
  | 'LEAKGUARD_DIR_UNWRITABLE'
  /** `dir` is owned by another user, or writable by every user without the sticky bit. */
  | 'LEAKGUARD_DIR_NOT_OWNED'
  | 'LEAKGUARD_FILE_EXISTS'
  | 'LEAKGUARD_DISK_FULL'
  | 'LEAKGUARD_WRITE_FAILED'
  | 'LEAKGUARD_SNAPSHOT_FAILED'
  | 'LEAKGUARD_SNAPSHOT_INCOMPLETE'
  | 'LEAKGUARD_SNAPSHOT_SKIPPED'
  | 'LEAKGUARD_INTERNAL';

export interface NearLimitError extends Error {
  code: NearLimitErrorCode;
  /** For LEAKGUARD_INVALID_OPTION: the option at fault. */
  option?: string;
  /** For LEAKGUARD_SNAPSHOT_SKIPPED: why. */
  reason?: SkipReason;
  /** For LEAKGUARD_SNAPSHOT_SKIPPED: the evidence file written instead. */
  artifactPath?: string;
}

export interface SnapshotInfo {
  /** Final path: `<dir>/leakguard-<pid>-<ISO 8601 basic time>-<n>.heapsnapshot[.gz]`, mode 0600. */
  path: string;
  /** Sidecar JSON (`…-<n>.json`): reason, time, heap/RSS figures, estimate, open findings. */
  sidecarPath: string;
  /** Size of `path`, bytes (compressed size with `compress: 'gzip'`). */
  bytes: number;
  /** Uncompressed snapshot size, bytes (only with `compress: 'gzip'`). */
  uncompressedBytes?: number;
  reason: NearLimitReason;
  /** `used_heap_size` just before the write, bytes (`v8.getHeapStatistics()`). */
  heapUsed: number;
  /** `heap_size_limit`, bytes (`v8.getHeapStatistics()`). */
  heapSizeLimit: number;
  /** heapUsed / old-generation limit (`--max-old-space-size`, or heap_size_limit minus the young generation). */
  ratio: number;
  /** Process RSS before the write, bytes (`process.memoryUsage.rss()`). */
  rss: number;
  /** Peak RSS during the write, bytes (VmHWM of /proc/self/status); null when it did not exceed the earlier peak. */
  peakRssDuringWrite: number | null;
  /** Wall time of `v8.writeHeapSnapshot()`, ms (the event loop is blocked meanwhile). */
  durationMs: number;
  /** `snapshot.node_count` from the file header. */
  nodeCount?: number;
}

export interface SkippedInfo {
  reason: SkipReason;
  /** The trigger that fired. */
  trigger: NearLimitReason;
  /** Estimated memory a snapshot needs now (cost × 1.25 + page cache of the file under a cgroup), bytes. */
  neededBytes: number;
  /** Memory available now (min of cgroup headroom and MemAvailable), bytes; null if unknown. */
  availableBytes: number | null;
  /** Free disk space of `dir` (`fs.statfsSync`), bytes; null if unknown. */
  diskFreeBytes: number | null;
  /** Evidence file (`…-<n>.json`, mode 0600): heap and heap-space statistics, top allocation sites from V8's sampling heap profiler, diagnostic report (`process.report.getReport()`, without environment variables), memory limits, open findings. Null if it could not be written (an 'error' follows). */
  artifactPath: string | null;
}

export interface NearLimitOptions {
  /** Directory for snapshots; created with mode 0700 if missing; must not be a symbolic link. Default: `process.cwd()`. */
  dir?: string;
  /** Fraction (0 < ratio < 1) of the old-generation limit (heap trigger) and of the memory limit (RSS/cgroup trigger). Default 0.8. */
  ratio?: number;
  /** Snapshots per handle (integer ≥ 1). After them, up to as many evidence files ('max-snapshots'). Default 2. */
  maxSnapshots?: number;
  /** Minimum time from the end of one write to the next snapshot, ms. During it, an evidence file is still written once memory grew by a quarter. Default 60 000. */
  cooldownMs?: number;
  /** `'gzip'`: compress after the write (zlib stream, off the main thread); the uncompressed file is complete under its final name until the `.gz` replaces it. Default false. */
  compress?: 'gzip' | false;
  /** Backstop check interval (unref'd timer), ms, ≥ 10. Checks also run after every major GC (`perf_hooks` 'gc' entries). Default 500. */
  intervalMs?: number;
  /**
   * Arm Node's last-resort `v8.setHeapSnapshotNearHeapLimit(1)` (once per process, cannot be disarmed, writes
   * `Heap.*.heapsnapshot` into the cwd / --diagnostic-dir with Node's own naming and permissions).
   * `'auto'` (default): not under a cgroup limit that cannot hold a full heap plus a worst-case snapshot of it, where that write is OOM-killed and leaves a 0-byte file.
   */
  lastResort?: boolean | 'auto';
  /** Run V8's sampling heap profiler (in-process inspector session) for the evidence file's top allocation sites. Default true. */
  sampleHeap?: boolean;
  /** Sampling interval of that profiler, bytes (≥ 1024). Default 32 768 (V8's default; the profiler is shared per isolate). */
  samplingIntervalBytes?: number;
  /** Called after each snapshot (errors thrown inside are swallowed). */
  onSnapshot?: (info: SnapshotInfo) => void;
  /** Called when a snapshot is skipped. */
  onSkipped?: (info: SkippedInfo) => void;
  /** Called with each error. Without onError and without an 'error' listener, errors become process warnings (type 'LeakguardWarning'). */
  onError?: (err: NearLimitError) => void;
}

/** Returned by snapshotNearLimit(). */
export declare class NearLimitHandle extends EventEmitter {
  /** Paths of the snapshots written so far (a copy). */
  readonly snapshots: string[];
  /** Paths of the evidence files written for skipped snapshots (a copy). */
  readonly skipped: string[];
  /** False after stop(), or once both budgets are used. */
  readonly armed: boolean;
  /** Disarms the GC observer, the timer and the sampling profiler. Idempotent. Does not disarm Node's last-resort snapshot. */
  stop(): void;
  on(event: 'snapshot', listener: (info: SnapshotInfo) => void): this;
  on(event: 'skipped', listener: (info: SkippedInfo) => void): this;
  on(event: 'error', listener: (err: NearLimitError) => void): this;
  once(event: 'snapshot', listener: (info: SnapshotInfo) => void): this;
  once(event: 'skipped', listener: (info: SkippedInfo) => void): this;
  once(event: 'error', listener: (err: NearLimitError) => void): this;
}

/**
 * Arms proactive heap snapshots near the memory limit. Throws TypeError/RangeError
 * (code LEAKGUARD_INVALID_OPTION, `err.option`) for bad options; every later problem
 * goes to onError / 'error'.
 */
export declare function snapshotNearLimit(options?: NearLimitOptions): NearLimitHandle;

/**
 * Writes a heap snapshot now, synchronously, with the same safety rules; returns the path.
 * Default path: `<cwd>/leakguard-<pid>-<time>-<n>.heapsnapshot`. Never overwrites (LEAKGUARD_FILE_EXISTS);
 * throws LEAKGUARD_SNAPSHOT_SKIPPED (with `artifactPath`) when a snapshot is not affordable.
 */
export declare function writeSnapshot(path?: string): string;

/** cgroup memory figures (`/proc/self/cgroup`, `/proc/self/mountinfo`, the cgroup's files). */
export interface CgroupMemoryInfo {
  version: 'v1' | 'v2';
  /** Directory of the process's memory cgroup. */
  path: string;
  /** Smallest limit over the cgroup and its ancestors (v2 `memory.max`, v1 `memory.limit_in_bytes`), bytes; absent when unlimited. */
  limitBytes?: number;
  /** Directory whose limit is `limitBytes`. */
  limitPath?: string;
  /** v2 `memory.current` / v1 `memory.usage_in_bytes`, bytes (includes page cache). */
  usageBytes: number;
  /** `inactive_file` (v2) / `total_inactive_file` (v1) from `memory.stat`, bytes. */
  inactiveFileBytes: number;
  /** usageBytes − inactiveFileBytes, bytes: what the OOM killer compares to the limit. */
  workingSetBytes: number;
}

export interface MemoryLimits {
  /** Where `limitBytes` comes from; 'os' when the native binding is unavailable (os.totalmem/os.freemem). */
  source: 'cgroup-v2' | 'cgroup-v1' | 'system' | 'os' | 'unknown';
  /** The binding memory limit, bytes: a cgroup limit below total memory, else `MemTotal`. */
  limitBytes?: number;
  /** min(cgroup limit − working set, `MemAvailable`), bytes. */
  availableBytes?: number;
  cgroup?: CgroupMemoryInfo;
  /** `/proc/meminfo`, bytes. */
  system?: { totalBytes: number; freeBytes: number; availableBytes: number };
}

/** Memory limits of this process (cgroup v2, cgroup v1, else system memory). Cheap; never throws. */
export declare function memoryLimits(): MemoryLimits;
