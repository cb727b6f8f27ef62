'use strict';
// V8's major GCs under saturating load, per config, one server at a time:
//   node bench/overhead/major-gcs.js [--configs off,hooks,...] [--runs 2] [--load 20]
// Each server (server.js) gets 15 s at 150 req/s, then --load seconds of full load
// (autocannon, 10 connections, 127.0.0.1); the line per run gives the major GCs during
// the full load (perf_hooks), requests/s and server CPU per request. Configs alternate
// run by run. Besides server.js's configs (off, default, hooks, all, ...), `lg:{json}`
// runs leakguard.start(json), e.g. `lg:{"heapSites":false,"forcedGc":false,"streams":false}`
// to find which part of leakguard makes a service promote objects (docs/overhead.md,
// 2026-12-08: the stream registration batch).
const { fork } = require('node:child_process');
const path = require('node:path');
const { parseArgs } = require('node:util');
const autocannon = require('autocannon');

const { values: args } = parseArgs({
  options: {
    configs: { type: 'string', default: 'off,hooks' },
    runs: { type: 'string', default: '2' },
    load: { type: 'string', default: '20' },
    json: { type: 'boolean', default: false },
  },
});
// Configs are separated by commas outside braces (lg:{...} holds commas).
const configs = args.configs.match(/(?:[^,{]|\{[^}]*\})+/g) || [];
const HOOKS = 'lg:' + JSON.stringify({ heapSites: false, forcedGc: false });

function stats(child) {
  return new Promise((resolve) => {
    const onMessage = (m) => {
      if (m && m.type === 'stats') {
        child.off('message', onMessage);
        resolve(m.stats);
      }
    };
    child.on('message', onMessage);
    child.send({ cmd: 'stats' });
  });
}

function run(config) {
  const arg = config === 'hooks' ? HOOKS : config;
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'server.js'), [arg], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    child.once('error', reject);
    child.once('message', async (m) => {
      try {
        const url = `http://127.0.0.1:${m.port}/x`;
        await autocannon({ url, connections: 2, overallRate: 150, duration: 15 });
        const a = await stats(child);
        const r = await autocannon({ url, connections: 10, duration: Number(args.load) });
        const b = await stats(child);
        resolve({ config, reqPerSec: Math.round(r.requests.average), majorGcs: b.majorGcs - a.majorGcs, cpuUsPerReq: +((b.cpuUs - a.cpuUs) / (b.served - a.served)).toFixed(1), youngGenerationMiB: b.newSpaceBytes / 1048576 });
      } catch (err) {
        reject(err);
      } finally {
        child.kill();
      }
    });
  });
}

(async () => {
  const rows = [];
  for (let i = 0; i < Number(args.runs); i++) {
    for (const config of configs) {
      const row = await run(config);
      rows.push(row);
      if (args.json) console.log(JSON.stringify(row));
      else console.log(`${config}: ${row.majorGcs} major GCs in ${args.load} s, ${row.reqPerSec} req/s, ${row.cpuUsPerReq} µs CPU/req, young generation ${row.youngGenerationMiB} MiB`);
    }
  }
})().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
