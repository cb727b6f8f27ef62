#!/usr/bin/env node
'use strict';
// leakguard CLI: analyse or diff V8 heap snapshots.
//   leakguard analyze FILE [--top N] [--largest N] [--json] [--quiet]
//   leakguard diff BEFORE AFTER [--top N] [--paths N] [--json] [--quiet]
// Progress goes to stderr, the result (table or JSON) to stdout.
const { parseArgs } = require('node:util');
const path = require('node:path');

const USAGE = `Usage:
  leakguard analyze FILE [--top N] [--largest N] [--json] [--quiet]
  leakguard diff BEFORE AFTER [--top N] [--paths N] [--json] [--quiet]

FILE, BEFORE, AFTER: .heapsnapshot files (gzip accepted), e.g. from v8.writeHeapSnapshot().
  --top N       classes to list (default 20, 0 = all)
  --largest N   analyze: largest objects to list with retainer paths (default 10)
  --paths N     diff: growing classes to show a retainer path for (default 5)
  --json        print the full result as JSON
  --quiet       no progress on stderr`;

const STAGE_LABELS = {
  parse: 'parse',
  distances: 'distances',
  dominators: 'dominators',
  retainedSizes: 'retained sizes',
  aggregates: 'aggregates',
  diff: 'diff',
  retainerPaths: 'retainer paths',
};

function fail(msg, code) {
  process.stderr.write(`leakguard: ${msg}\n`);
  process.exit(code);
}

function intOption(values, key, def) {
  if (values[key] === undefined) return def;
  const n = Number(values[key]);
  if (!Number.isInteger(n) || n < 0) fail(`--${key} must be a non-negative integer (got ${values[key]})\n\n${USAGE}`, 2);
  return n;
}

/** Per-stage progress on stderr: a redrawn bar on a TTY, one line per finished stage otherwise. */
function makeProgress(quiet) {
  if (quiet) return undefined;
  const tty = Boolean(process.stderr.isTTY);
  let current = null;
  let started = 0;
  let parseCount = 0;
  const width = 30;
  const finish = () => {
    if (current === null) return;
    const secs = ((Date.now() - started) / 1000).toFixed(2);
    const line = `${current.padEnd(16)} done in ${secs} s`;
    process.stderr.write(tty ? `\r${line.padEnd(width + 30)}\n` : `leakguard: ${line}\n`);
    current = null;
  };
  const cb = (stage, fraction) => {
    if (stage === 'parse' && fraction === 0) parseCount += 1;
    let label = STAGE_LABELS[stage] || stage;
    if (stage === 'parse' && parseCount > 1) label = `parse #${parseCount}`;
    if (current !== label) {
      finish();
      current = label;
      started = Date.now();
    }
    if (tty) {
      const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
      process.stderr.write(`\r${label.padEnd(16)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}%`);
    }
  };
  cb.finish = finish;
  return cb;
}

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
  out.push('');
  out.push(`Compared in ${(r.totalMs / 1000).toFixed(2)} s (${r.timings.map((t) => `${t.stage} ${(t.ms / 1000).toFixed(2)} s`).join(', ')})`);
  process.stdout.write(`${out.join('\n')}\n`);
}

function main(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        top: { type: 'string' },
        largest: { type: 'string' },
        paths: { type: 'string' },
        json: { type: 'boolean', default: false },
        quiet: { type: 'boolean', short: 'q', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    fail(`${err.message}\n\n${USAGE}`, 2);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const [cmd, ...files] = positionals;
  const analysis = require('../lib/analysis.js');
  const progress = makeProgress(values.quiet);
  try {
    if (cmd === 'analyze') {
      if (files.length !== 1) fail(`analyze takes one FILE\n\n${USAGE}`, 2);
      const r = analysis.analyzeSnapshotSync(files[0], {
        top: intOption(values, 'top', 20),
        largest: intOption(values, 'largest', 10),
        onProgress: progress,
      });
      if (progress) progress.finish();
      if (values.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      else printAnalysis(files[0], r);
    } else if (cmd === 'diff') {
      if (files.length !== 2) fail(`diff takes BEFORE and AFTER\n\n${USAGE}`, 2);
      const r = analysis.diffSnapshotsSync(files[0], files[1], {
        top: intOption(values, 'top', 20),
        paths: intOption(values, 'paths', 5),
        onProgress: progress,
      });
      if (progress) progress.finish();
      if (values.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      else printDiff(files[0], files[1], r);
    } else {
      fail(cmd ? `unknown command '${cmd}'\n\n${USAGE}` : USAGE, 2);
    }
  } catch (err) {
    if (progress && process.stderr.isTTY) process.stderr.write('\n');
    fail(err && err.message ? err.message : String(err), 1);
  }
}

// `leakguard analyze f | head`: a closed pipe ends the output quietly.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv.slice(2));
