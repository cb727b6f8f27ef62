#!/usr/bin/env node
'use strict';
// Detection benchmark: runs each workload of workloads.js in its own child process
// (harness.js) with leakguard's public API, drives HTTP load with autocannon where the
// workload serves HTTP, and prints, per workload, what leakguard found and what the
// baseline signals found on the same run.
//
//   npm run bench:detection                       # full run (~12 min)
//   npm run bench:detection -- --quick            # cap 25 s, healthy 15 s (development)
//   npm run bench:detection -- --only fs-streams,buffer-ring
//   options: --cap-s 60 --healthy-s 40 --interval-ms N --parallel 2 --early-stop
//   --late-leaks: leaky workloads start when the warm-up ends (the process idles
//   through it), so time to detect counts from the leak's first moment
//   --sensitivity X: start({ sensitivity: X }) (default 1) for a sensitivity sweep
//   --no-forced-gc: start({ forcedGc: false }): memory findings wait for V8's own major GCs
//   npm run bench:detection -- --from bench/detection/out/latest.json   # reprint tables
//
// Each workload runs twice, side by side: once with leakguard (its findings), once
// without it (the baseline signals alone, as a user without leakguard would see them).
// --no-baseline-pass skips the second run and reports the baselines measured inside the
// leakguard run instead (leakguard's confirming GCs then change V8's GC schedule).
//
// Results: a table on stdout and bench/detection/out/results-<time>.json (+ latest.json).
// This is a measurement, not a test: nothing here fails on a missed detection.
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const crypto = require('node:crypto');
const { fork, execFileSync } = require('node:child_process');
const { parseArgs } = require('node:util');
const autocannon = require('autocannon');
const WORKLOADS = require('./workloads');

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'cap-s': { type: 'string' },
    'healthy-s': { type: 'string' },
    'interval-ms': { type: 'string' },
    parallel: { type: 'string', default: '2' },
    'early-stop': { type: 'boolean', default: false },
    'no-baseline-pass': { type: 'boolean', default: false },
    'late-leaks': { type: 'boolean', default: false },
    sensitivity: { type: 'string' },
    'no-forced-gc': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    from: { type: 'string' },
  },
});

const ROOT = path.resolve(__dirname, '..', '..');
const OUT = path.join(__dirname, 'out');
const capMs = 1000 * Number(args['cap-s'] || (args.quick ? 25 : 60));
const healthyMs = 1000 * Number(args['healthy-s'] || (args.quick ? 15 : 40));
const earlyStop = args['early-stop'] || args.quick;
const SIGNALS = ['leakguard', 'maxListeners', 'memwatch5', 'resources50'];
const log = (s) => process.stderr.write(s);

let selected = WORKLOADS;
if (args.only) {
  const names = new Set(args.only.split(','));
  selected = WORKLOADS.filter((w) => names.has(w.name));
  const unknown = [...names].filter((n) => !WORKLOADS.some((w) => w.name === n));
  if (unknown.length) throw new Error(`unknown workload(s): ${unknown.join(', ')}`);
}

// --- expected sites from the markers in the workload files ----------------------------
function markers(name) {
  const file = path.join(__dirname, 'workloads', `${name}.js`);
  const out = { site: [], alloc: [], fn: [] };
  fs.readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    if (/\/\/.*LEAK-SITE/.test(line)) out.site.push(i + 1);
    if (/\/\/.*LEAK-ALLOC/.test(line)) out.alloc.push(i + 1);
    if (/\/\/.*LEAK-FN/.test(line)) out.fn.push(i + 1);
  });
  return out;
}

function parseFrame(frame) {
  const m = /\(?([^\s()]+):(\d+):(\d+)\)?\s*$/.exec(frame.trim());
  return m ? { file: m[1].split(path.sep).join('/'), line: Number(m[2]) } : null;
}

const RANK = { yes: 5, alloc: 4, fn: 3, stack: 2, no: 1, none: 0 };

/** How well the top 3 sites of a finding point at the marked lines. */
function siteMatch(finding, name, mk) {
  const sites = (finding.sites || []).slice(0, 3);
  if (sites.length === 0) return 'none';
  const ours = (f) => f && f.file.endsWith(`workloads/${name}.js`);
  let best = 'no';
  const better = (v) => { if (RANK[v] > RANK[best]) best = v; };
  for (const s of sites) {
    const frames = s.stack.split('\n').map(parseFrame);
    const first = frames[0];
    if (ours(first) && mk.site.includes(first.line)) better('yes');
    else if (ours(first) && mk.alloc.includes(first.line)) better('alloc');
    else if (ours(first) && mk.fn.includes(first.line)) better('fn');
    else if (frames.some((f) => ours(f) && (mk.site.includes(f.line) || mk.alloc.includes(f.line)))) better('stack');
  }
  return best;
}

// --- provenance: which leakguard each child loaded (others may rebuild mid-run) -------
function provenance() {
  const out = { head: null, dirty: null, binary: null };
  try {
    out.head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'index.js', 'lib', 'src'], { cwd: ROOT, encoding: 'utf8' });
    out.dirty = dirty.split('\n').filter(Boolean).map((l) => l.slice(3)).join(',');
  } catch { /* not a git checkout */ }
  const bin = fs.readdirSync(ROOT).find((f) => /^leakguard\..*\.node$/.test(f));
  if (bin) out.binary = crypto.createHash('sha256').update(fs.readFileSync(path.join(ROOT, bin))).digest('hex').slice(0, 12);
  return out;
}

const provKey = (p) => `${p.head}${p.dirty ? `+dirty(${p.dirty})` : ''} addon ${p.binary}`;

// --- one workload -------------------------------------------------------------------
function runWorkload(w, withLeakguard) {
  const signals = withLeakguard ? SIGNALS : SIGNALS.slice(1);
  return new Promise((resolve) => {
    const logFile = path.join(OUT, 'logs', `${w.name}${withLeakguard ? '' : '.baselines'}.log`);
    const logStream = fs.createWriteStream(logFile);
    const childArgs = [w.name];
    if (args['interval-ms']) childArgs.push('--interval-ms', args['interval-ms']);
    if (!withLeakguard) childArgs.push('--no-leakguard');
    if (args['late-leaks'] && w.leaky) childArgs.push('--start-after-warmup');
    if (args.sensitivity) childArgs.push('--sensitivity', args.sensitivity);
    if (args['no-forced-gc']) childArgs.push('--no-forced-gc');
    const child = fork(path.join(__dirname, 'harness.js'), childArgs, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: [],
    });
    child.stdout.pipe(logStream, { end: false });
    child.stderr.pipe(logStream, { end: false });
    const prov = provenance();
    const fired = new Set();
    const live = [];
    let load = null;
    let loadStats = null;
    let stopTimer = null;
    let finishing = false;
    let result = null;
    const startedAt = Date.now();

    const finish = async (why) => {
      if (finishing) return;
      finishing = true;
      clearTimeout(stopTimer);
      if (load) {
        load.stop();
        loadStats = await load.done;
      }
      if (child.connected) child.send({ type: 'finish', why });
      setTimeout(() => child.kill('SIGKILL'), 30000).unref();
    };

    child.on('message', (msg) => {
      if (msg.type === 'ready') {
        const runFor = msg.warmupMs + (w.leaky ? capMs : healthyMs);
        stopTimer = setTimeout(() => finish('time'), runFor);
      } else if (msg.type === 'serve') {
        const l = msg.load || {};
        const instance = autocannon({
          url: `http://127.0.0.1:${msg.port}${l.path || '/'}`,
          connections: l.connections || 10,
          overallRate: l.rate || undefined,
          method: l.method || 'GET',
          body: l.body,
          headers: l.headers,
          duration: 3600,
        });
        const done = new Promise((res) => instance.once('done', (r) => res({ requests: r.requests.total, errors: r.errors, non2xx: r.non2xx, rps: Math.round(r.requests.average) })));
        load = { stop: () => instance.stop(), done };
      } else if (msg.type === 'leak') {
        live.push(msg);
        if (w.expect.includes(msg.finding.kind)) fired.add('leakguard');
      } else if (msg.type === 'signal') {
        fired.add(msg.signal);
      } else if (msg.type === 'result') {
        result = msg;
      }
      if (w.leaky && !finishing && (fired.size === signals.length || (earlyStop && (fired.has('leakguard') || !withLeakguard)))) {
        // A few more seconds so the finding's sites settle; then stop.
        setTimeout(() => finish('detected'), earlyStop ? 3000 : 0);
      }
    });
    child.on('exit', (code, signal) => {
      logStream.end();
      resolve(withLeakguard ? { ...evaluate(w, result, { code, signal, loadStats, wallMs: Date.now() - startedAt }), provenance: prov }
        : { baselines: result && result.baselines, baselineState: result && result.baselineState, load: loadStats, exit: { code, signal } });
    });
  });
}

// --- evaluation ---------------------------------------------------------------------
function evaluate(w, r, meta) {
  const out = { name: w.name, leaky: w.leaky, shape: w.shape, expect: w.expect, exit: { code: meta.code, signal: meta.signal }, load: meta.loadStats, wallMs: meta.wallMs };
  if (!r) {
    out.error = `no result (exit ${meta.code}${meta.signal ? `, ${meta.signal}` : ''}; see out/logs/${w.name}.log)`;
    return out;
  }
  const mk = markers(w.name);
  const opened = r.events.filter((e) => e.type === 'leak');
  const latest = (f) => r.openAtEnd.find((x) => x.id === f.id) ||
    (r.events.find((e) => e.type === 'resolved' && e.finding.id === f.id) || {}).finding || f;
  out.findings = opened.map((e) => {
    const end = latest(e.finding);
    const closed = r.events.find((x) => x.type === 'resolved' && x.finding.id === e.finding.id);
    return {
      kind: e.finding.kind,
      target: e.finding.target,
      openedAtMs: e.atMs,
      closedAtMs: closed ? closed.atMs : null,
      atOpen: pick(e.finding),
      atEnd: pick(end),
      siteAtOpen: w.leaky ? siteMatch(e.finding, w.name, mk) : 'n/a',
      siteAtEnd: w.leaky ? siteMatch(end, w.name, mk) : 'n/a',
    };
  });
  const hits = out.findings.filter((f) => w.expect.includes(f.kind));
  out.detected = hits.length > 0;
  out.detectMs = hits.length ? Math.min(...hits.map((f) => f.openedAtMs)) : null;
  const bestOf = (key) => hits.reduce((b, f) => (RANK[f[key]] > RANK[b] ? f[key] : b), 'none');
  out.siteAtOpen = w.leaky ? (hits.length ? bestOf('siteAtOpen') : null) : 'n/a';
  out.siteAtEnd = w.leaky ? (hits.length ? bestOf('siteAtEnd') : null) : 'n/a';
  out.markers = mk;
  out.falseAlarms = w.leaky ? [] : out.findings.map((f) => `${f.kind}:${f.target}`);
  out.otherFindings = w.leaky ? out.findings.filter((f) => !w.expect.includes(f.kind)).map((f) => `${f.kind}:${f.target}`) : [];
  out.openAtEnd = r.openAtEnd.map((f) => `${f.kind}:${f.target}`);
  out.baselinesInProcess = r.baselines;
  out.baselines = r.baselines;
  out.baselineState = r.baselineState;
  out.runAfterWarmupMs = r.afterWarmupMs;
  out.memoryAtEnd = r.memory;
  out.report = r.report;
  return out;
}

function pick(f) {
  return {
    baseline: f.baseline,
    current: f.current,
    growthPerMinute: f.growthPerMinute,
    confidence: f.confidence,
    timeToLimitMs: f.timeToLimitMs,
    sites: (f.sites || []).slice(0, 5),
    message: f.message,
  };
}

// --- table --------------------------------------------------------------------------
const sec = (ms) => (ms === null || ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`);
const SITE_TEXT = { yes: 'yes', alloc: 'alloc line', fn: 'function', stack: 'in stack', no: 'no', none: 'no sites' };

function siteCell(r) {
  if (!r.leaky) return 'n/a';
  if (!r.detected) return '–';
  const a = SITE_TEXT[r.siteAtOpen];
  const b = SITE_TEXT[r.siteAtEnd];
  return a === b ? a : `${a} → ${b}`;
}

function baselineCell(r, name) {
  if (r.baselinesSource === 'missing') return '?';
  const b = r.baselines && r.baselines[name];
  if (!b) return '?';
  if (r.leaky) return b.atMs === null ? 'no' : `yes ${sec(b.atMs)}`;
  return b.atMs === null ? 'quiet' : `**false alarm** ${sec(b.atMs)}`;
}

function table(results) {
  const rows = [];
  rows.push('| workload | expected | leakguard findings (kind:target @ s after warm-up) | time to detect | site in top 3 | open at end | MaxListenersExceededWarning | memwatch 5 GCs | activeResources +50% |');
  rows.push('|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    if (r.error) {
      rows.push(`| ${r.name} | ${r.expect.join('/') || 'none'} | ERROR: ${r.error} | | | | | | |`);
      continue;
    }
    const found = r.findings.map((f) => `${f.kind}:${f.target} @${(f.openedAtMs / 1000).toFixed(0)}${f.closedAtMs !== null ? ` (closed @${(f.closedAtMs / 1000).toFixed(0)})` : ''}`);
    const det = r.leaky
      ? (r.detected ? found.join('<br>') : `**missed**${found.length ? `: ${found.join('<br>')}` : ''}`)
      : (found.length ? `**false alarm**: ${found.join('<br>')}` : 'none');
    rows.push(`| ${r.name} | ${r.expect[0] || 'none'} | ${det} | ${r.leaky ? (r.detected ? sec(r.detectMs) : 'not in ' + sec(r.runAfterWarmupMs)) : ''} | ${siteCell(r)} | ${r.openAtEnd.length} | ${baselineCell(r, 'maxListeners')} | ${baselineCell(r, 'memwatch5')} | ${baselineCell(r, 'resources50')} |`);
  }
  return rows.join('\n');
}

function median(xs) {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function comparison(results) {
  const ok = results.filter((r) => !r.error);
  const leaky = ok.filter((r) => r.leaky);
  const healthy = ok.filter((r) => !r.leaky);
  const rows = ['| signal | leaky workloads detected | median time to detect (after warm-up) | healthy workloads with a false alarm |', '|---|---|---|---|'];
  const lg = leaky.filter((r) => r.detected);
  rows.push(`| leakguard (right kind) | ${lg.length}/${leaky.length} | ${sec(median(lg.map((r) => r.detectMs)))} | ${healthy.filter((r) => r.findings.length > 0).length}/${healthy.length} |`);
  const names = { maxListeners: 'MaxListenersExceededWarning', memwatch5: 'memwatch-style: heapUsed up over 5 consecutive major GCs', resources50: 'getActiveResourcesInfo() count up > 50 %' };
  for (const b of Object.keys(names)) {
    const d = leaky.filter((r) => r.baselines[b].atMs !== null);
    const fa = healthy.filter((r) => r.baselines[b].atMs !== null);
    rows.push(`| ${names[b]} | ${d.length}/${leaky.length} | ${sec(median(d.map((r) => r.baselines[b].atMs))) || '–'} | ${fa.length}/${healthy.length} |`);
  }
  return rows.join('\n');
}

function summary(results) {
  const ok = results.filter((r) => !r.error);
  const leaky = ok.filter((r) => r.leaky);
  const healthy = ok.filter((r) => !r.leaky);
  const lines = [];
  const detected = leaky.filter((r) => r.detected);
  const withSites = detected;
  lines.push(`leakguard: ${detected.length}/${leaky.length} leaky workloads detected with the expected kind; median time to detect ${sec(median(detected.map((r) => r.detectMs)))} after warm-up`);
  const count = (key, vals) => withSites.filter((r) => vals.includes(r[key])).length;
  lines.push(`leakguard: leaking line (LEAK-SITE) first in one of the top 3 sites: at detection ${count('siteAtOpen', ['yes'])}/${withSites.length}, at the end ${count('siteAtEnd', ['yes'])}/${withSites.length}; ` +
    `LEAK-SITE or allocation line (LEAK-ALLOC): ${count('siteAtOpen', ['yes', 'alloc'])}/${withSites.length} and ${count('siteAtEnd', ['yes', 'alloc'])}/${withSites.length}; ` +
    `function-level only: ${count('siteAtEnd', ['fn'])}; no site: ${count('siteAtEnd', ['none'])}; wrong site: ${count('siteAtEnd', ['no', 'stack'])}`);
  lines.push(`leakguard: ${healthy.filter((r) => r.findings.length === 0).length}/${healthy.length} healthy workloads without a finding (${healthy.reduce((n, r) => n + r.findings.length, 0)} false findings)`);
  for (const b of ['maxListeners', 'memwatch5', 'resources50']) {
    const d = leaky.filter((r) => r.baselines[b].atMs !== null);
    const fa = healthy.filter((r) => r.baselines[b].atMs !== null);
    lines.push(`${b}: ${d.length}/${leaky.length} leaky detected (median ${sec(median(d.map((r) => r.baselines[b].atMs)))}), ${fa.length}/${healthy.length} healthy with a false alarm`);
  }
  const errors = results.filter((r) => r.error);
  if (errors.length) lines.push(`errors: ${errors.map((r) => r.name).join(', ')}`);
  return lines;
}

// --- main ---------------------------------------------------------------------------
async function main() {
  if (args.from) {
    const doc = JSON.parse(fs.readFileSync(args.from, 'utf8'));
    process.stdout.write(`${table(doc.results)}\n\n${comparison(doc.results)}\n\n${summary(doc.results).join('\n')}\n`);
    return;
  }
  fs.mkdirSync(path.join(OUT, 'logs'), { recursive: true });
  const parallel = Math.max(1, Number(args.parallel));
  log(`detection benchmark: ${selected.length} workloads, ${parallel} at a time; leaky cap ${capMs / 1000} s, healthy ${healthyMs / 1000} s after warm-up${earlyStop ? ', early stop' : ''}\n`);
  const results = new Array(selected.length);
  const alone = new Array(selected.length);
  const tasks = [];
  selected.forEach((w, i) => {
    tasks.push({ w, i, lg: true });
    if (!args['no-baseline-pass']) tasks.push({ w, i, lg: false });
  });
  let next = 0;
  const t0 = Date.now();
  const worker = async () => {
    while (next < tasks.length) {
      const { w, i, lg } = tasks[next++];
      log(`  start ${w.name}${lg ? '' : ' (baselines alone)'}\n`);
      if (!lg) {
        alone[i] = await runWorkload(w, false);
        log(`  done  ${w.name} (baselines alone) (${sec(Date.now() - t0)} elapsed)\n`);
        continue;
      }
      results[i] = await runWorkload(w, true);
      const r = results[i];
      // Partial results after each workload: a crash (OOM killer, say) loses nothing done.
      fs.writeFileSync(path.join(OUT, 'partial.json'), JSON.stringify({ date: new Date().toISOString(), results: results.filter(Boolean), alone }, null, 2));
      const what = r.error ? r.error : r.leaky
        ? (r.detected ? `detected ${sec(r.detectMs)}, site ${r.siteAtOpen}/${r.siteAtEnd}` : 'MISSED') + (r.findings.length ? ` [${r.findings.map((f) => `${f.kind}:${f.target}`).join(', ')}]` : '')
        : (r.findings.length ? `FALSE ALARM [${r.findings.map((f) => `${f.kind}:${f.target}`).join(', ')}]` : 'quiet');
      log(`  done  ${w.name}: ${what} (${sec(Date.now() - t0)} elapsed)\n`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, tasks.length) }, worker));
  if (!args['no-baseline-pass']) {
    results.forEach((r, i) => {
      if (r.error) return;
      if (alone[i] && alone[i].baselines) {
        r.baselines = alone[i].baselines;
        r.baselinesAlone = { ...alone[i] };
        r.baselinesSource = 'separate run without leakguard';
      } else {
        r.baselinesSource = 'missing';
      }
    });
  }

  const versions = [...new Set(results.map((r) => r.provenance && provKey(r.provenance)).filter(Boolean))];
  const doc = {
    date: new Date().toISOString(),
    leakguard: versions,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}, ${os.cpus().length} CPUs`,
    settings: { capMs, healthyMs, intervalMs: args['interval-ms'] ? Number(args['interval-ms']) : 'default', parallel, earlyStop, sensitivity: args.sensitivity ? Number(args.sensitivity) : 1, forcedGc: !args['no-forced-gc'], baselines: args['no-baseline-pass'] ? 'in the leakguard run' : 'separate run without leakguard' },
    summary: [`leakguard version(s): ${versions.join('; ')}${versions.length > 1 ? '  ** MIXED: the code changed during the run **' : ''}`, ...summary(results)],
    results,
  };
  const stamp = doc.date.replace(/[:.]/g, '-');
  const file = path.join(OUT, `results-${stamp}.json`);
  fs.writeFileSync(file, JSON.stringify(doc, null, 2));
  fs.writeFileSync(path.join(OUT, 'latest.json'), JSON.stringify(doc, null, 2));
  if (args.json) {
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    return;
  }
  process.stdout.write(`\n${table(results)}\n\n${comparison(results)}\n\n${doc.summary.join('\n')}\n\nresults: ${path.relative(process.cwd(), file)}\n`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

module.exports = { table, comparison, summary, siteMatch, markers };
