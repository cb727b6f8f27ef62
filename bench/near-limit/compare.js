#!/usr/bin/env node
'use strict';
// Node's --heapsnapshot-near-heap-limit=1 vs leakguard.snapshotNearLimit() on the
// same leaking program (__tests__/fixtures/near-limit/leaker.js), with and
// without a memory cgroup cap. Prints a markdown table (docs/near-limit.md).
//
//   node bench/near-limit/compare.js [--runs 10] [--heap 64] [--cap-mb 200] [--shape small|chunky] [--json out.json]
//   node bench/near-limit/compare.js --from out.json     (re-render the table of a recorded run)
//
// The capped rows need a writable memory cgroup (cgroup v1 or v2, usually root);
// without one they are reported as unavailable. Each run's files go to a fresh
// temporary directory that is removed afterwards.
const fs = require('fs');
const path = require('path');
const h = require('../../__tests__/fixtures/near-limit/helpers');

const args = process.argv.slice(2);
const arg = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const RUNS = Number(arg('runs', 10));
const HEAP_MB = Number(arg('heap', 64));
const CAP_MB = Number(arg('cap-mb', 200));
const JSON_OUT = arg('json', null);
const SHAPE = arg('shape', 'small');
const FROM = arg('from', null);
const LEAKER = path.join(h.FIXTURES, 'leaker.js');

function readRss(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** One run of `mode` (with a cgroup cap if `cap`); the shell wrapper execs into node, so the pid is node's. */
async function oneRun(mode, cap, cgParent, runIndex) {
  const base = h.tempDir('bench');
  const dir = path.join(base, 'snaps');
  const cwd = path.join(base, 'cwd');
  fs.mkdirSync(cwd);
  const nodeArgs = [`--max-old-space-size=${HEAP_MB}`];
  let argv;
  if (mode === 'node-flag') argv = [process.execPath, ...nodeArgs, '--heapsnapshot-near-heap-limit=1', LEAKER, '{}', 'none'];
  else argv = [process.execPath, ...nodeArgs, LEAKER, JSON.stringify({ dir }), 'leakguard'];
  let group = null;
  if (cap) {
    group = h.makeCgroup(cgParent, `leakguard-bench-${process.pid}-${runIndex}-${mode}`, CAP_MB * 1024 * 1024);
    argv = h.inCgroup(group, argv);
  }
  const { spawn } = require('child_process');
  const t0 = Date.now();
  const child = spawn(argv[0], argv.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LEAK_SHAPE: SHAPE } });
  child.stdout.resume();
  child.stderr.resume();
  // Sample RSS every 5 ms; mark the samples taken while a snapshot is being written.
  let peakWriteRss = 0;
  let peakRss = 0;
  const poll = setInterval(() => {
    const rss = readRss(child.pid);
    if (rss === null) return;
    peakRss = Math.max(peakRss, rss);
    let writing = false;
    try {
      if (mode === 'node-flag') writing = fs.readdirSync(cwd).some((f) => f.endsWith('.heapsnapshot'));
      else writing = fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.endsWith('.tmp') && f.includes('.heapsnapshot'));
    } catch {
      /* racing with the child */
    }
    if (writing) peakWriteRss = Math.max(peakWriteRss, rss);
  }, 5);
  const { code, signal } = await new Promise((resolve) => child.on('close', (c, s) => resolve({ code: c, signal: s })));
  clearInterval(poll);
  const elapsedMs = Date.now() - t0;
  const maxUsage = group ? group.maxUsage() : null;
  if (group) group.remove();

  // Classify what was left. The tool's own output: Node's flag writes into the
  // cwd, leakguard into `dir` (Node's last-resort file, when leakguard armed it,
  // lands in the cwd and counts only towards broken files and `lastResort`).
  const list = (d) => (fs.existsSync(d) ? fs.readdirSync(d).map((f) => path.join(d, f)) : []);
  const files = mode === 'node-flag' ? list(cwd) : list(dir);
  const others = mode === 'node-flag' ? [] : list(cwd).filter((f) => f.endsWith('.heapsnapshot'));
  const snaps = files.filter((f) => /\.heapsnapshot$/.test(f));
  const complete = snaps.filter((f) => h.looksComplete(f));
  const empty = snaps.filter((f) => fs.statSync(f).size === 0);
  const partial = snaps.filter((f) => !complete.includes(f) && !empty.includes(f));
  const evidence = files.filter((f) => f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(f, 'utf8'))).filter((r) => r.kind === 'skipped');
  let outcome;
  if (complete.length) outcome = 'complete';
  else if (partial.length) outcome = 'partial';
  else if (empty.length) outcome = 'empty';
  else if (evidence.length) outcome = 'evidence';
  else outcome = 'none';
  const result = {
    mode,
    cap,
    outcome,
    complete: complete.length,
    partial: partial.length,
    empty: empty.length,
    evidence: evidence.length,
    brokenFiles: partial.length + empty.length + others.filter((f) => !h.looksComplete(f)).length,
    lastResort: others.length ? (others.every((f) => h.looksComplete(f)) ? 'complete' : 'broken') : null,
    elapsedMs,
    exit: signal || code,
    peakRssDuringWrite: peakWriteRss || null,
    peakRss,
    cgroupMaxUsage: maxUsage,
    snapshotBytes: complete.length ? Math.max(...complete.map((f) => fs.statSync(f).size)) : null,
  };
  fs.rmSync(base, { recursive: true, force: true });
  return result;
}

const median = (xs) => {
  const v = xs.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
  if (!v.length) return null;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
const range = (xs) => {
  const v = xs.filter((x) => x !== null && x !== undefined);
  return v.length ? [Math.min(...v), Math.max(...v)] : null;
};
const mb = (b) => (b === null ? '–' : `${(b / 1048576).toFixed(0)}`);

function table(results, cg, meta) {
  const lines = [];
  lines.push(`Leaking program: \`__tests__/fixtures/near-limit/leaker.js\` with LEAK_SHAPE=${meta.shape}, \`--max-old-space-size=${meta.heapMb}\`, cap ${meta.capMb} MB, ${meta.runs} runs per row, Node ${meta.node}, ${meta.cpus} CPUs.`);
  lines.push('');
  lines.push('| tool | memory cap | complete snapshot | evidence file (skipped reason) | partial / 0-byte file left | nothing usable | exit | time to death, s (median) | peak RSS during the write, MB (median [min–max]) | largest snapshot, MB (median) |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const c of CONFIGS) {
    const rs = results.filter((r) => r.mode === c.mode && r.cap === c.cap);
    const capLabel = c.cap ? `cgroup ${meta.cgroupVersion || ''} ${meta.capMb} MB` : 'none';
    const tool = c.mode === 'node-flag' ? '`--heapsnapshot-near-heap-limit=1`' : 'leakguard `snapshotNearLimit()`';
    if (!rs.length) {
      lines.push(`| ${tool} | ${capLabel} | unavailable: ${cg && cg.unavailable} | | | | | | | |`);
      continue;
    }
    const n = rs.length;
    const frac = (pred) => `${rs.filter(pred).length}/${n}`;
    const exits = [...new Set(rs.map((r) => String(r.exit)))].join(', ');
    const pw = range(rs.map((r) => r.peakRssDuringWrite));
    lines.push(`| ${tool} | ${capLabel} | ${frac((r) => r.complete > 0)} | ${frac((r) => r.evidence > 0)} | ${frac((r) => r.brokenFiles > 0)} | ${frac((r) => r.complete === 0 && r.evidence === 0)} | ${exits} | ${(median(rs.map((r) => r.elapsedMs)) / 1000).toFixed(1)} | ${mb(median(rs.map((r) => r.peakRssDuringWrite)))}${pw ? ` [${mb(pw[0])}–${mb(pw[1])}]` : ''} | ${mb(median(rs.map((r) => r.snapshotBytes)))} |`);
  }
  return lines.join('\n') + '\n';
}

const CONFIGS = [
  { mode: 'node-flag', cap: false },
  { mode: 'leakguard', cap: false },
  { mode: 'node-flag', cap: true },
  { mode: 'leakguard', cap: true },
];

async function main() {
  if (FROM) {
    const rec = JSON.parse(fs.readFileSync(FROM, 'utf8'));
    process.stdout.write(table(rec.results, null, rec.meta));
    return;
  }
  const cg = h.memoryCgroupParent();
  const results = [];
  // Alternate tools run by run so machine load affects both alike.
  for (let i = 0; i < RUNS; i++) {
    for (const c of CONFIGS) {
      if (c.cap && 'unavailable' in cg) continue;
      const r = await oneRun(c.mode, c.cap, cg, i);
      results.push(r);
      process.stderr.write(`${c.mode}${c.cap ? ` cap ${CAP_MB}MB` : ''} run ${i + 1}: ${r.outcome} (${r.exit}, ${r.elapsedMs} ms)\n`);
    }
  }
  const meta = { shape: SHAPE, heapMb: HEAP_MB, capMb: CAP_MB, runs: RUNS, node: process.version, cpus: require('os').cpus().length, cgroupVersion: cg.version || null };
  process.stdout.write(table(results, cg, meta));
  if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify({ meta, results }, null, 1));
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
