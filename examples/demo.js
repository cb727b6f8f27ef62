#!/usr/bin/env node
'use strict';
// The main job: start examples/leaky-server.js with leakguard, drive real HTTP load on
// 127.0.0.1 with autocannon, and print what leakguard found.
//
//   npm run demo                      # all four leaks on, ~30 s
//   npm run demo -- --healthy         # same server, leaks off: expect no finding
//   npm run demo -- --duration 15 --json
//   npm run demo -- --rate 3000       # a fixed load (requests/s) instead of as fast as the server answers
//   npm run demo -- --diagnose off    # no heap diagnosis (two heap snapshots when the heap finding opens)
const path = require('node:path');
const { fork } = require('node:child_process');
const { parseArgs } = require('node:util');
const autocannon = require('autocannon');

const { values: args } = parseArgs({
  options: {
    healthy: { type: 'boolean', default: false },
    duration: { type: 'string', default: '30' },
    connections: { type: 'string', default: '20' },
    rate: { type: 'string', default: '0' }, // requests/s over all connections (autocannon overallRate); 0: as fast as the server answers
    'interval-ms': { type: 'string', default: '1000' },
    'warmup-ms': { type: 'string', default: '5000' },
    json: { type: 'boolean', default: false },
    diagnose: { type: 'string', default: 'on' },
    leaks: { type: 'string', default: 'listener,interval,cache,buffers' },
  },
});

const duration = Number(args.duration);
const rate = Number(args.rate);
if (!(duration > 0)) throw new Error(`--duration must be a number of seconds > 0, got ${JSON.stringify(args.duration)}`);
if (!(rate >= 0)) throw new Error(`--rate must be a number of requests/s >= 0, got ${JSON.stringify(args.rate)}`);
const log = args.json ? () => {} : (s) => process.stdout.write(s);

function fmtBytes(b) {
  const a = Math.abs(b);
  if (a >= 1 << 20) return `${(b / (1 << 20)).toFixed(1)} MiB`;
  if (a >= 1024) return `${(b / 1024).toFixed(1)} KiB`;
  return `${Math.round(b)} B`;
}

function fmtRate(f) {
  return f.unit === 'bytes' ? `+${fmtBytes(f.growthPerMinute)}/min` : `+${Math.round(f.growthPerMinute)} ${f.unit}/min`;
}

function fmtDuration(ms) {
  if (ms == null) return 'n/a';
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(0)} s`;
  if (s < 7200) return `${(s / 60).toFixed(0)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

function request(child, type) {
  return new Promise((resolve) => {
    const onMsg = (msg) => {
      if (msg && msg.type === type) {
        child.off('message', onMsg);
        resolve(msg);
      }
    };
    child.on('message', onMsg);
    child.send({ type });
  });
}

async function main() {
  const leaks = args.healthy ? 'none' : args.leaks;
  const child = fork(path.join(__dirname, 'leaky-server.js'), [
    '--leaks', leaks, '--interval-ms', args['interval-ms'], '--warmup-ms', args['warmup-ms'], '--diagnose', args.diagnose,
  ], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: process.env.DEMO_EXEC_ARGV ? process.env.DEMO_EXEC_ARGV.split(' ') : [] });
  const live = [];
  const resolved = new Map(); // id -> finding as it closed (growth stopped during the run)
  const diagnoses = new Map(); // id -> heap diagnosis (for a finding that closed before it was ready)
  child.on('message', (msg) => {
    if (msg.type === 'leak') live.push({ at: Date.now(), finding: msg.finding });
    if (msg.type === 'resolved') resolved.set(msg.finding.id, msg.finding);
    if (msg.type === 'diagnosis') diagnoses.set(msg.id, msg.diagnosis);
  });
  const { port } = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`leaky-server exited with code ${code}`)));
    child.on('message', (msg) => msg.type === 'listening' && resolve(msg));
  });
  log(`leaky-server on http://127.0.0.1:${port}, leaks: ${leaks}; autocannon for ${duration} s with ${args.connections} connections\n`);

  const started = Date.now();
  const instance = autocannon({
    url: `http://127.0.0.1:${port}/api/items`, connections: Number(args.connections), duration, ...(rate > 0 ? { overallRate: rate } : {}),
  });
  let requests = 0;
  instance.on('response', () => { requests++; });
  const progress = setInterval(() => {
    const s = (Date.now() - started) / 1000;
    log(`\r[${s.toFixed(0).padStart(3)}/${duration} s] ${requests.toLocaleString('en-US')} requests, ${Math.round(requests / s).toLocaleString('en-US')} req/s, findings so far: ${live.length}   `);
  }, 1000);
  const result = await instance;
  clearInterval(progress);
  log('\n');

  if (!args.json) log('waiting for the report (a heap diagnosis may still be running)...\n');
  const { report, served } = await request(child, 'report');
  child.send({ type: 'stop' });

  const out = {
    healthy: args.healthy,
    durationS: duration,
    requests: result.requests.total,
    served,
    rps: Math.round(result.requests.average),
    latencyP99Ms: result.latency.p99,
    // open at the end, then those that closed during the run (e.g. growth paused
    // while the heap diagnosis blocked the server), newest state of each
    findings: [...report.findings, ...[...resolved.values()].filter((f) => !report.findings.some((o) => o.id === f.id)).map((f) => {
      const d = diagnoses.get(f.id);
      if (!d || f.diagnosis) return f;
      return { ...f, diagnosis: d, sites: [...(d.sites || []), ...f.sites] };
    })],
    detectedAfterMs: Object.fromEntries(live.map((l) => [`${l.finding.kind}:${l.finding.target}`, l.at - started])),
    leakguard: report.leakguard,
    memory: { heapUsed: report.memory.heapUsed, arrayBuffers: report.memory.arrayBuffers, rss: report.memory.rss },
  };
  if (args.json) {
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  log(`\n${out.requests.toLocaleString('en-US')} requests (${out.rps.toLocaleString('en-US')} req/s, p99 ${out.latencyP99Ms} ms)\n`);
  if (out.findings.length === 0) {
    log('\nleakguard: no leak found.\n');
  } else {
    log(`\nleakguard: ${out.findings.length} leak finding(s)\n`);
    for (const f of out.findings) {
      const unitFmt = (v) => (f.unit === 'bytes' ? fmtBytes(v) : `${Math.round(v)} ${f.unit}`);
      log(`\n  ${f.kind.padEnd(12)} ${f.target}${f.closedAt ? '   (growth paused before the end: resolved)' : ''}\n`);
      log(`    growth       ${fmtRate(f)}  (${unitFmt(f.baseline)} -> ${unitFmt(f.current)}, confidence ${(f.confidence * 100).toFixed(1)}%)\n`);
      log(`    detected     ${fmtDuration(out.detectedAfterMs[`${f.kind}:${f.target}`])} after load started\n`);
      if (f.timeToLimitMs != null) log(`    limit in     ~${fmtDuration(f.timeToLimitMs)} at this rate\n`);
      f.sites.slice(0, 3).forEach((s, i) => {
        const [first, ...rest] = s.stack.split('\n');
        const n = s.holder ? `adds to ${s.holder}, +${fmtBytes(s.count)} between snapshots`
          : f.unit === 'bytes' ? `${fmtBytes(s.count)} sampled` : `${Math.round(s.count)} live`;
        log(`    ${i === 0 ? 'sites' : '     '}        ${first}  (${n})${rest.length ? `  <- ${rest[0]}` : ''}\n`);
      });
      if (f.diagnosis && f.diagnosis.classes) {
        f.diagnosis.classes.slice(0, 3).forEach((c, i) => {
          log(`    ${i === 0 ? 'growing' : '       '}      ${c.name} +${c.countDelta.toLocaleString('en-US')} (+${fmtBytes(c.sizeDelta)})${c.retainerPath ? `, retained by ${c.retainerPath}` : ''}\n`);
        });
        // Growth owners: the existing objects the new ones accumulated under.
        (f.diagnosis.owners || []).slice(0, 3).forEach((o, i) => {
          log(`    ${i === 0 ? 'held by' : '       '}      ${o.retainerPath} (+${o.addedCount.toLocaleString('en-US')} new objects, +${fmtBytes(o.addedSize)})\n`);
        });
      } else if (f.diagnosis && f.diagnosis.skipped) {
        log(`    diagnosis    skipped: ${f.diagnosis.skipped}\n`);
      }
    }
  }
  const own = report.leakguard;
  log(`\nleakguard itself: ${own.ticks} ticks, last tick ${own.lastTickMs.toFixed(2)} ms, ${own.detector.series} series, ~${fmtBytes(own.detector.approxBytes)} detector state, ${own.hookErrors} hook errors\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
