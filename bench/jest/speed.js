'use strict';
// Speed: wall time of one default toLeak()-style check (checkLeaks with default
// options: 10 warm-up calls, 5 calls with resource hooks, 8 heap rounds of 6 calls
// with a forced full GC after each) for functions that take well under 1 ms.
// Warm-up check first, then `--reps` checks per function; median and spread.
//   node bench/jest/speed.js [--reps 15]
const { checkLeaks } = require('../..');
const { EventEmitter } = require('node:events');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const bus = new EventEmitter();
const lru = new Map();
let k = 0;
const FNS = {
  'noop': () => {},
  'listener on/off': () => {
    const f = () => {};
    bus.on('x', f);
    bus.off('x', f);
  },
  'bounded Map + 1 KiB object': () => {
    lru.set(k++, { v: new Array(128).fill(k) });
    if (lru.size > 50) lru.delete(lru.keys().next().value);
  },
  'async (one await)': async () => { await Promise.resolve(); },
};

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: Math.round(q(0.5)), p10: Math.round(q(0.1)), p90: Math.round(q(0.9)), max: Math.round(s[s.length - 1]) };
}

async function main() {
  const reps = arg('reps', 15);
  const out = { node: process.version, heapUsedMiB: 0, reps, results: {} };
  for (const [name, fn] of Object.entries(FNS)) {
    const r0 = await checkLeaks(fn);
    if (r0.leaked) throw new Error(`${name}: reported as leaking: ${JSON.stringify(r0.findings)}`);
    const times = [];
    let fnMs = 0;
    for (let i = 0; i < reps; i++) {
      const r = await checkLeaks(fn);
      if (r.leaked) throw new Error(`${name}: reported as leaking`);
      times.push(r.ms);
    }
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 1000; i++) await fn();
    fnMs = Number(process.hrtime.bigint() - t0) / 1e9;
    out.results[name] = { fnMsPerCall: Math.round(fnMs * 1e4) / 1e4, checkMs: stats(times) };
  }
  out.heapUsedMiB = Math.round(process.memoryUsage().heapUsed / 1048576);
  console.log(JSON.stringify(out, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
