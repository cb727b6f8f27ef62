'use strict';
// Tables for `leakguard analyze` and `leakguard diff` (stdout).
const path = require('node:path');

function bytes(n) {
  const sign = n < 0 ? '-' : '';
  let v = Math.abs(n);
  if (v < 1024) return `${sign}${v} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let i = -1;
  do {
    v /= 1024;
    i += 1;
  } while (v >= 1024 && i < units.length - 1);
  return `${sign}${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

function signed(n, fmt) {
  return (n > 0 ? '+' : '') + fmt(n);
}

function num(n) {
  return n.toLocaleString('en-US');
}

function table(headers, rows, alignLeft) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const fmt = (r) =>
    r.map((c, i) => (alignLeft.includes(i) ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ').trimEnd();
  return [fmt(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

function truncate(s, n) {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function dist(d) {
  if (d < 0) return '-';
  if (d >= 100000000) return `sys+${d - 100000000}`;
  return String(d);
}

function printAnalysis(file, r) {
  const s = r.statistics;
  const out = [];
  out.push(`Heap snapshot ${path.basename(file)}: ${num(s.nodeCount)} nodes, ${num(s.edgeCount)} edges, ${r.classCount} classes, total ${bytes(s.total)}`);
  out.push(
    `  V8 heap ${bytes(s.v8heap)} | native ${bytes(s.native)} | code ${bytes(s.code)} | strings ${bytes(s.strings)} | JS arrays ${bytes(s.jsArrays)} | system ${bytes(s.system)}`,
  );
  out.push('');
  out.push(
    table(
      ['Class', 'Count', 'Distance', 'Self size', 'Retained size', 'Max retained'],
      r.aggregates.map((a) => [truncate(a.name, 48), num(a.count), dist(a.distance), bytes(a.self), bytes(a.retained), bytes(a.maxRetained)]),
      [0],
    ),
  );
  if (r.largest.length) {
    out.push('');
    out.push('Largest objects (retained size, retainer path):');
    r.largest.forEach((n, i) => {
      out.push(`${String(i + 1).padStart(3)}. ${n.className} @${n.id}  ${bytes(n.retainedSize)}`);
      if (n.retainerPath) out.push(`     ${n.retainerPath}`);
    });
  }
  out.push('');
  out.push(`Analysed in ${(r.totalMs / 1000).toFixed(2)} s (${r.timings.map((t) => `${t.stage} ${(t.ms / 1000).toFixed(2)} s`).join(', ')})`);
  process.stdout.write(`${out.join('\n')}\n`);
}

function printDiff(before, after, r) {
  const out = [];
  out.push(`Heap snapshot diff ${path.basename(before)} → ${path.basename(after)}`);
  out.push(
    `  nodes ${num(r.before.nodeCount)} → ${num(r.after.nodeCount)}, total ${bytes(r.before.total)} → ${bytes(r.after.total)}; ` +
      `${num(r.totals.addedCount)} new, ${num(r.totals.removedCount)} deleted objects, size delta ${signed(r.totals.sizeDelta, bytes)}`,
  );
  out.push('');
  out.push(
    table(
      ['Class', '# New', '# Deleted', '# Delta', 'Alloc. size', 'Freed size', 'Size delta'],
      r.classes.map((c) => [
        truncate(c.name, 48),
        num(c.addedCount),
        num(c.removedCount),
        signed(c.countDelta, num),
        bytes(c.addedSize),
        bytes(c.removedSize),
        signed(c.sizeDelta, bytes),
      ]),
      [0],
    ),
  );
  if (r.changedClassCount > r.classes.length) out.push(`  … ${r.changedClassCount - r.classes.length} more changed classes (use --top 0 for all)`);
  const reps = r.classes.filter((c) => c.representative);
  if (reps.length) {
    out.push('');
    out.push('Retainer paths of the largest new instance of the top growing classes:');
    for (const c of reps) {
      const n = c.representative;
      out.push(`  ${c.name} (${signed(c.countDelta, num)}, ${signed(c.sizeDelta, bytes)}): @${n.id} retains ${bytes(n.retainedSize)}`);
      out.push(`    ${n.retainerPath || '(unreachable)'}`);
    }
  }
  const owners = r.owners || [];
  if (owners.length) {
    out.push('');
    out.push('Where the new objects accumulated (existing objects holding them):');
    for (const o of owners) {
      out.push(`  ${o.node.className} @${o.node.id}: holds ${num(o.addedCount)} new objects, ${bytes(o.addedSize)}`);
      out.push(`    ${o.node.retainerPath || '(unreachable)'}`);
    }
  }
  out.push('');
  out.push(`Compared in ${(r.totalMs / 1000).toFixed(2)} s (${r.timings.map((t) => `${t.stage} ${(t.ms / 1000).toFixed(2)} s`).join(', ')})`);
  process.stdout.write(`${out.join('\n')}\n`);
}

module.exports = { printAnalysis, printDiff };
