// Leak assertions (issue 6): framework-agnostic core of the jest matchers.

/** Something still alive after the calls, or a post-GC floor that keeps rising. */
export interface AssertionFinding {
  /** `listeners`, `timers`, `streams`, `sockets`, `servers`, `workers`, `processes`, `heap`, `external` or `retained` (assertCollected). */
  kind: string;
  /** What leaked, e.g. `listener for 'tick' on a EventEmitter`, `post-GC heapUsed`. */
  what: string;
  /** Objects still alive (resources), or estimated bytes grown over the measured calls (heap). */
  count: number;
  /** Objects (resources) or bytes (heap, external) per call. */
  perCall: number;
  /** Heap kinds: rounded `perCall`. */
  bytesPerCall?: number;
  /** Heap kinds: the weaker Mann-Kendall z of the two series of rounds. */
  z?: number;
  /** Heap kinds: the post-GC floors, bytes, one per round (both series). */
  floors?: number[];
  /** Creation sites, `file:line:column` (resources), or allocating functions `name (file:line:column)` (heap), most first. */
  sites: Array<{ site: string; count: number; bytesPerCall?: number }>;
  /** Heap: growing classes of a heap snapshot diff, instances per call. */
  constructors?: Array<{ name: string; perCall: number; bytesPerCall: number }>;
  /** Heap: retainer path of a growing instance; assertCollected: what still retains the object. */
  retainerPath?: string | null;
}

/** Options of {@link assertNoLeak}; every field is optional. */
export interface LeakOptions {
  /** Measured calls for the heap, split into `rounds` (default 48). */
  iterations?: number;
  /** Post-GC floors per series of rounds (default 8, at least 4). */
  rounds?: number;
  /** Calls before anything is measured (default 10). */
  warmup?: number;
  /** Measured calls with the resource hooks on (default 5). */
  resourceCalls?: number;
  /** Check the post-GC heap and external floors (default true). */
  heap?: boolean;
  /** Check listeners, timers, streams, sockets, servers, workers, child processes (default true). */
  resources?: boolean;
  /** Smallest heap growth per call reported, bytes (default 256). */
  minBytesPerCall?: number;
  /** Timeouts due within this many ms are awaited, not reported (default 100). */
  settleMs?: number;
  /** Not leaks: a string contained in the site, label or kind, a RegExp tested on them, or a predicate. */
  allow?: Array<string | RegExp | ((leak: { kind: string; label: string; site: string }) => boolean)>;
  /** Extra emitters / event targets whose listener counts are compared before and after (`process` always is). */
  emitters?: Array<import('node:events').EventEmitter | EventTarget>;
  /** Explain heap growth with the sampling heap profiler and a heap snapshot diff (default true). */
  explain?: boolean;
  /** Clear, destroy or remove what leaked once it is reported (default true). */
  cleanup?: boolean;
}

/** Options of {@link assertCollected}. */
export interface CollectOptions {
  /** Full GCs (each followed by an event-loop turn) before giving up (default 10). */
  gcs?: number;
  /** On failure, find the retainer path with a heap snapshot (default true). */
  retainers?: boolean;
}

export interface LeakReport {
  leaked: boolean;
  findings: AssertionFinding[];
  /** Calls of `fn` made. */
  calls: number;
  /** Wall time of the check, ms. */
  ms: number;
}

export interface CollectReport {
  collected: boolean;
  /** Full GCs run. */
  gcs: number;
  findings: AssertionFinding[];
}

/** Thrown by the assertions; `code` is `LEAKGUARD_LEAK`. */
export declare class LeakError extends Error {
  readonly code: 'LEAKGUARD_LEAK';
  readonly findings: AssertionFinding[];
}

/** Runs `fn` (sync or async) repeatedly; rejects with a LeakError when it leaks resources or heap. */
export declare function assertNoLeak(fn: () => unknown, options?: LeakOptions): Promise<LeakReport>;
/** Like {@link assertNoLeak} but resolves to the report instead of throwing. */
export declare function checkLeaks(fn: () => unknown, options?: LeakOptions): Promise<LeakReport>;
/** Calls `factory`, keeps a WeakRef to its result; rejects with a LeakError when it is not collected. */
export declare function assertCollected(factory: () => object | Promise<object>, options?: CollectOptions): Promise<CollectReport>;
/** Like {@link assertCollected} but resolves to the report instead of throwing. */
export declare function checkCollected(factory: () => object | Promise<object>, options?: CollectOptions): Promise<CollectReport>;
/** The lines of a failure message for findings (no colours). */
export declare function formatFindings(findings: AssertionFinding[]): string[];
