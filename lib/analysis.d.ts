// Types for lib/analysis.js (issue 5): heap snapshot analysis.
// Sizes are bytes; times are milliseconds. Names follow Chrome DevTools.

/** A snapshot file: path string, Buffer, or `file:` URL. Plain JSON or gzip (detected by content). */
export type SnapshotPath = string | Buffer | URL;

/** Totals by kind, bytes (DevTools' Statistics). */
export interface HeapStatistics {
  /** Sum of all shallow sizes (retained size of the root), bytes. */
  total: number;
  /** `total - native`, bytes. */
  v8heap: number;
  /** Native nodes reachable from user roots, bytes. */
  native: number;
  /** Compiled code, bytes. */
  code: number;
  /** Strings (plain, concatenated, sliced), bytes. */
  strings: number;
  /** `Array` objects plus their `elements` store when owned alone, bytes. */
  jsArrays: number;
  /** Objects reachable only from system roots (distance ≥ 100000000), bytes. */
  system: number;
  /** Number of nodes. */
  nodeCount: number;
  /** Number of edges (0 for the first snapshot of a diff: its edges are not loaded). */
  edgeCount: number;
}

/** One class of the summary (DevTools' Aggregate). */
export interface HeapAggregate {
  /** Constructor name for objects and native nodes; `(system)`, `(compiled code)`, `(closure)`, `(string)`, `(array)`, ... otherwise. */
  name: string;
  /** Instances (nodes with a non-zero shallow size, or native). */
  count: number;
  /** Smallest distance from the GC roots among instances; -1 if none is reachable; ≥ 100000000 when only system roots reach them. */
  distance: number;
  /** Sum of the instances' shallow sizes, bytes. */
  self: number;
  /** Class retained size, bytes: instances dominated by another instance of the class are not counted twice (DevTools calls this field `maxRet`). */
  retained: number;
  /** Largest retained size of one instance, bytes. */
  maxRetained: number;
}

/** One hop of a retainer path. */
export interface HeapRetainerStep {
  /** `property`, `element`, `context`, `internal`, `hidden`, `shortcut` (or a type unknown to us, as written in the snapshot). */
  edgeType: string;
  /** Property name, or element index as text. */
  edgeName: string;
  /** Class name of the object reached. */
  className: string;
  /** Raw node name of the object reached. */
  nodeName: string;
  /** Node type of the object reached. */
  nodeType: string;
  /** V8 object id of the object reached. */
  nodeId: number;
}

/** One object of a snapshot. */
export interface HeapNode {
  /** V8 object id (stable across snapshots of one process). */
  id: number;
  /** Raw node name. */
  name: string;
  /** Class name (see {@link HeapAggregate.name}). */
  className: string;
  /** Node type (`object`, `closure`, `array`, `string`, `native`, ...). */
  type: string;
  /** Shallow size, bytes. */
  selfSize: number;
  /** Retained size (itself plus everything it dominates), bytes. */
  retainedSize: number;
  /** Distance from the GC roots; -1 if unreachable. */
  distance: number;
  /** Shortest path from the GC roots, weak edges skipped, e.g. `(GC roots) → global → cache (Map) → {table} (array) → [3] (LeakedSession)`. Empty if unreachable. */
  retainerPath: string;
  /** The hops of `retainerPath`, root side first. */
  retainers: HeapRetainerStep[];
}

/** Time of one stage. */
export interface HeapStageTiming {
  /** `parse` (for a diff: both files, parsed at once), `graph` (distances + dominators + retained sizes), `aggregates`, `retainerPaths`, `diff`. */
  stage: string;
  /** Milliseconds. */
  ms: number;
}

/** Result of {@link analyzeSnapshot}. */
export interface HeapAnalysis {
  statistics: HeapStatistics;
  /** Number of distinct classes. */
  classCount: number;
  /** Top `options.top` classes by class retained size. */
  aggregates: HeapAggregate[];
  /** The `options.largest` objects with the largest retained sizes (user roots, code and system nodes excluded), each with a retainer path. */
  largest: HeapNode[];
  timings: HeapStageTiming[];
  /** Total milliseconds. */
  totalMs: number;
}

/** Changes of one class between two snapshots (DevTools' Diff); sizes are shallow sizes in bytes. */
export interface HeapClassDiff {
  name: string;
  /** Instances of the second snapshot whose id is not in the first (allocated between the two, still alive). */
  addedCount: number;
  /** Instances of the first snapshot whose id is gone from the second. */
  removedCount: number;
  /** `addedCount - removedCount`. */
  countDelta: number;
  /** Bytes of the added instances. */
  addedSize: number;
  /** Bytes of the removed instances. */
  removedSize: number;
  /** `addedSize - removedSize`, bytes. */
  sizeDelta: number;
  /** For the first `options.paths` growing classes: the added instance with the largest retained size, with its retainer path. */
  representative?: HeapNode;
}

/** An object of the first snapshot holding objects added since (see {@link HeapDiff.owners}). */
export interface HeapGrowthOwner {
  /** The holding object as it is in the second snapshot, with its retainer path. */
  node: HeapNode;
  /** Added objects it holds (dominated through added objects only). */
  addedCount: number;
  /** Shallow size of those added objects, bytes. */
  addedSize: number;
}

/** Result of {@link diffSnapshots}. */
export interface HeapDiff {
  /** Statistics of the first snapshot (only `total`, `v8heap` and `nodeCount` are filled). */
  before: HeapStatistics;
  /** Statistics of the second snapshot. */
  after: HeapStatistics;
  /** Changed classes, largest `sizeDelta` first, cut to `options.top`. */
  classes: HeapClassDiff[];
  /** Number of changed classes before the cut. */
  changedClassCount: number;
  /** Sums over all classes (`name` is `(total)`). */
  totals: HeapClassDiff;
  /**
   * Where the growth is held: objects already in the first snapshot under which the
   * added objects accumulated (each added object's nearest dominator, in the second
   * snapshot, that is not itself added), largest `addedSize` first, at most
   * `options.paths`. A growing `Map` cache shows up as that Map (or its `{table}`).
   */
  owners: HeapGrowthOwner[];
  timings: HeapStageTiming[];
  totalMs: number;
}

/**
 * Progress callback: stage name (`parse`, `distances`, `dominators`, `retainedSizes`,
 * `aggregates`, `diff`, `retainerPaths`) and fraction done (0..1). Called on the JS
 * thread: synchronously during the Sync variants, from the event loop (shortly after
 * the fact, never after the promise settles) for the async ones. An exception thrown
 * by the callback is emitted as a process warning (code `LEAKGUARD_PROGRESS_CALLBACK`)
 * and does not stop the analysis.
 */
export type HeapProgressCallback = (stage: string, fraction: number) => void;

export interface AnalyzeSnapshotOptions {
  /** Classes to return, largest class retained size first; 0 = all. Integer 0..1e6, default 20. */
  top?: number;
  /** Objects with the largest retained sizes to return with retainer paths. Integer 0..1e6, default 10. */
  largest?: number;
}

export interface DiffSnapshotsOptions {
  /** Changed classes to return, largest growth first; 0 = all. Integer 0..1e6, default 20. */
  top?: number;
  /** How many of the top growing classes get a representative instance with a retainer path. Integer 0..1e6, default 5. */
  paths?: number;
}

/**
 * Parses a heap snapshot and computes distances, dominators (semi-NCA), retained
 * sizes, the per-class summary, statistics and the largest objects, on a libuv
 * worker thread.
 *
 * Rejects with: `TypeError`/`RangeError` for bad arguments (naming the argument);
 * an `Error` with `code` `LEAKGUARD_SNAPSHOT_IO` (missing/unreadable file),
 * `LEAKGUARD_SNAPSHOT_FORMAT` (truncated, not a heap snapshot, unsupported layout;
 * the message names the file, byte offset and field) or `LEAKGUARD_SNAPSHOT_INVALID`
 * (inconsistent graph); `signal.reason` (an `AbortError` by default) when aborted.
 */
export function analyzeSnapshot(
  path: SnapshotPath,
  options?: AnalyzeSnapshotOptions & { signal?: AbortSignal; onProgress?: HeapProgressCallback },
): Promise<HeapAnalysis>;

/** Synchronous {@link analyzeSnapshot}: blocks the thread; throws the same errors. */
export function analyzeSnapshotSync(
  path: SnapshotPath,
  options?: AnalyzeSnapshotOptions & { onProgress?: HeapProgressCallback },
): HeapAnalysis;

/**
 * Compares two snapshots of one process by object id, grouped by class, on a libuv
 * worker thread. Only ids, names and sizes of `before` are loaded; `after` is fully
 * analysed so that growing classes come with a retainer path. Errors as {@link analyzeSnapshot}.
 */
export function diffSnapshots(
  before: SnapshotPath,
  after: SnapshotPath,
  options?: DiffSnapshotsOptions & { signal?: AbortSignal; onProgress?: HeapProgressCallback },
): Promise<HeapDiff>;

/** Synchronous {@link diffSnapshots}: blocks the thread; throws the same errors. */
export function diffSnapshotsSync(
  before: SnapshotPath,
  after: SnapshotPath,
  options?: DiffSnapshotsOptions & { onProgress?: HeapProgressCallback },
): HeapDiff;
