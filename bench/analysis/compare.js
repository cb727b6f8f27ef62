'use strict';
// Correctness check against the peers (not run in CI): per-class retained sizes
// of leakguard vs memlab (@memlab/core) and @vscode/v8-heap-parser on one file.
//   cd bench/analysis && node --max-old-space-size=16384 compare.js FILE [--top 15]
// memlab has no class view: its class retained size is computed here from its
// per-node retained sizes and dominators with DevTools' rule (an instance counts
// unless a dominator-tree ancestor is a counted instance of the same class).
const path = require('node:path');
const fs = require('node:fs');
const { parseArgs } = require('node:util');

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '15' } } });
const file = positionals[0];
if (!file) {
  process.stderr.write('usage: compare.js FILE [--top N]\n');
  process.exit(2);
}

function className(type, name) {
  if (type === 'object' || type === 'native') return name;
  if (type === 'hidden') return '(system)';
  if (type === 'code') return '(compiled code)';
  return `(${type})`;
}

async function memlabClasses() {
  const { utils, TraceFinder } = require('@memlab/core');
  const snap = await utils.getSnapshotFromFile(file, { buildNodeIdIndex: true });
  new TraceFinder().calculateAllNodesRetainedSizes(snap);
  const out = new Map();
  snap.nodes.forEach((n) => {
    const counted = n.self_size > 0;
    const k = className(n.type, n.name);
    if (!counted && n.type !== 'native') return;
    const a = out.get(k) || { count: 0, self: 0, retained: 0, maxRetained: 0 };
    a.count += 1;
    a.self += n.self_size;
    a.maxRetained = Math.max(a.maxRetained, n.retainedSize);
    if (counted) {
      let nested = false;
      for (let d = n.dominatorNode, guard = 0; d && d.id !== n.id && guard < 100000; d = d.dominatorNode, guard++) {
        if (d.self_size > 0 && className(d.type, d.name) === k) {
          nested = true;
          break;
        }
        if (d.dominatorNode && d.dominatorNode.id === d.id) break; // the root
      }
      if (!nested) a.retained += n.retainedSize;
    }
    out.set(k, a);
  });
  return out;
}

function vscodeClasses() {
  const parser = require('@vscode/v8-heap-parser');
  const graph = parser.decode_bytes(fs.readFileSync(file));
  const out = new Map();
  for (const g of graph.get_class_groups(0, 1e9, false)) {
    out.set(g.name(), { count: Number(g.children_len), self: Number(g.self_size), retained: Number(g.retained_size) });
  }
  return out;
}

function pct(a, b) {
  if (a === b) return '0';
  if (!b) return '∞';
  return `${(((a - b) / b) * 100).toFixed(2)}%`;
}

(async () => {
  const analysis = require(path.join(__dirname, '..', '..', 'lib', 'analysis.js'));
  const lg = analysis.analyzeSnapshotSync(file, { top: 0, largest: 0 });
  const mine = new Map(lg.aggregates.map((a) => [a.name, a]));
  const peers = { memlab: await memlabClasses(), vscode: vscodeClasses() };
  const top = Number(values.top);
  const lines = [];
  lines.push(`Per-class retained sizes on ${path.basename(file)} (${(fs.statSync(file).size / 1e6).toFixed(0)} MB), ${mine.size} classes`);
  lines.push('');
  for (const [peer, theirs] of Object.entries(peers)) {
    let same = 0;
    let within1 = 0;
    let both = 0;
    let countSame = 0;
    for (const [k, a] of mine) {
      const b = theirs.get(k);
      if (!b) continue;
      both += 1;
      if (b.retained === a.retained) same += 1;
      if (Math.abs(b.retained - a.retained) <= 0.01 * Math.max(a.retained, 1)) within1 += 1;
      if (b.count === a.count && b.self === a.self) countSame += 1;
    }
    lines.push(`${peer}: ${both} common classes; count and self size equal for ${countSame}; class retained size equal for ${same}, within 1% for ${within1}`);
  }
  lines.push('');
  lines.push('| class | leakguard retained | memlab retained | Δ memlab | vscode retained | Δ vscode |');
  lines.push('|---|---:|---:|---:|---:|---:|');
  for (const a of lg.aggregates.slice(0, top)) {
    const m = peers.memlab.get(a.name);
    const v = peers.vscode.get(a.name);
    lines.push(
      `| ${a.name} | ${a.retained} | ${m ? m.retained : '–'} | ${m ? pct(m.retained, a.retained) : '–'} | ${v ? v.retained : '–'} | ${v ? pct(v.retained, a.retained) : '–'} |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
})();
