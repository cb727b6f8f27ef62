'use strict';
// Side-by-side benchmark of heap snapshot analysis: leakguard vs memlab vs
// @vscode/v8-heap-parser, alternating the order each round, one fresh process per
// measurement (so peak RSS is per tool). Prints a markdown table of medians and
// ratios to leakguard.
//
//   cd bench/analysis && PUPPETEER_SKIP_DOWNLOAD=1 npm install
//   nice node run.js [--rounds N] [--impls leakguard,vscode,memlab] full FILE...
//   nice node run.js [--rounds N] diff BEFORE AFTER
//
// Before timing, the first round's outputs are compared: same node count and total
// size, same top classes (name, count, shallow size). Disagreements are printed.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '3' },
    impls: { type: 'string', default: 'leakguard,vscode,memlab' },
    timeout: { type: 'string', default: '900' },
  },
});
const [mode, ...files] = positionals;
const rounds = Number(values.rounds);
let impls = values.impls.split(',');
if (!['full', 'diff'].includes(mode) || files.length === 0 || (mode === 'diff' && files.length !== 2)) {
  process.stderr.write('usage: run.js [--rounds N] [--impls a,b] full FILE... | diff BEFORE AFTER\n');
  process.exit(2);
}
if (mode === 'diff') impls = impls.filter((i) => i !== 'vscode'); // no diff API

function measure(impl, args) {
  const r = spawnSync(process.execPath, ['--max-old-space-size=16384', path.join(__dirname, 'task.js'), impl, mode, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    timeout: Number(values.timeout) * 1000,
  });
  const line = (r.stdout || '').split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) return { impl, error: `no result (status ${r.status}, signal ${r.signal}) ${(r.stderr || '').slice(-300)}` };
  return JSON.parse(line.slice(7));
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function spread(xs) {
  return xs.length > 1 ? `±${(((Math.max(...xs) - Math.min(...xs)) / 2 / median(xs)) * 100).toFixed(0)}%` : '';
}

function checkAgreement(results) {
  const ref = results.leakguard && results.leakguard[0] && results.leakguard[0].check;
  if (!ref) return [];
  const notes = [];
  for (const [impl, runs] of Object.entries(results)) {
    const c = runs[0] && runs[0].check;
    if (impl === 'leakguard' || !c) continue;
    if (c.nodes !== undefined && c.nodes !== ref.nodes) notes.push(`${impl}: node count ${c.nodes} vs ${ref.nodes}`);
    if (c.total !== undefined && c.total !== ref.total) notes.push(`${impl}: total size ${c.total} vs ${ref.total}`);
    const list = c.top || c.grow;
    const refList = ref.top || ref.grow;
    if (list && refList) {
      for (const row of list) {
        const mine = refList.find((x) => x[0] === row[0]);
        if (mine && (mine[1] !== row[1] || mine[2] !== row[2])) notes.push(`${impl}: class ${row[0]} ${JSON.stringify(row)} vs ${JSON.stringify(mine)}`);
      }
    }
  }
  return notes;
}

const sets = mode === 'diff' ? [files] : files.map((f) => [f]);
const report = [];
for (const set of sets) {
  const sizeMB = set.reduce((s, f) => s + fs.statSync(f).size, 0) / 1e6;
  const results = Object.fromEntries(impls.map((i) => [i, []]));
  for (let r = 0; r < rounds; r++) {
    const order = impls.map((_, k) => impls[(k + r) % impls.length]);
    for (const impl of order) {
      const res = measure(impl, set);
      process.stderr.write(`${path.basename(set.join(' → '))} round ${r + 1} ${impl}: ${res.error ? `error: ${res.error}` : `${(res.totalMs / 1000).toFixed(2)} s, ${res.maxRssMB.toFixed(0)} MB`}\n`);
      results[impl].push(res);
    }
  }
  const notes = checkAgreement(results);
  const lg = results.leakguard.filter((x) => !x.error);
  const lgTotal = median(lg.map((x) => x.totalMs));
  const lgParse = median(lg.map((x) => x.parseMs));
  const rows = impls.map((impl) => {
    const ok = results[impl].filter((x) => !x.error);
    if (ok.length === 0) return { impl, error: results[impl][0].error };
    const total = median(ok.map((x) => x.totalMs));
    const parse = median(ok.map((x) => x.parseMs));
    return {
      impl,
      parseS: parse / 1000,
      totalS: total / 1000,
      spread: spread(ok.map((x) => x.totalMs)),
      rssMB: Math.max(...ok.map((x) => x.maxRssMB)),
      parseRatio: parse / lgParse,
      totalRatio: total / lgTotal,
    };
  });
  report.push({ files: set.map((f) => path.basename(f)), sizeMB, mode, rounds, rows, notes });
}

const out = [];
out.push(`| input | tool | parse (s) | ${mode === 'diff' ? 'diff' : 'full analysis'} (s) | × leakguard (${mode === 'diff' ? 'diff' : 'full'}) | × leakguard (parse) | peak RSS (MB) | RSS / file size |`);
out.push('|---|---|---:|---:|---:|---:|---:|---:|');
for (const r of report) {
  for (const row of r.rows) {
    const name = `${r.files.join(' → ')} (${r.sizeMB.toFixed(0)} MB)`;
    if (row.error) out.push(`| ${name} | ${row.impl} | – | failed: ${row.error.slice(0, 60)} | – | – | – | – |`);
    else
      out.push(
        `| ${name} | ${row.impl} | ${row.parseS.toFixed(2)} | ${row.totalS.toFixed(2)} ${row.spread} | ${row.totalRatio.toFixed(1)} | ${row.parseRatio.toFixed(1)} | ${row.rssMB.toFixed(0)} | ${(row.rssMB / r.sizeMB).toFixed(2)} |`,
      );
  }
  for (const n of r.notes) out.push(`> disagreement: ${n}`);
}
process.stdout.write(`${out.join('\n')}\n`);
const outDir = path.join(__dirname, 'out');
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, `results-${mode}-${Date.now()}.json`), JSON.stringify(report, null, 2));
