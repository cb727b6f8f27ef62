'use strict';
// snapshotNearLimit() and writeSnapshot() (issue 4): a complete heap snapshot on
// disk before the process runs out of memory, taken only while it is still
// affordable; otherwise a cheap evidence file with the reason it was skipped.

const EventEmitter = require('events');
const fs = require('fs');
const os = require('os');
const path = require('path');
const v8 = require('v8');
const zlib = require('zlib');
const { pipeline } = require('stream');
const { PerformanceObserver, constants: perfConstants } = require('perf_hooks');
const debug = require('util').debuglog('leakguard');

const { normalizeOptions } = require('./near-limit/options');
const files = require('./near-limit/files');
const sampler = require('./heap-sampler');

let binding = null;
try {
  binding = require('../binding.js');
} catch (e) {
  debug('native binding unavailable, memory limits from os.totalmem/os.freemem: %s', e && e.message);
}

// Cost model of a heap snapshot, measured on Node 20 / V8 11.3 (see
// docs/near-limit.md): the extra RSS while V8 builds and serializes a snapshot
// grows with the number of heap objects (snapshot nodes), about 0.5-1.4 KiB per
// node, not with their bytes; the file takes about 100 bytes per node. A bare
// Node process has about 40 000 nodes in about 4 MB of heap. Heap bytes per node
// range from about 40 (many small strings/objects) to kilobytes (big arrays), and
// nothing cheap tells them apart before a first snapshot, so until then the
// estimate assumes the worst (40 bytes); afterwards it uses what that snapshot
// measured (nodes per heap byte, RSS per node).
const BYTES_PER_NODE = 1100;
const MIN_BYTES_PER_NODE = 300;
const FILE_BYTES_PER_NODE = 100;
const BASELINE_NODES = 40_000;
const BASELINE_HEAP = 4 * 1024 * 1024;
const WORST_CASE_BYTES_PER_OBJECT = 40;
// Write only if needed * SAFETY fits in what is available.
const SAFETY = 1.25;
// The 'headroom' trigger looks this far ahead: it fires while a snapshot fits
// now but would no longer fit after the heap grows by max(LOOKAHEAD_MIN, heap/4).
const LOOKAHEAD_MIN = 8 * 1024 * 1024;
// During a cooldown, an evidence file is still written once memory grew this much.
const GROWTH_FOR_EVIDENCE = 1.25;

const GC_MAJOR = perfConstants.NODE_PERFORMANCE_GC_MAJOR;
// heap_size_limit includes the young generation (two semi-spaces and the new
// large-object space: at most 3 x 16 MiB on 64-bit V8, less for small heaps,
// e.g. in a small container), which never holds a post-GC floor; the process
// dies when the old generation reaches its own limit.
// V8 13 (Node 24) raised the young generation to 3 x 64 MiB.
const YOUNG_GENERATION_MAX = (parseInt(process.versions.v8, 10) >= 13 ? 192 : 48) * 1024 * 1024;
const YOUNG_GENERATION_FRACTION = 3 / 35;

/** --max-old-space-size from the command line or NODE_OPTIONS, bytes, or null. */
function maxOldSpaceFlag() {
  const args = [...process.execArgv, ...String(process.env.NODE_OPTIONS || '').split(/\s+/)];
  let mb = null;
  for (let i = 0; i < args.length; i++) {
    const m = /^--max[-_]old[-_]space[-_]size(?:=(\d+))?$/.exec(args[i]);
    if (m) mb = Number(m[1] !== undefined ? m[1] : args[i + 1]);
  }
  return Number.isFinite(mb) && mb > 0 ? mb * 1024 * 1024 : null;
}
// The flag sizes the main thread's heap only (workers have resourceLimits).
const OLD_SPACE_FLAG = require('worker_threads').isMainThread ? maxOldSpaceFlag() : null;

/**
 * The old-generation limit, bytes: what a post-GC heap can grow to before V8
 * gives up. --max-old-space-size when given (and below heap_size_limit), else
 * heap_size_limit minus the young generation.
 */
function oldGenerationLimit(heapSizeLimit) {
  if (OLD_SPACE_FLAG !== null && OLD_SPACE_FLAG < heapSizeLimit) return OLD_SPACE_FLAG;
  // A worker knows its own limit (resourceLimits, MB; defaults filled in by Node).
  const wt = require('worker_threads');
  const rl = !wt.isMainThread && wt.resourceLimits;
  if (rl && rl.maxOldGenerationSizeMb > 0) return Math.min(heapSizeLimit, rl.maxOldGenerationSizeMb * 1024 * 1024);
  return heapSizeLimit - Math.min(YOUNG_GENERATION_MAX, heapSizeLimit * YOUNG_GENERATION_FRACTION);
}

let sequence = 0; // process-wide, keeps file names unique across handles
let lastResortArmed = false;
// What the last snapshot of this process measured; see estimateCost().
let calibration = null;

function readVmHWM() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'latin1'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Memory limits of this process: cgroup v2/v1 or system memory, bytes. Falls
 * back to os.totalmem()/os.freemem() (source 'os') without the native binding.
 */
function memoryLimits() {
  if (binding && typeof binding.memoryLimits === 'function') {
    try {
      return binding.memoryLimits();
    } catch (e) {
      debug('memoryLimits failed: %s', e && e.message);
    }
  }
  return {
    source: 'os',
    limitBytes: os.totalmem(),
    availableBytes: os.freemem(),
    cgroup: undefined,
    system: { totalBytes: os.totalmem(), freeBytes: os.freemem(), availableBytes: os.freemem() },
  };
}

/** Current figures used by the triggers and the safety check. */
function memoryFigures() {
  const lim = memoryLimits();
  const rssBytes = process.memoryUsage.rss();
  const inCgroup = lim.source === 'cgroup-v1' || lim.source === 'cgroup-v2';
  return {
    source: lim.source,
    limitBytes: lim.limitBytes ?? null,
    // In a cgroup the whole group's working set counts (what the OOM killer sees);
    // against system memory, this process's RSS.
    usedBytes: inCgroup && lim.cgroup ? lim.cgroup.workingSetBytes : rssBytes,
    availableBytes: lim.availableBytes ?? null,
    rssBytes,
    cgroup: lim.cgroup || null,
  };
}

/**
 * Estimated memory (extra RSS, bytes) and file size (bytes) of a heap snapshot
 * taken now, from the worst case or from the last snapshot's measurements.
 */
function estimateCost(heapUsed) {
  let nodes;
  let perNode;
  let basis;
  if (calibration) {
    nodes = calibration.nodes + Math.max(0, heapUsed - calibration.heapUsed) / calibration.heapBytesPerNode;
    perNode = calibration.bytesPerNode;
    basis = 'previous-snapshot';
  } else {
    nodes = BASELINE_NODES + Math.max(0, heapUsed - BASELINE_HEAP) / WORST_CASE_BYTES_PER_OBJECT;
    perNode = BYTES_PER_NODE;
    basis = 'worst-case';
  }
  nodes = Math.ceil(nodes);
  return { neededBytes: Math.ceil(nodes * perNode), fileBytes: nodes * FILE_BYTES_PER_NODE, estimatedNodes: nodes, basis };
}

/** Learns from a snapshot just written (see estimateCost). */
function calibrate(heapUsed, result) {
  if (!result.nodeCount) return;
  const measured = result.peakRssDuringWrite !== null ? (result.peakRssDuringWrite - result.rssBefore) / result.nodeCount : 0;
  calibration = {
    nodes: result.nodeCount,
    heapUsed,
    heapBytesPerNode: Math.max(WORST_CASE_BYTES_PER_OBJECT, heapUsed / result.nodeCount),
    // Unknown peak (VmHWM did not move): keep the model's figure.
    // Later writes reuse memory the allocator kept from earlier ones, so they
    // measure less: keep the largest figure seen.
    bytesPerNode: Math.max(calibration ? calibration.bytesPerNode : 0, measured > 0 ? Math.max(MIN_BYTES_PER_NODE, measured * 1.2) : BYTES_PER_NODE),
  };
  debug('snapshot calibration: %j', calibration);
}

function diskFreeBytes(dir) {
  if (typeof fs.statfsSync !== 'function') return null;
  try {
    const s = fs.statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

/** Open findings from the detector, if the package provides them. */
function openFindings() {
  try {
    const root = require('../index.js');
    if (root && typeof root.findings === 'function') {
      const f = root.findings();
      if (f && typeof f.then === 'function') return undefined;
      const list = Array.isArray(f) ? f.slice(0, 100) : f;
      return JSON.parse(JSON.stringify(list === undefined ? null : list));
    }
  } catch (e) {
    debug('findings unavailable: %s', e && e.message);
  }
  return undefined;
}

function diagnosticReport() {
  if (!process.report || typeof process.report.getReport !== 'function') return undefined;
  try {
    const r = process.report.getReport();
    const report = typeof r === 'string' ? JSON.parse(r) : r;
    // Environment variables often hold secrets and say nothing about memory.
    if (report && report.environmentVariables) delete report.environmentVariables;
    return report;
  } catch (e) {
    debug('diagnostic report failed: %s', e && e.message);
    return undefined;
  }
}

function baseName(date, n) {
  return `leakguard-${process.pid}-${files.isoStamp(date)}-${n}`;
}

function sidecarPathFor(snapshotPath) {
  return snapshotPath.endsWith('.heapsnapshot') ? snapshotPath.slice(0, -'.heapsnapshot'.length) + '.json' : snapshotPath + '.json';
}

/**
 * Writes a heap snapshot to `finalPath` through an exclusive 0600 temporary
 * file, checks it is complete and gives it its final name. Synchronous.
 */
function writeSnapshotFile(finalPath) {
  const dir = path.dirname(finalPath);
  const tmp = files.createTemp(dir, '.heapsnapshot');
  const hwmBefore = readVmHWM();
  const rssBefore = process.memoryUsage.rss();
  const t0 = process.hrtime.bigint();
  try {
    // V8 opens the path itself (without O_NOFOLLOW); it is our fresh 0600 file
    // in a checked directory, and sameFile() below proves nobody swapped it.
    v8.writeHeapSnapshot(tmp.path);
    const durationMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const hwmAfter = readVmHWM();
    if (!files.sameFile(tmp.fd, tmp.path)) {
      throw files.leakguardError('LEAKGUARD_WRITE_FAILED', `leakguard: temporary file ${tmp.path} was replaced during the write`);
    }
    files.closeQuiet(tmp.fd);
    const info = files.inspectSnapshotFile(tmp.path);
    if (!info.complete) {
      const free = diskFreeBytes(dir);
      throw files.leakguardError(free !== null && free < 1 << 20 ? 'LEAKGUARD_DISK_FULL' : 'LEAKGUARD_SNAPSHOT_INCOMPLETE',
        `leakguard: V8 wrote an incomplete heap snapshot (${info.bytes} bytes) to ${dir}${free !== null ? `, ${free} bytes free on disk` : ''}; deleted it`);
    }
    files.publish(tmp.path, finalPath);
    const peakRssDuringWrite = hwmAfter !== null && hwmBefore !== null && hwmAfter > hwmBefore ? hwmAfter : null;
    return { ...info, durationMs, rssBefore, peakRssDuringWrite };
  } catch (e) {
    files.closeQuiet(tmp.fd);
    files.unlinkQuiet(tmp.path);
    if (e.code && String(e.code).startsWith('LEAKGUARD_')) throw e;
    throw files.leakguardError(files.noSpace(e) ? 'LEAKGUARD_DISK_FULL' : 'LEAKGUARD_SNAPSHOT_FAILED', `leakguard: heap snapshot failed: ${e.message}`, e);
  }
}

function heapFigures() {
  const h = v8.getHeapStatistics();
  return {
    usedHeapSize: h.used_heap_size,
    totalHeapSize: h.total_heap_size,
    heapSizeLimit: h.heap_size_limit,
    oldGenerationLimit: oldGenerationLimit(h.heap_size_limit),
    externalMemory: h.external_memory,
    mallocedMemory: h.malloced_memory,
  };
}

/**
 * Decides whether a snapshot is affordable now. Returns { ok, skipReason?, cost, mem, diskFree }.
 */
function assess(dir, heapUsed) {
  const mem = memoryFigures();
  const cost = estimateCost(heapUsed);
  const diskFree = diskFreeBytes(dir);
  const inCgroup = mem.source === 'cgroup-v1' || mem.source === 'cgroup-v2';
  // cgroup v1/v2 charge the written file's page cache to the group too.
  const memNeeded = Math.ceil(cost.neededBytes * SAFETY + (inCgroup ? cost.fileBytes : 0));
  if (mem.availableBytes !== null && memNeeded > mem.availableBytes) {
    return { ok: false, skipReason: 'insufficient-memory', memNeeded, cost, mem, diskFree };
  }
  if (diskFree !== null && cost.fileBytes * SAFETY > diskFree) {
    return { ok: false, skipReason: 'insufficient-disk', memNeeded, cost, mem, diskFree };
  }
  return { ok: true, memNeeded, cost, mem, diskFree };
}

function commonRecord(date, reason, heap, a, extra) {
  return {
    leakguard: 1,
    pid: process.pid,
    time: date.toISOString(),
    reason,
    heap,
    memoryUsage: process.memoryUsage(),
    memory: {
      source: a.mem.source,
      limitBytes: a.mem.limitBytes,
      usedBytes: a.mem.usedBytes,
      availableBytes: a.mem.availableBytes,
      rssBytes: a.mem.rssBytes,
      cgroup: a.mem.cgroup,
    },
    estimate: { ...a.cost, memoryNeededBytes: a.memNeeded, diskFreeBytes: a.diskFree },
    ...extra,
    findings: openFindings(),
  };
}

function skipMessage(a) {
  switch (a.skipReason) {
    case 'insufficient-memory':
      return `a heap snapshot needs about ${a.memNeeded} bytes of memory; only ${a.mem.availableBytes} are available`;
    case 'insufficient-disk':
      return `a heap snapshot file needs about ${Math.ceil(a.cost.fileBytes * SAFETY)} bytes of disk; only ${a.diskFree} are free`;
    case 'cooldown':
      return 'the previous file was written less than cooldownMs ago; memory grew since';
    default:
      return 'maxSnapshots heap snapshots were already written';
  }
}

/** Writes the cheap evidence artifact for a skipped snapshot. Returns its path. */
function writeSkippedArtifact(finalPath, date, reason, heap, a) {
  const prof = sampler.profile(25);
  const record = commonRecord(date, reason, heap, a, {
    kind: 'skipped',
    skipped: {
      reason: a.skipReason,
      message: skipMessage(a),
    },
    heapStatistics: v8.getHeapStatistics(),
    heapSpaceStatistics: v8.getHeapSpaceStatistics(),
    topAllocationSites: prof ? prof.topSites : undefined,
    samplingHeapProfile: prof ? { intervalBytes: prof.intervalBytes, samples: prof.samples, liveBytes: prof.liveBytes } : undefined,
    report: diagnosticReport(),
  });
  return files.writeFileAtomic(finalPath, JSON.stringify(record, null, 1));
}

function gzipFile(src, dest, cb) {
  let tmp;
  try {
    tmp = files.createTemp(path.dirname(dest), '.gz');
  } catch (e) {
    cb(e);
    return;
  }
  const input = fs.createReadStream(src);
  const output = fs.createWriteStream(null, { fd: tmp.fd });
  pipeline(input, zlib.createGzip(), output, (err) => {
    if (err) {
      files.unlinkQuiet(tmp.path);
      cb(files.leakguardError(files.noSpace(err) ? 'LEAKGUARD_DISK_FULL' : 'LEAKGUARD_WRITE_FAILED', `leakguard: gzip of ${src} failed: ${err.message}`, err));
      return;
    }
    try {
      files.publish(tmp.path, dest);
      files.unlinkQuiet(src);
      cb(null, fs.statSync(dest).size);
    } catch (e) {
      files.unlinkQuiet(tmp.path);
      cb(e);
    }
  });
}

const kState = Symbol('leakguard.nearLimit');

/**
 * Returned by snapshotNearLimit(). Events: 'snapshot' (info), 'skipped' (info),
 * 'error' (Error with a LEAKGUARD_* code).
 */
class NearLimitHandle extends EventEmitter {
  constructor(opts) {
    super();
    this[kState] = {
      opts,
      dir: path.resolve(opts.dir),
      armed: true,
      busy: false,
      taken: 0, // snapshot attempts (written or failed)
      evidence: 0, // evidence files for skipped snapshots
      lastArtifactAt: -Infinity,
      lastPostGcHeap: null,
      prevHeap: null, // heap figure at the previous check, bytes
      lastArtifactHeap: null, // post-GC heap at the last file written, bytes
      lastArtifactUsed: null, // memory used at the last file written, bytes
      prevUsed: null, // memory figure at the previous check, bytes
      lastGcAt: 0,
      observer: null,
      timer: null,
      sampling: false,
      snapshots: [],
      artifacts: [],
    };
  }

  /** Paths of the snapshots written so far (copies). */
  get snapshots() {
    return this[kState].snapshots.slice();
  }

  /** Paths of the evidence files written for skipped snapshots (copies). */
  get skipped() {
    return this[kState].artifacts.slice();
  }

  /** True until stop(), or until both budgets (maxSnapshots snapshots, maxSnapshots evidence files) are used. */
  get armed() {
    return this[kState].armed;
  }

  /** Disarms the triggers and stops the sampling profiler. Idempotent. */
  stop() {
    const s = this[kState];
    if (!s.armed) return;
    s.armed = false;
    if (s.observer) {
      try {
        s.observer.disconnect();
      } catch {
        /* ignore */
      }
      s.observer = null;
    }
    if (s.timer) {
      clearInterval(s.timer);
      s.timer = null;
    }
    if (s.sampling) {
      s.sampling = false;
      sampler.release();
    }
  }

  _fail(err) {
    const s = this[kState];
    debug('near-limit error: %s', err.message);
    let delivered = false;
    if (s.opts.onError) {
      delivered = true;
      try {
        s.opts.onError(err);
      } catch (e) {
        debug('onError threw: %s', e && e.message);
      }
    }
    if (this.listenerCount('error') > 0) {
      delivered = true;
      try {
        this.emit('error', err);
      } catch (e) {
        debug('error listener threw: %s', e && e.message);
      }
    }
    if (!delivered) process.emitWarning(err.message, { type: 'LeakguardWarning', code: err.code });
  }

  _deliver(event, callbackName, info) {
    require('./channels').publish(event, info); // leakguard:snapshot / :skipped
    const cb = this[kState].opts[callbackName];
    if (cb) {
      try {
        cb(info);
      } catch (e) {
        debug('%s threw: %s', callbackName, e && e.message);
      }
    }
    try {
      this.emit(event, info);
    } catch (e) {
      debug('%s listener threw: %s', event, e && e.message);
    }
  }

  /** Runs from the GC observer and the interval. Never throws. */
  _check(fromGc) {
    const s = this[kState];
    if (!s.armed || s.busy) return;
    try {
      const now = Date.now();
      const heap = v8.getHeapStatistics();
      if (fromGc) {
        s.lastPostGcHeap = heap.used_heap_size;
        s.lastGcAt = now;
      } else if (s.sampling) {
        sampler.ensure();
      }
      // Between major GCs, the interval uses the last post-GC figure (used_heap_size
      // includes garbage); if no major GC was seen for a while, the current one.
      const recentGc = s.lastPostGcHeap !== null && now - s.lastGcAt < 10 * s.opts.intervalMs;
      const postGcHeap = recentGc ? s.lastPostGcHeap : heap.used_heap_size;
      const ratio = s.opts.ratio;
      let reason = null;
      let mem = null;
      // Look one step ahead: a fast leak may cross the limit before the next check.
      const heapStep = s.prevHeap !== null ? Math.max(0, postGcHeap - s.prevHeap) : 0;
      s.prevHeap = postGcHeap;
      mem = memoryFigures();
      const memStep = s.prevUsed !== null ? Math.max(0, mem.usedBytes - s.prevUsed) : 0;
      s.prevUsed = mem.usedBytes;
      const heapLimit = oldGenerationLimit(heap.heap_size_limit);
      if (postGcHeap + heapStep > ratio * heapLimit) {
        reason = 'heap-limit';
      } else {
        if (mem.limitBytes && mem.usedBytes + memStep > ratio * mem.limitBytes) {
          reason = 'memory-limit';
        } else if ((mem.source === 'cgroup-v1' || mem.source === 'cgroup-v2') && mem.availableBytes !== null) {
          const h = heap.used_heap_size;
          const step = Math.max(LOOKAHEAD_MIN, h / 4);
          const need = (c) => c.neededBytes * SAFETY + c.fileBytes;
          // Fire while the snapshot still fits but would not after `step` more bytes;
          // once it no longer fits, the 'memory-limit'/'heap-limit' triggers write
          // the evidence file late instead.
          if (need(estimateCost(h)) <= mem.availableBytes && need(estimateCost(h + step)) > mem.availableBytes - step) {
            reason = 'headroom';
          }
        }
      }
      debug('check (%s): heap %d/%d, memory %j -> %s', fromGc ? 'gc' : 'timer', heap.used_heap_size, heapLimit,
        mem && { source: mem.source, used: mem.usedBytes, available: mem.availableBytes }, reason || 'no trigger');
      if (!reason) return;
      const max = s.opts.maxSnapshots;
      const cooled = now - s.lastArtifactAt >= s.opts.cooldownMs;
      // Memory grew by a quarter since the last file: worth an evidence file even
      // during the cooldown (typically the last moments before an OOM death).
      const grown = s.lastArtifactHeap !== null &&
        (postGcHeap >= GROWTH_FOR_EVIDENCE * s.lastArtifactHeap || mem.usedBytes >= GROWTH_FOR_EVIDENCE * s.lastArtifactUsed);
      let forcedSkip = null;
      if (reason === 'headroom') {
        // "A snapshot still fits": only meaningful for a snapshot.
        if (s.taken >= max || !cooled) return;
      } else if (!cooled || s.taken >= max) {
        if (s.evidence >= max || !(cooled || grown)) return;
        forcedSkip = s.taken >= max ? 'max-snapshots' : 'cooldown';
      }
      s.lastArtifactHeap = postGcHeap;
      s.lastArtifactUsed = mem.usedBytes;
      this._take(reason, { postGcHeapBytes: postGcHeap, heapStepBytes: heapStep, memoryUsedBytes: mem.usedBytes, memoryStepBytes: memStep, fromGc }, forcedSkip);
    } catch (e) {
      this._fail(e.code ? e : files.leakguardError('LEAKGUARD_INTERNAL', `leakguard: near-limit check failed: ${e && e.message}`, e));
    }
  }

  _take(reason, trigger, forcedSkip) {
    const s = this[kState];
    const max = s.opts.maxSnapshots;
    s.lastArtifactAt = Date.now();
    const finish = () => {
      // Cooldown counts from the end of a write: a slow write does not eat it.
      s.lastArtifactAt = Date.now();
      if (s.taken >= max && s.evidence >= max) this.stop();
    };
    const date = new Date();
    const n = ++sequence;
    let dir;
    try {
      dir = files.ensureDir(s.dir);
    } catch (e) {
      if (s.taken < max) s.taken++;
      else s.evidence++;
      this._fail(e);
      finish();
      return;
    }
    const heap = heapFigures();
    const a = assess(dir, heap.usedHeapSize);
    if (forcedSkip && a.ok) {
      // (When a snapshot would not fit anyway, that reason is the one reported.)
      a.ok = false;
      a.skipReason = forcedSkip;
    }
    const base = path.join(dir, baseName(date, n));
    if (!a.ok) {
      s.evidence++;
      let artifactPath = null;
      try {
        artifactPath = writeSkippedArtifact(base + '.json', date, reason, heap, a);
        s.artifacts.push(artifactPath);
      } catch (e) {
        this._fail(e);
      }
      this._deliver('skipped', 'onSkipped', {
        reason: a.skipReason,
        trigger: reason,
        neededBytes: a.memNeeded,
        availableBytes: a.mem.availableBytes,
        diskFreeBytes: a.diskFree,
        artifactPath,
      });
      finish();
      return;
    }
    s.taken++;
    let result;
    const snapshotPath = base + '.heapsnapshot';
    try {
      result = writeSnapshotFile(snapshotPath);
    } catch (e) {
      this._fail(e);
      finish();
      return;
    }
    calibrate(heap.usedHeapSize, result);
    const compress = s.opts.compress === 'gzip';
    const sidecarPath = base + '.json';
    try {
      const record = commonRecord(date, reason, heap, a, {
        kind: 'heapsnapshot',
        snapshot: path.basename(snapshotPath) + (compress ? '.gz' : ''),
        uncompressedSnapshot: compress ? path.basename(snapshotPath) : undefined,
        trigger: { ...trigger, ratio: s.opts.ratio },
        write: { durationMs: result.durationMs, bytes: result.bytes, nodeCount: result.nodeCount, edgeCount: result.edgeCount, rssBeforeBytes: result.rssBefore, peakRssDuringWriteBytes: result.peakRssDuringWrite },
      });
      files.writeFileAtomic(sidecarPath, JSON.stringify(record, null, 1));
    } catch (e) {
      this._fail(e);
    }
    const info = {
      path: snapshotPath,
      sidecarPath,
      bytes: result.bytes,
      reason,
      heapUsed: heap.usedHeapSize,
      heapSizeLimit: heap.heapSizeLimit,
      ratio: heap.usedHeapSize / heap.oldGenerationLimit,
      rss: result.rssBefore,
      peakRssDuringWrite: result.peakRssDuringWrite,
      durationMs: result.durationMs,
      nodeCount: result.nodeCount,
    };
    if (!compress) {
      s.snapshots.push(snapshotPath);
      this._deliver('snapshot', 'onSnapshot', info);
      finish();
      return;
    }
    // The uncompressed snapshot is already complete under its final name, so a
    // death during compression still leaves it.
    s.busy = true;
    gzipFile(snapshotPath, snapshotPath + '.gz', (err, bytes) => {
      s.busy = false;
      if (err) {
        s.snapshots.push(snapshotPath);
        this._fail(err);
        this._deliver('snapshot', 'onSnapshot', info);
      } else {
        s.snapshots.push(snapshotPath + '.gz');
        this._deliver('snapshot', 'onSnapshot', { ...info, path: snapshotPath + '.gz', bytes, uncompressedBytes: info.bytes });
      }
      finish();
    });
  }

  /**
   * 'auto': Node's near-heap-limit snapshot is written when the old generation is
   * full. Under a cgroup limit that cannot also hold a (worst-case) snapshot of a
   * full heap, the process is OOM-killed during that write, leaving a 0-byte
   * file, so it is not armed there.
   */
  _lastResortUseful() {
    const s = this[kState];
    if (s.opts.lastResort === true) return true;
    const mem = memoryFigures();
    if (mem.source !== 'cgroup-v1' && mem.source !== 'cgroup-v2') return true;
    const full = oldGenerationLimit(v8.getHeapStatistics().heap_size_limit);
    const cost = estimateCost(full);
    const needed = full + cost.neededBytes + cost.fileBytes;
    const useful = mem.limitBytes - (mem.usedBytes - process.memoryUsage().heapUsed) >= needed;
    debug('last-resort snapshot %s: cgroup limit %d, full heap %d needs %d', useful ? 'armed' : 'not armed', mem.limitBytes, full, needed);
    return useful;
  }

  _arm() {
    const s = this[kState];
    if (s.opts.sampleHeap) {
      s.sampling = sampler.acquire(s.opts.samplingIntervalBytes);
    }
    try {
      const obs = new PerformanceObserver((list) => {
        let major = false;
        for (const e of list.getEntries()) {
          const kind = e.detail && e.detail.kind !== undefined ? e.detail.kind : e.kind;
          if (kind === GC_MAJOR) major = true;
        }
        if (major) this._check(true);
      });
      obs.observe({ entryTypes: ['gc'] });
      s.observer = obs;
    } catch (e) {
      debug('gc observer unavailable: %s', e && e.message);
    }
    s.timer = setInterval(() => this._check(false), s.opts.intervalMs);
    s.timer.unref();
    // First look right away: in a small container the first snapshot may be due now.
    setTimeout(() => this._check(false), 0).unref();
    if (s.opts.lastResort && !lastResortArmed && typeof v8.setHeapSnapshotNearHeapLimit === 'function' && this._lastResortUseful()) {
      try {
        v8.setHeapSnapshotNearHeapLimit(1);
        lastResortArmed = true;
      } catch (e) {
        debug('setHeapSnapshotNearHeapLimit failed: %s', e && e.message);
      }
    }
    // Report an unusable directory once listeners can be attached.
    process.nextTick(() => {
      if (!s.armed) return;
      try {
        files.ensureDir(s.dir);
      } catch (e) {
        this._fail(e);
      }
    });
  }
}

/**
 * Arms proactive heap snapshots near the memory limit. See lib/near-limit.d.ts.
 */
function snapshotNearLimit(options) {
  const opts = normalizeOptions(options);
  const handle = new NearLimitHandle(opts);
  handle._arm();
  rememberHandle(handle);
  return handle;
}

// Handles armed in this thread, held weakly (at most 16), so that reports can list
// the files they wrote (nearLimitFiles()).
const handleRefs = new Set();
function rememberHandle(handle) {
  for (const ref of handleRefs) if (!ref.deref()) handleRefs.delete(ref);
  if (handleRefs.size >= 16) handleRefs.delete(handleRefs.values().next().value);
  handleRefs.add(new WeakRef(handle));
}

/**
 * The files written by this thread's snapshotNearLimit() handles (heap snapshots and
 * evidence files for skipped snapshots), oldest first, at most 64, each summarised
 * from its JSON sidecar: `{ kind: 'heapsnapshot' | 'skipped', path, sidecarPath,
 * time (ISO), reason, bytes | null, heapUsed | null (bytes), heapSizeLimit | null,
 * skipReason | null, message | null }`.
 */
function nearLimitFiles() {
  const out = [];
  for (const ref of handleRefs) {
    const h = ref.deref();
    if (!h) continue;
    for (const p of h.snapshots) out.push(['heapsnapshot', p, sidecarPathFor(p.endsWith('.gz') ? p.slice(0, -3) : p)]);
    for (const p of h.skipped) out.push(['skipped', null, p]);
  }
  return out.slice(-64).map(([kind, p, sidecar]) => {
    let rec = null;
    try {
      rec = JSON.parse(fs.readFileSync(sidecar, 'utf8'));
    } catch (e) {
      debug('near-limit sidecar %s unreadable: %s', sidecar, e && e.message);
    }
    const r = rec || {};
    return {
      kind,
      path: p || sidecar,
      sidecarPath: sidecar,
      time: typeof r.time === 'string' ? r.time : null,
      reason: typeof r.reason === 'string' ? r.reason : null,
      bytes: kind === 'heapsnapshot' && r.write && typeof r.write.bytes === 'number' ? r.write.bytes : null,
      heapUsed: r.heap && typeof r.heap.usedHeapSize === 'number' ? r.heap.usedHeapSize : null,
      heapSizeLimit: r.heap && typeof r.heap.heapSizeLimit === 'number' ? r.heap.heapSizeLimit : null,
      skipReason: r.skipped && typeof r.skipped.reason === 'string' ? r.skipped.reason : null,
      message: r.skipped && typeof r.skipped.message === 'string' ? r.skipped.message : null,
    };
  }).sort((a, b) => String(a.time).localeCompare(String(b.time)));
}

/**
 * Writes a heap snapshot now (synchronously), with the same file and memory
 * safety rules as snapshotNearLimit(). Returns the path. When a snapshot is not
 * affordable, writes the evidence file instead and throws an Error with code
 * LEAKGUARD_SNAPSHOT_SKIPPED (`err.reason`, `err.artifactPath`).
 */
function writeSnapshot(target) {
  let finalPath;
  const date = new Date();
  if (target === undefined) {
    finalPath = path.join(process.cwd(), baseName(date, ++sequence) + '.heapsnapshot');
  } else {
    if (typeof target !== 'string') {
      const err = new TypeError(`leakguard.writeSnapshot: path must be a string, got ${target === null ? 'null' : typeof target}`);
      err.code = 'LEAKGUARD_INVALID_OPTION';
      throw err;
    }
    if (target.length === 0 || target.length > 4096 || target.includes('\0') || target.endsWith('/') || target.endsWith('.gz')) {
      const err = new RangeError(`leakguard.writeSnapshot: path must name an uncompressed file (at most 4096 characters), got ${JSON.stringify(target.length > 80 ? `${target.slice(0, 80)}…` : target)}`);
      err.code = 'LEAKGUARD_INVALID_OPTION';
      throw err;
    }
    finalPath = path.resolve(target);
  }
  const dir = files.ensureDir(path.dirname(finalPath));
  finalPath = path.join(dir, path.basename(finalPath));
  const heap = heapFigures();
  const a = assess(dir, heap.usedHeapSize);
  const sidecarPath = sidecarPathFor(finalPath);
  if (!a.ok) {
    const artifactPath = writeSkippedArtifact(sidecarPath, date, 'manual', heap, a);
    const err = files.leakguardError('LEAKGUARD_SNAPSHOT_SKIPPED',
      `leakguard: heap snapshot skipped (${a.skipReason}): needs about ${a.memNeeded} bytes of memory, ${a.mem.availableBytes} available; evidence written to ${artifactPath}`);
    err.reason = a.skipReason;
    err.artifactPath = artifactPath;
    throw err;
  }
  const result = writeSnapshotFile(finalPath);
  calibrate(heap.usedHeapSize, result);
  const record = commonRecord(date, 'manual', heap, a, {
    kind: 'heapsnapshot',
    snapshot: path.basename(finalPath),
    write: { durationMs: result.durationMs, bytes: result.bytes, nodeCount: result.nodeCount, edgeCount: result.edgeCount, rssBeforeBytes: result.rssBefore, peakRssDuringWriteBytes: result.peakRssDuringWrite },
  });
  try {
    files.writeFileAtomic(sidecarPath, JSON.stringify(record, null, 1));
  } catch (e) {
    debug('sidecar for %s failed: %s', finalPath, e.message);
  }
  return finalPath;
}

module.exports = { snapshotNearLimit, writeSnapshot, memoryLimits, NearLimitHandle, nearLimitFiles };
