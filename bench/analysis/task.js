'use strict';
// One measured run in a fresh process (so that peak RSS belongs to one tool):
//   node task.js IMPL MODE FILE [FILE2]
// IMPL: leakguard | memlab | vscode. MODE: full (parse + dominators + retained
// sizes + per-class aggregates) | diff (FILE = before, FILE2 = after).
// Prints one line `RESULT {json}` with parseMs, totalMs, maxRssMB and a `check`
// summary used by run.js to verify that the tools agree before comparing times.
const fs = require('node:fs');
const path = require('node:path');

const [impl, mode, file, file2] = process.argv.slice(2);

function done(parseMs, totalMs, check) {
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`\nRESULT ${JSON.stringify({ impl, mode, parseMs, totalMs, maxRssMB, check })}\n`);
}

/** DevTools' class name rule, shared by the memlab and vscode adapters. */
function className(type, name) {
  if (type === 'object' || type === 'native') return name;
  if (type === 'hidden') return '(system)';
  if (type === 'code') return '(compiled code)';
  return `(${type})`;
}

async function leakguard() {
  const analysis = require(path.join(__dirname, '..', '..', 'lib', 'analysis.js'));
  if (mode === 'full') {
    const t = performance.now();
    const r = analysis.analyzeSnapshotSync(file, { top: 0, largest: 0 });
    const total = performance.now() - t;
    const parse = r.timings.find((x) => x.stage === 'parse').ms;
    const top = r.aggregates.slice(0, 5).map((a) => [a.name, a.count, a.self]);
    done(parse, total, { nodes: r.statistics.nodeCount, total: r.statistics.total, top });
  } else {
    const t = performance.now();
    const d = analysis.diffSnapshotsSync(file, file2, { top: 0, paths: 5 });
    const total = performance.now() - t;
    const parse = d.timings.filter((x) => x.stage.startsWith('parse')).reduce((s, x) => s + x.ms, 0);
    const grow = d.classes.slice(0, 5).map((c) => [c.name, c.addedCount, c.removedCount]);
    done(parse, total, { grow });
  }
}

async function memlab() {
  const { utils, TraceFinder } = require('@memlab/core');
  const load = (f) => utils.getSnapshotFromFile(f, { buildNodeIdIndex: true });
  if (mode === 'full') {
    const t = performance.now();
    const snap = await load(file);
    const parse = performance.now() - t;
    new TraceFinder().calculateAllNodesRetainedSizes(snap);
    const classes = new Map();
    let totalSize = 0;
    snap.nodes.forEach((n) => {
      totalSize += n.self_size;
      if (!n.self_size && n.type !== 'native') return;
      const k = className(n.type, n.name);
      const a = classes.get(k) || { count: 0, self: 0, maxRet: 0 };
      a.count += 1;
      a.self += n.self_size;
      a.maxRet = Math.max(a.maxRet, n.retainedSize);
      classes.set(k, a);
    });
    const total = performance.now() - t;
    const top = [...classes.entries()].sort((x, y) => y[1].maxRet - x[1].maxRet).slice(0, 5).map(([k, a]) => [k, a.count, a.self]);
    done(parse, total, { nodes: snap.nodes.length, total: totalSize, top });
  } else {
    const t = performance.now();
    const before = await load(file);
    const ids = new Map();
    before.nodes.forEach((n) => {
      if (n.self_size || n.type === 'native') ids.set(n.id, className(n.type, n.name));
    });
    const t1 = performance.now();
    const after = await load(file2);
    const parse = t1 - t + (performance.now() - t1);
    const diff = new Map();
    const get = (k) => diff.get(k) || (diff.set(k, { added: 0, removed: 0, addedSize: 0 }), diff.get(k));
    after.nodes.forEach((n) => {
      if (!n.self_size && n.type !== 'native') return;
      const k = className(n.type, n.name);
      if (ids.get(n.id) === k) ids.delete(n.id);
      else {
        const d = get(k);
        d.added += 1;
        d.addedSize += n.self_size;
      }
    });
    for (const k of ids.values()) get(k).removed += 1;
    const total = performance.now() - t;
    const grow = [...diff.entries()].sort((x, y) => y[1].addedSize - x[1].addedSize).slice(0, 5).map(([k, d]) => [k, d.added, d.removed]);
    done(parse, total, { grow });
  }
}

async function vscode() {
  const parser = require('@vscode/v8-heap-parser');
  if (mode !== 'full') throw new Error('vscode: no diff API');
  const t = performance.now();
  const graph = parser.decode_bytes(fs.readFileSync(file));
  const parse = performance.now() - t;
  const groups = graph.get_class_groups(0, 1e9, false);
  const total = performance.now() - t;
  const top = groups.slice(0, 5).map((g) => [g.name(), Number(g.children_len), Number(g.self_size)]);
  done(parse, total, { groups: groups.length, top });
}

({ leakguard, memlab, vscode })[impl]().catch((err) => {
  process.stdout.write(`\nRESULT ${JSON.stringify({ impl, mode, error: String(err && err.message ? err.message : err) })}\n`);
  process.exitCode = 1;
});
