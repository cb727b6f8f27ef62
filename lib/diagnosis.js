'use strict';
// Heap diagnosis: two heap snapshots a few seconds apart, diffed in Rust off the JS
// thread (diffSnapshots), name the classes that grew between them and the shortest
// retainer path of a representative new instance, e.g.
//   (GC roots) → … → (system / Context) → cache (Map) → {table} (array) → {27665} (Object)
// Writing a snapshot blocks the thread for about a second per 100 MB of heap and needs
// memory of its own, so this runs only on demand (`diagnoseHeap()`) or, with
// `start({ heapDiagnosis: true })`, once when a heap finding opens.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const v8 = require('node:v8');
const { diffSnapshots } = require('./analysis');
const { typeError, rangeError } = require('./errors');

// Two snapshots need room: no diagnosis above this share of heap_size_limit.
const MAX_HEAP_SHARE = 0.4;

function validate(options) {
  if (options === undefined) return { delayMs: 5000, top: 5 };
  if (options === null || typeof options !== 'object') {
    throw typeError('LEAKGUARD_INVALID_ARG', `diagnoseHeap(options): options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  for (const k of Object.keys(options)) {
    if (k !== 'delayMs' && k !== 'top') throw typeError('LEAKGUARD_UNKNOWN_OPTION', `diagnoseHeap(options): unknown option "${k}" (expected delayMs, top)`);
  }
  const out = { delayMs: 5000, top: 5 };
  for (const [k, min, max] of [['delayMs', 0, 600000], ['top', 1, 100]]) {
    const v = options[k];
    if (v === undefined) continue;
    if (typeof v !== 'number') throw typeError('LEAKGUARD_INVALID_ARG', `diagnoseHeap(options): options.${k} must be a number, got ${typeof v}`);
    if (!Number.isFinite(v) || v < min || v > max) throw rangeError('LEAKGUARD_INVALID_ARG', `diagnoseHeap(options): options.${k} must be between ${min} and ${max}, got ${v}`);
    out[k] = v;
  }
  return out;
}

const MAX_PATH_STEPS = 12;
// A representative reached through leakguard's own bookkeeping (a site table's key, say)
// says nothing about the app: its path is not shown.
const OWN_CLASSES = /\((SiteTable|Monitor|NativeDetector|BufferSites|HeapSites|AgeTracker|MemorySampler)\)/;

/**
 * Shortens a retainer path for reading: runs of one repeated step (a linked list such
 * as Node's timer list: `_idleNext (Timeout)` × 500) become `step ×N`, and a path still
 * longer than MAX_PATH_STEPS keeps its first 3 and last 8 steps around `…`.
 */
function compactPath(p) {
  if (!p) return p;
  const steps = p.split(' → ');
  const out = [];
  for (let i = 0; i < steps.length; ) {
    let j = i + 1;
    while (j < steps.length && steps[j] === steps[i]) j++;
    out.push(j - i > 1 ? `${steps[i]} ×${j - i}` : steps[i]);
    i = j;
  }
  if (out.length > MAX_PATH_STEPS) out.splice(3, out.length - 11, '…');
  return out.join(' → ');
}

// leakguard's own modules, as they appear in retainer paths (`/…/lib/emitters.js (Module)`).
const OWN_LIB = path.join(__dirname, path.sep);

function ownPath(c) {
  return Boolean(c.representative && c.representative.retainerPath && OWN_CLASSES.test(c.representative.retainerPath));
}

function writeSnapshotTo(dir, name) {
  const file = path.join(dir, name);
  const t0 = process.hrtime.bigint();
  v8.writeHeapSnapshot(file);
  fs.chmodSync(file, 0o600);
  return { file, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}

/**
 * Takes two heap snapshots `delayMs` apart and diffs them off-thread. Resolves to
 * `{ classes: [{ name, addedCount, removedCount, countDelta, addedSize, sizeDelta,
 * retainerPath }], owners: [{ name, addedCount, addedSize, retainerPath }],
 * snapshotMs: [a, b], analysisMs }` (bytes, ms; `owners` are the existing objects the
 * new ones accumulated under, e.g. a growing Map, largest first), or
 * `{ skipped: reason }` when the heap is too close to heap_size_limit for two
 * snapshots. The snapshots live in a private temporary directory (0700, files 0600)
 * that is removed afterwards.
 */
async function diagnoseHeap(options) {
  const { delayMs, top } = validate(options);
  const hs = v8.getHeapStatistics();
  if (hs.used_heap_size > MAX_HEAP_SHARE * hs.heap_size_limit) {
    return { skipped: `heap used (${hs.used_heap_size} bytes) is above ${MAX_HEAP_SHARE * 100}% of heap_size_limit (${hs.heap_size_limit} bytes): no room for two snapshots` };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-diagnosis-'));
  try {
    const a = writeSnapshotTo(dir, 'before.heapsnapshot');
    await new Promise((resolve) => {
      const t = setTimeout(resolve, delayMs);
      if (t && typeof t.unref === 'function') t.unref();
    });
    const b = writeSnapshotTo(dir, 'after.heapsnapshot');
    const t0 = process.hrtime.bigint();
    const diff = await diffSnapshots(a.file, b.file, { top, paths: top });
    return {
      classes: diff.classes
        .filter((c) => c.sizeDelta > 0 && c.addedCount > 0)
        .map((c) => ({
          name: c.name,
          addedCount: c.addedCount,
          removedCount: c.removedCount,
          countDelta: c.countDelta,
          addedSize: c.addedSize,
          sizeDelta: c.sizeDelta,
          retainerPath: ownPath(c) ? null : compactPath((c.representative && c.representative.retainerPath) || null),
        })),
      // Where the growth is held: existing objects the new ones accumulated under.
      owners: (diff.owners || [])
        .filter((o) => o.node.retainerPath && !OWN_CLASSES.test(o.node.retainerPath) && !o.node.retainerPath.includes(OWN_LIB))
        .map((o) => ({ name: o.node.className, addedCount: o.addedCount, addedSize: o.addedSize, retainerPath: compactPath(o.node.retainerPath) })),
      snapshotMs: [a.ms, b.ms],
      analysisMs: Number(process.hrtime.bigint() - t0) / 1e6,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { diagnoseHeap, compactPath };
