'use strict';
// Overhead as CPU work: instructions executed per request, counted by valgrind's
// callgrind in the server process (all its threads: main, libuv threadpool for gzip,
// V8's compiler and GC helpers). Wall-clock ratios on a shared 2-core machine move by
// ±15 % between two identical servers (docs/overhead.md); an instruction count does
// not depend on what else runs on the machine, so it resolves differences of a percent.
//
// Each server (server.js) runs under `valgrind --tool=callgrind --instr-atstart=no`:
// the warm-up runs uninstrumented (~8x slower than native), then counting is switched
// on with callgrind_control for the measured requests and dumped. Runs are repeated
// (`--repeats`): V8 compiles in the background, so the count moves a little with where
// each function's optimization lands.
//
// Time under valgrind runs ~50x slower than native, but leakguard's tick is on the wall
// clock. So that the per-tick work (sampling, the detector, stack captures aimed at per
// tick) is spread over as many requests as in the native service at full load
// (~1 500 req/s, one tick a second), the leakguard configs run with `--interval-ms`
// (default 50 000) instead of the default 1 000; the table gives the requests per tick
// that resulted.
//
//   node bench/overhead/instructions.js [--configs off,off2,default,hooks,episodes]
//     [--warmup 3000] [--requests 3000] [--repeats 2] [--parallel 2] [--interval-ms 50000]
//     [--out FILE]
// Needs valgrind (Debian: `apt-get install valgrind`). ~15 min with the defaults.
const { spawn, execFileSync } = require('node:child_process');
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const { parseArgs } = require('node:util');
const autocannon = require('autocannon');

const { values: args } = parseArgs({
  options: {
    configs: { type: 'string', default: 'off,off2,default,hooks,episodes' },
    warmup: { type: 'string', default: '3000' },
    requests: { type: 'string', default: '3000' },
    repeats: { type: 'string', default: '2' },
    parallel: { type: 'string', default: '2' },
    'interval-ms': { type: 'string', default: '50000' },
    connections: { type: 'string', default: '4' },
    windows: { type: 'string', default: '1' },
    out: { type: 'string' },
  },
});
const WARMUP = Number(args.warmup);
const REQUESTS = Number(args.requests);
const REPEATS = Number(args.repeats);
const PARALLEL = Number(args.parallel);
const INTERVAL_MS = Number(args['interval-ms']);
const CONNECTIONS = Number(args.connections);
// The counted requests cut in this many windows, each dumped on its own: shows whether a
// config's cost per request settles or drifts (re-optimization after a deopt, say).
const WINDOWS = Number(args.windows);

const LABELS = {
  off: 'off (no leakguard)',
  off2: 'off, a second server (noise control)',
  default: 'leakguard `start()` (default)',
  hooks: 'leakguard, hooks only (`heapSites: false, forcedGc: false`)',
  episodes: 'leakguard `start()`, after its memory episodes (Buffer sampler, heap profiler, a confirming GC) in the warm-up',
  'episode-buffers': 'leakguard `start()`, after a Buffer sampler episode in the warm-up',
  'episode-profiler': 'leakguard `start()`, after a sampling heap profiler episode (one profile read) in the warm-up',
  'episode-gc': 'leakguard `start()`, after one confirming GC in the warm-up',
  'off-episode-buffers': 'no leakguard; a Buffer sampler episode in the warm-up',
  'off-episode-profiler': 'no leakguard; a sampling heap profiler episode in the warm-up',
  'off-episode-gc': 'no leakguard; one full GC (lib/gc.js) in the warm-up',
  all: 'leakguard, everything on (`allStacks: true, heapDiagnosis: true`)',
  asynchooks: 'async_hooks tracker, a stack per resource',
};
const SERVER_CONFIG = {
  off: 'off',
  off2: 'off',
  default: `lg:${JSON.stringify({ intervalMs: INTERVAL_MS })}`,
  hooks: `lg:${JSON.stringify({ intervalMs: INTERVAL_MS, heapSites: false, forcedGc: false })}`,
  episodes: `lg:${JSON.stringify({ intervalMs: INTERVAL_MS })}`,
  'episode-buffers': `lg:${JSON.stringify({ intervalMs: INTERVAL_MS })}`,
  'episode-profiler': `lg:${JSON.stringify({ intervalMs: INTERVAL_MS })}`,
  'episode-gc': `lg:${JSON.stringify({ intervalMs: INTERVAL_MS })}`,
  'off-episode-buffers': 'off',
  'off-episode-profiler': 'off',
  'off-episode-gc': 'off',
  all: `lg:${JSON.stringify({ intervalMs: INTERVAL_MS, heapDiagnosis: true, allStacks: true })}`,
  asynchooks: 'asynchooks',
};
// Ad hoc: `lg:{"timers":false}` runs leakguard.start() with these options (and the tick).
const configs = args.configs.split(/,(?![^{]*})/).filter(Boolean);
for (const c of configs) {
  if (c.startsWith('lg:')) SERVER_CONFIG[c] = `lg:${JSON.stringify({ intervalMs: INTERVAL_MS, ...JSON.parse(c.slice(3)) })}`;
}
for (const c of configs) {
  if (!SERVER_CONFIG[c]) {
    console.error(`unknown config ${c}; known: ${Object.keys(SERVER_CONFIG).join(', ')}`);
    process.exit(2);
  }
}
try {
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
} catch {
  console.error('valgrind is not installed (Debian: apt-get install valgrind)');
  process.exit(2);
}

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-callgrind-'));

function startServer(config, index) {
  const outPattern = path.join(workDir, `callgrind.${config.replace(/[^\w-]/g, '_')}.${index}`);
  const child = spawn('valgrind', [
    '--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${outPattern}`,
    process.execPath, path.join(__dirname, 'server.js'), SERVER_CONFIG[config],
  ], { stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  child.stderrText = () => stderr;
  child.outPattern = outPattern;
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server ${config} exited with ${code} before it was ready:\n${stderr.slice(-2000)}`)));
    child.on('message', function onReady(m) {
      if (m.type !== 'ready') return;
      child.removeListener('message', onReady);
      child.removeAllListeners('exit');
      resolve({ child, port: m.port });
    });
  });
}

function request(child, msg, type) {
  return new Promise((resolve) => {
    const onMessage = (m) => {
      if (m.type !== type) return;
      child.removeListener('message', onMessage);
      resolve(m);
    };
    child.on('message', onMessage);
    child.send(msg);
  });
}

const stats = async (child) => (await request(child, { cmd: 'stats' }, 'stats')).stats;

function load(port, amount) {
  return new Promise((resolve, reject) => {
    autocannon({ url: `http://127.0.0.1:${port}/items`, connections: CONNECTIONS, amount, timeout: 60 }, (err, res) => {
      if (err) return reject(err);
      if (res.non2xx || res.errors) return reject(new Error(`load: ${res.non2xx} non-2xx, ${res.errors} errors`));
      resolve(res);
    });
  });
}

function callgrind(child, ...command) {
  execFileSync('callgrind_control', [...command, String(child.pid)], { stdio: 'ignore' });
}

// The `totals:` line of the newest dump of this server.
function dumpedInstructions(child) {
  const dir = path.dirname(child.outPattern);
  const base = path.basename(child.outPattern);
  const dumps = fs.readdirSync(dir).filter((f) => f.startsWith(`${base}.`) && /\.\d+$/.test(f));
  if (dumps.length === 0) throw new Error(`no callgrind dump for ${base}`);
  dumps.sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop()));
  const text = fs.readFileSync(path.join(dir, dumps[dumps.length - 1]), 'utf8');
  const m = /^totals:\s+(\d+)/m.exec(text) || /^summary:\s+(\d+)/m.exec(text);
  if (!m) throw new Error(`no totals in ${dumps[dumps.length - 1]}`);
  return Number(m[1]);
}

async function measure(config, index) {
  const t0 = Date.now();
  const { child, port } = await startServer(config, index);
  try {
    // Warm-up, uninstrumented. Every config gets the same requests; "episodes" has its
    // memory episodes (5 s) in the middle of it, under load.
    await load(port, WARMUP / 2);
    const which = config === 'episodes' ? ['buffers', 'profiler', 'gc'] : /episode-(\w+)$/.test(config) ? [config.split('-').pop()] : null;
    const episodes = which ? request(child, { cmd: 'episodes', which, ms: 5000 }, 'episodes-done') : null;
    await load(port, Math.round(WARMUP / 4));
    if (episodes) await episodes;
    await load(port, WARMUP / 2);
    const before = await stats(child);
    callgrind(child, '-i', 'on');
    callgrind(child, '-z');
    const t1 = Date.now();
    const windows = [];
    let last = before;
    for (let w = 0; w < WINDOWS; w++) {
      await load(port, Math.round(REQUESTS / WINDOWS));
      callgrind(child, '-d', `window${w}`); // dumps and zeroes the counters
      const now = await stats(child);
      windows.push(dumpedInstructions(child) / (now.served - last.served));
      last = now;
    }
    const seconds = (Date.now() - t1) / 1000;
    callgrind(child, '-i', 'off');
    const after = await stats(child);
    const served = after.served - before.served;
    const instructions = windows.reduce((a, x) => a + x, 0) * (served / WINDOWS);
    const lg = (s) => s.leakguard || {};
    const row = {
      config,
      run: index,
      served,
      instructions,
      perRequest: instructions / served,
      windows,
      seconds,
      ticks: lg(after).ticks - lg(before).ticks || 0,
      stackCaptures: lg(after).stackCaptures - lg(before).stackCaptures || 0,
      forcedGcs: lg(after).forcedGcs,
      heapProfiles: lg(after).heapProfiles,
      bufferSamples: lg(after).bufferSamples,
      findings: lg(after).findings,
      wallSeconds: (Date.now() - t0) / 1000,
    };
    const perWindow = WINDOWS > 1 ? ` [windows: ${windows.map((x) => (x / 1e6).toFixed(3)).join(' ')}]` : '';
    process.stderr.write(`  ${config} #${index}: ${(row.perRequest / 1e6).toFixed(3)} M instructions/request${perWindow} (${served} requests, ${row.ticks} ticks, ${row.stackCaptures} stack captures, ${row.wallSeconds.toFixed(0)} s)\n`);
    return row;
  } finally {
    child.kill('SIGKILL');
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main() {
  const jobs = [];
  // Repeats interleaved, so a config's runs do not all share one stretch of the run.
  for (let r = 0; r < REPEATS; r++) for (const c of configs) jobs.push([c, r]);
  const rows = [];
  let next = 0;
  process.stderr.write(`callgrind: ${configs.length} configs x ${REPEATS} runs, ${PARALLEL} at a time, ${WARMUP} warm-up + ${REQUESTS} counted requests each\n`);
  await Promise.all(Array.from({ length: PARALLEL }, async () => {
    while (next < jobs.length) {
      const [c, r] = jobs[next++];
      rows.push(await measure(c, r));
    }
  }));
  const byConfig = new Map(configs.map((c) => [c, rows.filter((r) => r.config === c)]));
  const base = median(byConfig.get('off') ? byConfig.get('off').map((r) => r.perRequest) : [NaN]);
  const lines = [];
  lines.push(`Node ${process.version}, valgrind callgrind; per server: ${WARMUP} warm-up requests uninstrumented, then ${REQUESTS} counted (autocannon, ${CONNECTIONS} connections, 127.0.0.1); ${REPEATS} runs per config; leakguard's tick every ${INTERVAL_MS / 1000} s of valgrind time. Instructions of the whole server process (all threads).`);
  lines.push('');
  lines.push('| config | instructions/request, median (runs) | vs off | requests per leakguard tick | stack captures per 1 000 requests |');
  lines.push('|---|---|---|---|---|');
  for (const [c, rs] of byConfig) {
    const per = rs.map((r) => r.perRequest);
    const m = median(per);
    const ticks = rs.reduce((a, r) => a + r.ticks, 0);
    const served = rs.reduce((a, r) => a + r.served, 0);
    const captures = rs.reduce((a, r) => a + r.stackCaptures, 0);
    const isLg = !c.startsWith('off') && c !== 'asynchooks';
    lines.push(`| ${LABELS[c] || c} | ${(m / 1e6).toFixed(3)} M (${per.map((x) => (x / 1e6).toFixed(3)).join(', ')}) | ${c === 'off' ? '1' : `${(m / base).toFixed(4)}, ${((m / base - 1) * 100).toFixed(2)} %`} | ${isLg && ticks ? Math.round(served / ticks) : '–'} | ${isLg ? ((captures / served) * 1000).toFixed(1) : '–'} |`);
  }
  console.log(lines.join('\n'));
  if (args.out) fs.writeFileSync(args.out, JSON.stringify({ node: process.version, args, rows }, null, 2));
  fs.rmSync(workDir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err && err.stack);
  fs.rmSync(workDir, { recursive: true, force: true });
  process.exit(1);
});
