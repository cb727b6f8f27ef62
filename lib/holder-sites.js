'use strict';
// From "what holds the growth" to "the line that adds to it".
//
// V8's sampling heap profiler names the allocating *function* (and only the outermost
// one once TurboFan has inlined helpers), so a heap finding's sites are function-level.
// The heap diagnosis' retainer paths name the collection that holds the new objects:
//   … → {context} (system / Context) → ->cache (Map) → {table} (array) → {…} (Object)
// Here the holder (`cache`, a Map) is taken from those paths and the app files the
// finding's sites point at are scanned (natively, comments and strings skipped) for
// the calls that grow it (`cache.set(`), giving sites such as
//   cache.set() (examples/leaky-server.js:45:41)
const fs = require('node:fs');
const path = require('node:path');
const native = require('./native');
const { guard } = require('./debug');
const { isOwn, displayPath } = require('./sites');

// A named step of a retainer path: `name (Type)` or a context variable `->name (Type)`,
// possibly repeated (`×N` from compactPath).
const NAMED_STEP = /^(?:->)?([A-Za-z_$][\w$]*) \(([^()]+)\)(?: ×\d+)?$/;
// Steps into a collection's storage: a Map/Set's hash table, array elements,
// out-of-object properties.
const STORAGE_STEP = /^(?:\{table\}|\{elements\}|\{properties\}|\[\d+\]) /;
const COLLECTIONS = new Set(['Map', 'Set', 'Array', 'Object']);
const MAX_FILES = 8;
const MAX_FILE_BYTES = 8 * 1024 * 1024;
const MAX_HOLDERS = 4;
const OWNER_SHARE = 0.1;

/**
 * The collection a retainer path runs through just before entering its storage, e.g.
 * `{ name: 'cache', type: 'Map' }` for `… → ->cache (Map) → {table} (array) → …`, or
 * null when the path has no such step. With `endsAtHolder` (the path of a growth
 * owner, which may be the collection itself), a named collection as the last step
 * counts too: `… → ->cache (Map)`.
 */
function holderOf(retainerPath, endsAtHolder = false) {
  if (typeof retainerPath !== 'string') return null;
  const steps = retainerPath.split(' → ');
  let found = null;
  for (let i = 0; i < steps.length; i++) {
    const m = NAMED_STEP.exec(steps[i]);
    if (!m || !COLLECTIONS.has(m[2])) continue;
    if (i + 1 < steps.length ? STORAGE_STEP.test(steps[i + 1]) : endsAtHolder) found = { name: m[1], type: m[2] };
  }
  return found;
}

/**
 * Holders of a diagnosis' growth, largest first: `[{ name, type, sizeDelta }]`, from
 * its owners (the existing objects the new ones accumulated under, the surest sign)
 * and its growing classes' representative paths, summed per holder.
 */
function holdersOf(diagnosis) {
  const byName = new Map();
  const add = (h, bytes) => {
    if (!h || !(bytes > 0)) return;
    const key = `${h.name} (${h.type})`;
    const prev = byName.get(key);
    if (prev) prev.sizeDelta += bytes;
    else byName.set(key, { ...h, sizeDelta: bytes });
  };
  // Owners count what was added under them, not what left: a bounded cache that churns
  // (an LRU Map replacing entries) owns its replacements too. Next to the owners that
  // grow, such churn is small, so owners under a tenth of the largest are left out.
  const owners = (diagnosis && diagnosis.owners) || [];
  const top = owners.reduce((m, o) => Math.max(m, o.addedSize || 0), 0);
  for (const o of owners) if (o.addedSize >= OWNER_SHARE * top) add(holderOf(o.retainerPath, true), o.addedSize);
  for (const c of (diagnosis && diagnosis.classes) || []) add(holderOf(c.retainerPath), c.sizeDelta);
  return [...byName.values()].sort((a, b) => b.sizeDelta - a.sizeDelta).slice(0, MAX_HOLDERS);
}

const FILE_IN_STACK = /\(([^()]+?):(\d+):(\d+)\)|^([^\s()]+?):(\d+):(\d+)/;

/** App files named by `sites` (`[{ stack }]`), as absolute paths, at most MAX_FILES. */
function filesOf(sites) {
  const files = [];
  for (const s of sites || []) {
    const m = FILE_IN_STACK.exec(s.stack || '');
    if (!m) continue;
    const shown = m[1] || m[4];
    const file = path.resolve(process.cwd(), shown);
    if (isOwn(file) || files.includes(file)) continue;
    files.push(file);
    if (files.length >= MAX_FILES) break;
  }
  return files;
}

function readSource(file) {
  try {
    const st = fs.statSync(file);
    if (!st.isFile() || st.size > MAX_FILE_BYTES) return null;
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null; // moved, deleted or unreadable since it ran: nothing to scan
  }
}

/**
 * Sites of the calls that grow the diagnosis' holders, in the app files the finding's
 * sites point at: `[{ stack: 'cache.set() (file:line:col)', count: bytes the holder
 * grew by between the two snapshots, holder: 'cache (Map)' }]`. Never throws: an
 * unreadable file is skipped.
 */
function holderSites(diagnosis, sites) {
  const holders = holdersOf(diagnosis);
  if (!holders.length) return [];
  const files = filesOf(sites);
  const out = [];
  for (const file of files) {
    const src = readSource(file);
    if (!src) continue;
    const shown = displayPath(file);
    for (const h of holders) {
      const found = guard('scanning for mutation sites', () => native.findMutationSites(src, h.name, h.type)) || [];
      for (const s of found) {
        out.push({ stack: `${s.call} (${shown}:${s.line}:${s.column})`, count: h.sizeDelta, holder: `${h.name} (${h.type})` });
      }
    }
  }
  return out;
}

module.exports = { holderOf, holdersOf, holderSites, filesOf };
