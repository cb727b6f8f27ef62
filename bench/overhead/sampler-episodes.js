'use strict';
// How long the default mode's samplers run in the healthy bench service:
//   node bench/overhead/sampler-episodes.js [--runs 2] [--duration 240] [--rate 600] [--config default]
// One server (server.js) at a time under a fixed rate (autocannon, 10 connections,
// 127.0.0.1) with NODE_DEBUG=leakguard; its log lines give when the sampling heap
// profiler and the Buffer sampler start and stop, and when a confirming GC is asked for.
// Per run: seconds with the profiler on, its episodes, Buffer sampler episodes,
// confirming GCs asked for, findings (docs/overhead.md, 2026-12-08: 18-91 s of 240 before
// the samplers waited for a new-high post-GC floor, 0 and 29 s after).
const { fork } = require('node:child_process');
const path = require('node:path');
const { parseArgs } = require('node:util');
const autocannon = require('autocannon');

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '2' },
    duration: { type: 'string', default: '240' },
    rate: { type: 'string', default: '600' },
    config: { type: 'string', default: 'default' },
    json: { type: 'boolean', default: false },
  },
});

function run() {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = fork(path.join(__dirname, 'server.js'), [args.config], {
      env: { ...process.env, NODE_DEBUG: 'leakguard' },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const events = []; // [seconds since start, line]
    let pending = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      pending += chunk;
      let i;
      while ((i = pending.indexOf('\n')) >= 0) {
        events.push([(Date.now() - t0) / 1000, pending.slice(0, i)]);
        pending = pending.slice(i + 1);
      }
    });
    child.once('error', reject);
    child.once('message', async (m) => {
      try {
        await autocannon({ url: `http://127.0.0.1:${m.port}/x`, connections: 10, overallRate: Number(args.rate), duration: Number(args.duration) });
        const stats = await new Promise((res) => {
          child.once('message', (s) => res(s.stats));
          child.send({ cmd: 'stats' });
        });
        const end = (Date.now() - t0) / 1000;
        const row = { profilerOnS: 0, profilerEpisodes: 0, bufferEpisodes: 0, confirmingGcsAsked: 0, findings: stats.leakguard ? stats.leakguard.findings : 0, runS: Math.round(end) };
        let since = null;
        for (const [t, line] of events) {
          if (line.includes('starting the sampling heap profiler')) {
            row.profilerEpisodes++;
            since = t;
          } else if (line.includes('stopping the sampling heap profiler') && since !== null) {
            row.profilerOnS += t - since;
            since = null;
          } else if (line.includes('starting the Buffer sampler')) {
            row.bufferEpisodes++;
          } else if (line.includes('confirming GC asked for')) {
            row.confirmingGcsAsked++;
          }
        }
        if (since !== null) row.profilerOnS += end - since;
        row.profilerOnS = Math.round(row.profilerOnS);
        resolve(row);
      } catch (err) {
        reject(err);
      } finally {
        child.kill();
      }
    });
  });
}

(async () => {
  for (let i = 0; i < Number(args.runs); i++) {
    const row = await run();
    if (args.json) console.log(JSON.stringify(row));
    else console.log(`run ${i + 1}: sampling heap profiler on ${row.profilerOnS} s of ${row.runS} (${row.profilerEpisodes} episodes), Buffer sampler episodes ${row.bufferEpisodes}, confirming GCs asked for ${row.confirmingGcsAsked}, findings ${row.findings}`);
  }
})().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
