'use strict';
// The benchmark's workloads: one file each under workloads/. `expect` lists the finding
// kinds that count as the right detection (the first is the primary one); healthy
// workloads expect none. The leaking line is marked in the workload file itself:
//   // LEAK-SITE   the line that creates what leaks (the line to fix)
//   // LEAK-ALLOC  where the leaked bytes are allocated, when that is another line
//   // LEAK-FN     the definition line of the function holding LEAK-SITE/LEAK-ALLOC
//                 (heap sites from V8's sampling profiler are function-level)
module.exports = [
  // --- leaky ---------------------------------------------------------------------------
  { name: 'listener-emitter', leaky: true, expect: ['listeners'], shape: 'listener per request on a long-lived EventEmitter' },
  { name: 'listener-abortsignal', leaky: true, expect: ['listeners'], shape: 'listener per request on a process-wide AbortSignal (EventTarget)' },
  { name: 'interval-per-task', leaky: true, expect: ['timers'], shape: 'setInterval per job, never cleared' },
  { name: 'reconnect-loop', leaky: true, expect: ['timers'], shape: 'reconnect loop per client (recursive setTimeout) that never stops' },
  { name: 'unbounded-map', leaky: true, expect: ['heap'], shape: 'unbounded Map cache, a new key per request' },
  { name: 'module-array', leaky: true, expect: ['heap'], shape: 'module-level array, one record pushed per request' },
  { name: 'closure-payload', leaky: true, expect: ['heap'], shape: 'closure pinning the request body in a long-lived hook list' },
  { name: 'buffer-accumulation', leaky: true, expect: ['arrayBuffers', 'external'], shape: 'Buffers pushed to a module-level array' },
  { name: 'fs-streams', leaky: true, expect: ['streams'], shape: 'fs.createReadStream per request, never consumed or destroyed' },
  { name: 'unended-sockets', leaky: true, expect: ['streams', 'handles'], shape: 'net.connect to a local server per metric, never ended' },
  { name: 'zlib-never-ended', leaky: true, expect: ['streams', 'external', 'rss'], shape: 'zlib.createGzip per message, never ended' },
  { name: 'workers-never-terminated', leaky: true, expect: ['handles'], shape: 'new Worker per task, kept alive by its port listener' },
  { name: 'slow-heap', leaky: true, expect: ['heap'], shape: '~100 KB/s retained under ~10 MB/s of garbage' },
  // --- healthy -------------------------------------------------------------------------
  { name: 'lru-bounded', leaky: false, expect: [], shape: 'size-bounded LRU cache at its bound' },
  { name: 'garbage-sawtooth', leaky: false, expect: [], shape: 'high allocation rate, bursts held and released' },
  { name: 'warmup-plateau', leaky: false, expect: [], shape: 'lazily built caches grow for ~15 s, then plateau' },
  { name: 'symmetric-listeners', leaky: false, expect: [], shape: 'listener added and removed per request, concurrency 2..40' },
  { name: 'timers-fire-or-clear', leaky: false, expect: [], shape: 'timeouts per task that fire or are cleared, varying rate' },
  { name: 'buffer-ring', leaky: false, expect: [], shape: 'fixed ring of reused Buffers plus temporary ones' },
  { name: 'pipeline-streams', leaky: false, expect: [], shape: 'file -> gzip -> response through stream.pipeline' },
  { name: 'worker-pool', leaky: false, expect: [], shape: 'fixed pool of 4 workers' },
  { name: 'short-lived-emitters', leaky: false, expect: [], shape: 'a tracked EventEmitter per job, dropped when the job ends' },
  { name: 'keepalive-sockets', leaky: false, expect: [], shape: '200 steady keep-alive sockets to a local server' },
];
