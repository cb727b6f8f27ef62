'use strict';
// Overhead of leakguard on a realistic node:http service, measured side by side with
// the peers a user might run in-process instead.
//
// Each config runs the server (server.js) in its own child process, started once and
// loaded by autocannon over 127.0.0.1 from this process:
//   1. warm-up: every server under the same light load at once (`--warmup` s), so JIT,
//      pools and leakguard's own start-up watch (memory rising while the service warms
//      up: sampling heap profiler, Buffer sampling, confirming GCs) are past;
//   2. rounds: in each round every config gets `--duration` s of full load, cut in
//      `--slices` slices that alternate between the configs (order rotated each slice
//      and round), so a burst of outside load on this shared machine lands on all
//      configs alike. Only the loaded server works; the others idle.
//   3. steady: all servers at the same fixed rate at once (`--steady` s at
//      `--steady-rate` req/s each): server CPU time per request, p99 and V8's major GCs
//      without idle gaps (continuous load is where a forced GC's lasting cost shows).
//      `--rounds 0` runs the warm-up and the steady phase only.
// The table gives medians over rounds of the per-round ratio to "off", and the range.
//
//   npm run bench:overhead [-- --rounds 7 --duration 10 --slices 5 --warmup 90 --connections 10]
//   (peers: `npm install` in bench/overhead first; a peer that is not installed is skipped)
//   --configs off,default,...   run a subset     --cpu-prof DIR   profile each server
//   --out FILE                  also write the raw results as JSON
//   --node-args "--flag ..."    extra node flags for every server
//   --pin                       autocannon on CPU 0, the servers on CPU 1 (taskset)
//   --rate N                    rounds at N req/s (autocannon overallRate) instead of full
//                               load: p99 then measures the service's own latency tail
//                               (pauses, deopts) rather than queueing at saturation
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
    slices: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '90' },
    'warmup-rate': { type: 'string', default: '150' },
    steady: { type: 'string', default: '60' },
    'steady-rate': { type: 'string', default: '100' },
    connections: { type: 'string', default: '10' },
    configs: { type: 'string', default: 'off,off2,default,hooks,all,memwatch,asynchooks' },
    'cpu-prof': { type: 'string' },
    'node-args': { type: 'string', default: '' },
    out: { type: 'string' },
    pin: { type: 'boolean', default: false },
    rate: { type: 'string', default: '0' },
  },
});
const ROUNDS = Number(args.rounds);
const DURATION = Number(args.duration);
const SLICES = Number(args.slices);
const WARMUP = Number(args.warmup);
const WARMUP_RATE = Number(args['warmup-rate']);
const STEADY = Number(args.steady);
const STEADY_RATE = Number(args['steady-rate']);
const CONNECTIONS = Number(args.connections);
const RATE = Number(args.rate);

const LABELS = {
  off: 'off (no leakguard)',
  off2: 'off, a second server (noise control)',
  default: 'leakguard `start()` (default)',
  hooks: 'leakguard, hooks only (`heapSites: false, forcedGc: false`)',
  noforcedgc: 'leakguard, `forcedGc: false`',
  defaultgc: 'leakguard `start()`, confirming GCs by `gc()` (before 2026-12-05)',
  default2: 'leakguard `start()` (default), a second server',
  defaultgc2: 'leakguard `start()`, confirming GCs by `gc()`, a second server',
  noheapsites: 'leakguard, `heapSites: false`',
  all: 'leakguard, everything on (`allStacks: true, heapDiagnosis: true`)',
  memwatch: '`@airbnb/node-memwatch` (stats + leak listeners)',
  asynchooks: 'async_hooks tracker, a stack per resource',
  probegc: 'no leakguard; one confirming GC (lib/gc.js) 20 s into the warm-up',
  probeprofiler: 'no leakguard; the sampling heap profiler on for 20 s of the warm-up, one profile read',
  probebuffers: 'no leakguard; the Buffer sampler on for 20 s of the warm-up',
  probeprofileron: 'no leakguard; the sampling heap profiler on from 20 s into the warm-up, no profile read',
  probesession: 'no leakguard; an in-process inspector session connected from 20 s into the warm-up',
  probeexpose: 'no leakguard; `--expose-gc` set at run time and `gc` fetched from a new context 20 s into the warm-up, never called',
};
const SERVER_CONFIG = {
  off2: 'off',
  hooks: 'lg:{"heapSites":false,"forcedGc":false}',
  noforcedgc: 'lg:{"forcedGc":false}',
  defaultgc: 'default-gc',
  default2: 'default',
  defaultgc2: 'default-gc',
  noheapsites: 'lg:{"heapSites":false}',
  probegc: 'probe:gc',
  probeprofiler: 'probe:profiler',
  probebuffers: 'probe:buffers',
  probeprofileron: 'probe:profileron',
  probesession: 'probe:session',
  probeexpose: 'probe:expose',
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

// --pin: this process (autocannon) on CPU 0, every server on CPU 1 (taskset, Linux), so
// the load generator and the server never take each other's core.
function pinSelf() {
  if (!args.pin) return;
  require('node:child_process').execFileSync('taskset', ['-a', '-c', '-p', '0', String(process.pid)], { stdio: 'ignore' });
}

function startServer(config) {
  const execArgv = args['node-args'].split(' ').filter(Boolean);
  if (args['cpu-prof']) execArgv.push('--cpu-prof', `--cpu-prof-dir=${path.resolve(args['cpu-prof'])}`, `--cpu-prof-name=${config}.cpuprofile`);
  const options = { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] };
  // fork() runs `execPath ...execArgv server.js config`: here `taskset -c 1 node ...`.
  if (args.pin) Object.assign(options, { execPath: 'taskset', execArgv: ['-c', '1', process.execPath, ...execArgv] });
  const child = fork(path.join(__dirname, 'server.js'), [SERVER_CONFIG[config] || config], options);
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

// Every server must answer the same before it is timed: one gzip'd JSON body of 24 items.
function checkServer(config, port) {
  const http = require('node:http');
  const zlib = require('node:zlib');
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/api/items', headers: { 'accept-encoding': 'gzip' } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        try {
          const body = JSON.parse(zlib.gunzipSync(Buffer.concat(chunks)).toString('utf8'));
          if (res.statusCode !== 200 || !body.ok || body.items.length !== 24) throw new Error(`unexpected body ${JSON.stringify(body).slice(0, 80)}`);
          resolve();
        } catch (err) {
          reject(new Error(`server ${config} answered wrong: ${err.message}`));
        }
      });
    }).on('error', reject);
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
    if (child.exitCode !== null) return resolve();
    const t = setTimeout(() => child.kill('SIGKILL'), 10000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.send({ cmd: 'exit' });
  });
}

function load(port, seconds, latencies, rate) {
  return new Promise((resolve, reject) => {
    const opts = {
      url: `http://127.0.0.1:${port}/api/items`,
      connections: CONNECTIONS,
      duration: seconds,
      headers: { 'accept-encoding': 'gzip' },
    };
    if (rate) opts.overallRate = rate;
    const inst = autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
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

// When each config was under full load, on the monotonic clock in µs (CLOCK_MONOTONIC,
// the clock V8's CPU profiles use): attribute.js reads it to report the rounds alone.
const loadWindows = {};
const monoUs = () => Number(process.hrtime.bigint() / 1000n);

async function round(configs, servers, r) {
  const rot = (k) => configs.map((_, i) => configs[(i + k) % configs.length]);
  const acc = {};
  for (const c of configs) acc[c] = { latencies: [], seconds: 0, errors: 0, before: await ask(servers[c].child, 'stats') };
  for (let s = 0; s < SLICES; s++) {
    for (const c of rot(r + s)) {
      const a = acc[c];
      const from = monoUs();
      const result = await load(servers[c].port, DURATION / SLICES, a.latencies, RATE);
      (loadWindows[c] ||= []).push([from, monoUs()]);
      a.seconds += result.duration;
      a.errors += result.errors + result.timeouts + result.non2xx;
    }
  }
  const out = {};
  for (const c of configs) {
    const a = acc[c];
    a.latencies.sort((x, y) => x - y);
    const after = await ask(servers[c].child, 'stats');
    out[c] = {
      config: c,
      rps: a.latencies.length / a.seconds,
      // Server CPU time (user + system, all threads) per request over the round; the
      // idle time between its slices (leakguard's ticks, say) is included.
      cpuUsPerReq: (after.cpuUs - a.before.cpuUs) / (after.served - a.before.served),
      p50: percentile(a.latencies, 0.5),
      p99: percentile(a.latencies, 0.99),
      latencies: a.latencies,
      errors: a.errors,
      before: a.before,
      after,
    };
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
  if (!configs.includes('off')) throw new Error('the configs must include off (the baseline)');
  pinSelf();
  const t0 = Date.now();
  const servers = {};
  const rounds = [];
  let warm = null;
  let steady = null;
  try {
    for (const c of configs) {
      servers[c] = await startServer(c);
      await checkServer(c, servers[c].port);
    }
    console.error(`warm-up: ${WARMUP} s, all ${configs.length} servers at once, ${WARMUP_RATE} req/s each`);
    if (WARMUP > 0) await Promise.all(configs.map((c) => load(servers[c].port, WARMUP, null, WARMUP_RATE)));
    warm = {};
    for (const c of configs) warm[c] = await ask(servers[c].child, 'stats');
    for (let r = 0; r < ROUNDS; r++) {
      const res = await round(configs, servers, r);
      for (const c of configs) {
        const m = res[c];
        const lg = m.after.leakguard;
        console.error(`round ${r + 1}/${ROUNDS} ${c}: ${m.rps.toFixed(0)} req/s, ${m.cpuUsPerReq.toFixed(0)} µs CPU/req, p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms, rss ${mib(m.after.rss)} MiB` +
          `${m.errors ? `, ${m.errors} errors` : ''}${lg ? `, forced GCs ${lg.forcedGcs}, heap sampling ${lg.heapSampling}, Buffer sampling ${lg.bufferSampling}, findings ${lg.findings}` : ''}`);
      }
      rounds.push(res);
    }
    // 3. steady: every server at the same fixed rate at once, no idle gaps; CPU per request.
    if (STEADY > 0) {
      console.error(`steady: ${STEADY} s, all servers at once, ${STEADY_RATE} req/s each`);
      const before = {};
      for (const c of configs) before[c] = await ask(servers[c].child, 'stats');
      const lat = Object.fromEntries(configs.map((c) => [c, []]));
      await Promise.all(configs.map((c) => load(servers[c].port, STEADY, lat[c], STEADY_RATE)));
      steady = {};
      for (const c of configs) {
        const after = await ask(servers[c].child, 'stats');
        const sorted = lat[c].sort((x, y) => x - y);
        steady[c] = { cpuUsPerReq: (after.cpuUs - before[c].cpuUs) / (after.served - before[c].served), served: after.served - before[c].served, p99: percentile(sorted, 0.99), p999: percentile(sorted, 0.999), before: before[c], after };
      }
    }
  } finally {
    for (const c of Object.keys(servers)) await stopServer(servers[c].child);
    if (args['cpu-prof']) fs.writeFileSync(path.join(path.resolve(args['cpu-prof']), 'load-windows.json'), JSON.stringify(loadWindows));
  }
  const minutes = ((Date.now() - t0) / 60000).toFixed(1);

  const lines = [];
  const cpu = os.cpus();
  lines.push(`Node ${process.version}, ${cpu.length}× ${cpu[0] ? cpu[0].model.trim() : 'cpu'} (shared with other jobs), one server process per config${args.pin ? ' (servers pinned to CPU 1, autocannon to CPU 0)' : ''}. ` +
    `Warm-up ${WARMUP} s (all servers at once, ${WARMUP_RATE} req/s each), then ${ROUNDS} rounds; in each round every config gets ${DURATION} s of ${RATE ? `load at ${RATE} req/s` : 'full load'} ` +
    `(autocannon, ${CONNECTIONS} connections, 127.0.0.1) in ${SLICES} slices alternating with the other configs. ${minutes} min in all. ` +
    'Ratios are per round against that round\'s "off"; median (range) over rounds. "p99, all rounds": the 99th percentile of every ' +
    'request of the config over all rounds, as a ratio to off\'s. Major GCs: V8\'s full GCs (perf_hooks) during the rounds; young generation: ' +
    'new space at the end (`v8.getHeapSpaceStatistics()`).\n');
  if (rounds.length) {
    const pooled = {};
    for (const c of configs) pooled[c] = percentile(rounds.flatMap((r) => r[c].latencies).sort((x, y) => x - y), 0.99);
    lines.push('| config | req/s | throughput vs off | p99 ms | p99 vs off | p99, all rounds, vs off | server CPU µs/req | CPU/req vs off | RSS, MiB | major GCs in the rounds | young generation, MiB |');
    lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
    for (const c of configs) {
      const col = (f) => rounds.map((r) => f(r[c], r.off));
      const ratioCell = (xs) => (c === 'off' ? '1' : `${median(xs).toFixed(3)} (${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)}), ${pct(median(xs))}`);
      lines.push(`| ${LABELS[c]} | ${median(col((m) => m.rps)).toFixed(0)} | ${ratioCell(col((m, o) => m.rps / o.rps))} | ` +
        `${median(col((m) => m.p99)).toFixed(2)} | ${ratioCell(col((m, o) => m.p99 / o.p99))} | ` +
        `${c === 'off' ? `1 (${pooled.off.toFixed(2)} ms)` : `${(pooled[c] / pooled.off).toFixed(3)} (${pooled[c].toFixed(2)} ms)`} | ` +
        `${median(col((m) => m.cpuUsPerReq)).toFixed(0)} | ${ratioCell(col((m, o) => m.cpuUsPerReq / o.cpuUsPerReq))} | ${mib(median(col((m) => m.after.rss)))} | ` +
        `${rounds[rounds.length - 1][c].after.majorGcs - rounds[0][c].before.majorGcs} | ${mib(rounds[rounds.length - 1][c].after.newSpaceBytes)} |`);
    }
  }
  if (steady) {
    lines.push('');
    lines.push(`Steady load: after the rounds, every server at ${STEADY_RATE} req/s at once for ${STEADY} s (no idle gaps; outside load hits all alike). ` +
      'Server CPU time per request, p99 and p99.9 (every response\'s latency), as ratios to "off"; V8\'s major GCs and leakguard\'s ' +
      'confirming GCs during this phase (and in the whole run), young generation at the end.\n');
    lines.push('| config | requests | server CPU µs/req | CPU/req vs off | p99 ms | p99 vs off | p99.9 vs off | major GCs (whole run) | confirming GCs (whole run) | young generation, MiB |');
    lines.push('|---|---|---|---|---|---|---|---|---|---|');
    for (const c of configs) {
      const x = steady[c];
      const lgB = x.before.leakguard;
      const lgA = x.after.leakguard;
      lines.push(`| ${LABELS[c]} | ${x.served} | ${x.cpuUsPerReq.toFixed(0)} | ${(x.cpuUsPerReq / steady.off.cpuUsPerReq).toFixed(3)} | ` +
        `${x.p99.toFixed(2)} | ${(x.p99 / steady.off.p99).toFixed(3)} | ${(x.p999 / steady.off.p999).toFixed(3)} | ${x.after.majorGcs - x.before.majorGcs} (${x.after.majorGcs}) | ` +
        `${lgA ? `${lgA.forcedGcs - lgB.forcedGcs} (${lgA.forcedGcs}${lgA.forcedGcMethod ? `, ${lgA.forcedGcMethod}` : ''})` : '–'} | ${mib(x.after.newSpaceBytes)} |`);
    }
  }
  const lgConfigs = configs.filter((c) => ['default', 'default2', 'defaultgc', 'defaultgc2', 'hooks', 'noforcedgc', 'noheapsites', 'all'].includes(c));
  if (lgConfigs.length && rounds.length) {
    lines.push('');
    lines.push('leakguard about itself (`report().leakguard`): at the end of the warm-up → at the end of the last round.\n');
    lines.push('| config | requests served | stack captures | detector memory (`detector.approxBytes`) | series | RSS − off RSS, MiB | last tick ms | confirming GCs (total pause) | sampling heap profiler / Buffer sampling on in rounds | findings | hook errors |');
    lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
    const last = rounds[rounds.length - 1];
    for (const c of lgConfigs) {
      const a = warm[c].leakguard || {};
      const b = last[c].after.leakguard || {};
      const rssDelta = last[c].after.rss - last.off.after.rss;
      const heapOn = rounds.filter((r) => r[c].after.leakguard && r[c].after.leakguard.heapSampling).length;
      const bufOn = rounds.filter((r) => r[c].after.leakguard && r[c].after.leakguard.bufferSampling).length;
      lines.push(`| ${c} | ${warm[c].served} → ${last[c].after.served} | ${a.stackCaptures} → ${b.stackCaptures} | ${kib(a.detectorBytes)} → ${kib(b.detectorBytes)} | ` +
        `${a.series} → ${b.series} | ${(rssDelta / 1048576).toFixed(1)} | ${Number(b.lastTickMs).toFixed(2)} | ` +
        `${a.forcedGcs} (${Number(a.forcedGcMs).toFixed(0)} ms) → ${b.forcedGcs} (${Number(b.forcedGcMs).toFixed(0)} ms) | ${heapOn}/${rounds.length} / ${bufOn}/${rounds.length} | ${b.findings} | ${b.hookErrors} |`);
    }
  }
  const errs = configs.map((c) => [c, rounds.reduce((n, r) => n + r[c].errors, 0)]).filter(([, n]) => n > 0);
  if (errs.length) lines.push(`\nErrors/non-2xx: ${errs.map(([c, n]) => `${c} ${n}`).join(', ')}`);
  console.log(lines.join('\n'));
  if (args.out) fs.writeFileSync(args.out, JSON.stringify({ node: process.version, args, warm, rounds, steady }, (k, v) => (k === 'latencies' ? undefined : v), 1));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
