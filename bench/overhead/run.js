'use strict';
// Overhead of leakguard on a realistic node:http service, measured side by side with
// the peers a user might run in-process instead. Each config runs the server
// (server.js) in its own child process, loaded by autocannon over 127.0.0.1 from this
// process. Within a round the configs alternate in short slices (order rotated each
// slice and round) so that noise from other jobs on the machine hits every config
// alike; the table gives medians of the per-round ratios to "off" and their range.
//
//   npm run bench:overhead [-- --rounds 7 --duration 10 --slices 10 --warmup 3 --connections 10]
//   (peers: `npm install` in bench/overhead first; a peer that is not installed is skipped)
//   --configs off,default,all   run a subset     --cpu-prof DIR   profile each server child
//   --out FILE                  also write the raw results as JSON
const { fork } = require('node:child_process');
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const { parseArgs } = require('node:util');
const autocannon = require('autocannon');

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '10' },
    slices: { type: 'string', default: '10' },
    configs: { type: 'string', default: 'off,default,all,memwatch,asynchooks' },
    'cpu-prof': { type: 'string' },
    out: { type: 'string' },
  },
});
const ROUNDS = Number(args.rounds);
const DURATION = Number(args.duration);
const WARMUP = Number(args.warmup);
const CONNECTIONS = Number(args.connections);
const SLICES = Number(args.slices);

const LABELS = {
  off: 'off (no leakguard)',
  default: 'leakguard `start()` (default)',
  all: 'leakguard, everything on (`allStacks`, `heapDiagnosis`)',
  memwatch: '`@airbnb/node-memwatch` (stats + leak listeners)',
  asynchooks: 'async_hooks handle tracker, a stack per resource',
};

function peerAvailable(config) {
  if (config !== 'memwatch') return true;
  try {
    require.resolve('@airbnb/node-memwatch', { paths: [__dirname] });
    return true;
  } catch {
    return false;
  }
}

function startServer(config) {
  const execArgv = [];
  if (args['cpu-prof']) execArgv.push('--cpu-prof', `--cpu-prof-dir=${path.resolve(args['cpu-prof'])}`, `--cpu-prof-name=${config}-${Date.now()}.cpuprofile`);
  const child = fork(path.join(__dirname, 'server.js'), [config], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`server ${config} exited with ${code} before it was ready`)));
    child.once('message', (m) => {
      child.removeAllListeners('exit');
      if (m.type === 'ready') resolve({ child, port: m.port });
      else reject(new Error(`unexpected message ${JSON.stringify(m)}`));
    });
  });
}

function ask(child, cmd) {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m.stats));
    child.send({ cmd });
  });
}

function stopServer(child) {
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 10000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.send({ cmd: 'exit' });
  });
}

function load(port, seconds, latencies) {
  return new Promise((resolve, reject) => {
    const inst = autocannon({
      url: `http://127.0.0.1:${port}/api/items`,
      connections: CONNECTIONS,
      duration: seconds,
      headers: { 'accept-encoding': 'gzip' },
    }, (err, result) => (err ? reject(err) : resolve(result)));
    if (latencies) {
      inst.on('response', (_client, statusCode, _bytes, ms) => {
        if (statusCode === 200) latencies.push(ms);
      });
    }
  });
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

// One round: every config's server is started (each in its own process, fresh), warmed
// up, then loaded in short slices that cycle through the configs (order rotated each
// slice), so that a burst of outside load lands on all configs alike. Only the loaded
// server runs; the others sit idle.
async function round(configs, r) {
  const servers = {};
  const out = {};
  try {
    for (const c of configs) servers[c] = await startServer(c);
    const rot = (k) => configs.map((_, i) => configs[(i + k) % configs.length]);
    for (const c of rot(r)) await load(servers[c].port, WARMUP, null);
    const acc = {};
    for (const c of configs) acc[c] = { latencies: [], ok: 0, seconds: 0, errors: 0, before: await ask(servers[c].child, 'stats') };
    for (let s = 0; s < SLICES; s++) {
      for (const c of rot(r + s)) {
        const a = acc[c];
        const result = await load(servers[c].port, DURATION / SLICES, a.latencies);
        a.seconds += result.duration;
        a.errors += result.errors + result.timeouts + result.non2xx;
      }
    }
    for (const c of configs) {
      const a = acc[c];
      a.latencies.sort((x, y) => x - y);
      const after = await ask(servers[c].child, 'stats');
      out[c] = {
        config: c,
        rps: a.latencies.length / a.seconds,
        // Server CPU time (user + system) per request over the measured slices; the
        // idle time between slices (ticks only) is included.
        cpuUsPerReq: (after.cpuUs - a.before.cpuUs) / (after.served - a.before.served),
        p50: percentile(a.latencies, 0.5),
        p99: percentile(a.latencies, 0.99),
        errors: a.errors,
        before: a.before,
        after,
      };
    }
  } finally {
    for (const c of Object.keys(servers)) await stopServer(servers[c].child);
  }
  return out;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
const pct = (r) => `${r >= 1 ? '+' : '−'}${Math.abs((r - 1) * 100).toFixed(1)} %`;
const mib = (b) => (typeof b === 'number' ? `${(b / 1048576).toFixed(1)}` : '–');
const kib = (b) => (typeof b === 'number' ? `${(b / 1024).toFixed(0)} KiB` : '–');

async function main() {
  const configs = args.configs.split(',').filter((c) => {
    if (!LABELS[c]) throw new Error(`unknown config ${c}`);
    if (peerAvailable(c)) return true;
    console.error(`skipping ${c}: not installed (run npm install in bench/overhead)`);
    return false;
  });
  if (configs[0] !== 'off' && !configs.includes('off')) throw new Error('the configs must include off (the baseline)');
  const rounds = [];
  const t0 = Date.now();
  for (let r = 0; r < ROUNDS; r++) {
    const res = await round(configs, r);
    for (const c of configs) {
      const m = res[c];
      console.error(`round ${r + 1}/${ROUNDS} ${c}: ${m.rps.toFixed(0)} req/s, ${m.cpuUsPerReq.toFixed(0)} µs CPU/req, p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms, rss ${mib(m.after.rss)} MiB${m.errors ? `, ${m.errors} errors` : ''}`);
    }
    rounds.push(res);
  }
  const minutes = ((Date.now() - t0) / 60000).toFixed(1);

  const lines = [];
  const cpu = os.cpus();
  lines.push(`Node ${process.version}, ${cpu.length}× ${cpu[0] ? cpu[0].model.trim() : 'cpu'}, ${ROUNDS} rounds × ${configs.length} configs (servers fresh each round), ` +
    `each config ${WARMUP} s warm-up + ${DURATION} s measured in ${SLICES} slices alternating with the other configs, autocannon ${CONNECTIONS} connections on 127.0.0.1; ${minutes} min in all. ` +
    'Ratios are per round against that round\'s "off" run; median (range).\n');
  lines.push('| config | req/s (median) | throughput vs off | p99 ms (median) | p99 vs off | server CPU µs/request | CPU vs off | RSS after, MiB | heap used after, MiB |');
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const c of configs) {
    const rps = rounds.map((r) => r[c].rps);
    const p99 = rounds.map((r) => r[c].p99);
    const rpsRatio = rounds.map((r) => r[c].rps / r.off.rps);
    const p99Ratio = rounds.map((r) => r[c].p99 / r.off.p99);
    const cpu = rounds.map((r) => r[c].cpuUsPerReq);
    const cpuRatio = rounds.map((r) => r[c].cpuUsPerReq / r.off.cpuUsPerReq);
    const rss = rounds.map((r) => r[c].after.rss);
    const heap = rounds.map((r) => r[c].after.heapUsed);
    const ratioCell = (xs) => (c === 'off' ? '1 (baseline)' : `${median(xs).toFixed(3)} (${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)}), ${pct(median(xs))}`);
    lines.push(`| ${LABELS[c]} | ${median(rps).toFixed(0)} | ${ratioCell(rpsRatio)} | ${median(p99).toFixed(2)} | ${ratioCell(p99Ratio)} | ${median(cpu).toFixed(0)} | ${ratioCell(cpuRatio)} | ${mib(median(rss))} | ${mib(median(heap))} |`);
  }
  const lgConfigs = configs.filter((c) => c === 'default' || c === 'all');
  if (lgConfigs.length) {
    lines.push('');
    lines.push(`leakguard about itself (\`report().leakguard\`), medians over rounds, at the end of the warm-up → at the end of the ${DURATION} s measured:\n`);
    lines.push('| config | requests served | stack captures | detector memory (`detector.approxBytes`) | series | RSS − off RSS, MiB | last tick ms | forced GCs (total pause) | hook errors |');
    lines.push('|---|---|---|---|---|---|---|---|---|');
    for (const c of lgConfigs) {
      const g = (when, f) => median(rounds.map((r) => f(r[c][when])));
      const lg = (s) => s.leakguard || {};
      const rssDelta = median(rounds.map((r) => r[c].after.rss - r.off.after.rss));
      lines.push(`| ${c} | ${g('before', (s) => s.served).toFixed(0)} → ${g('after', (s) => s.served).toFixed(0)} | ` +
        `${g('before', (s) => lg(s).stackCaptures).toFixed(0)} → ${g('after', (s) => lg(s).stackCaptures).toFixed(0)} | ` +
        `${kib(g('before', (s) => lg(s).detectorBytes))} → ${kib(g('after', (s) => lg(s).detectorBytes))} | ` +
        `${g('before', (s) => lg(s).series)} → ${g('after', (s) => lg(s).series)} | ${(rssDelta / 1048576).toFixed(1)} | ` +
        `${g('after', (s) => lg(s).lastTickMs).toFixed(2)} | ${g('after', (s) => lg(s).forcedGcs)} (${g('after', (s) => lg(s).forcedGcMs).toFixed(0)} ms) | ${Math.max(...rounds.map((r) => lg(r[c].after).hookErrors || 0))} |`);
    }
  }
  const errs = configs.map((c) => [c, rounds.reduce((n, r) => n + r[c].errors, 0)]).filter(([, n]) => n > 0);
  if (errs.length) lines.push(`\nErrors/non-2xx: ${errs.map(([c, n]) => `${c} ${n}`).join(', ')}`);
  console.log(lines.join('\n'));
  if (args.out) fs.writeFileSync(args.out, JSON.stringify({ node: process.version, rounds }, null, 1));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
