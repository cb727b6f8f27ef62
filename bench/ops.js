'use strict';
// Per-operation cost of leakguard's hooks, measured side by side in one run:
//   on+off on a tracked vs an untracked EventEmitter
//   setTimeout+clearTimeout with timer tracking on vs off
//   zlib.createGzip() + destroy() until 'close', with stream tracking on vs off
// Rounds alternate the order of the variants; the table gives medians (ns/op) and the
// ratio tracked/untracked. Run: npm run bench:ops [-- --rounds 7 --ops 200000]
const { EventEmitter } = require('node:events');
const zlib = require('node:zlib');
const { parseArgs } = require('node:util');
const leakguard = require('..');

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '7' }, ops: { type: 'string', default: '200000' } } });
const ROUNDS = Number(args.rounds);
const OPS = Number(args.ops);

function time(fn) {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / OPS;
}

function emitterOps(emitter) {
  return () => {
    for (let i = 0; i < OPS; i++) {
      const fn = () => i;
      emitter.on('data', fn);
      emitter.off('data', fn);
    }
  };
}

function timerOps() {
  for (let i = 0; i < OPS; i++) clearTimeout(setTimeout(() => {}, 10_000));
}

// Streams are heavier (zlib state): OPS / 20 of them, timed until the last 'close'.
function streamOps() {
  const n = Math.max(1, Math.floor(OPS / 20));
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    let closed = 0;
    const onClose = () => {
      if (++closed === n) resolve(Number(process.hrtime.bigint() - t0) / n);
    };
    for (let i = 0; i < n; i++) {
      const z = zlib.createGzip({ level: 1, memLevel: 1 });
      z.on('close', onClose);
      z.destroy();
    }
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;

async function main() {
  const results = { emitterUntracked: [], emitterTracked: [], timersOff: [], timersOn: [], streamsOff: [], streamsOn: [] };
  // The monitor runs as in production (1 s ticks adapt the stack-capture sampling).
  const tick = () => new Promise((r) => setImmediate(r));
  for (let round = 0; round < ROUNDS; round++) {
    const plain = new EventEmitter();
    leakguard.start({ intervalMs: 1000, timers: false });
    const tracked = leakguard.trackEmitter(new EventEmitter(), { name: `bench${round}` });
    const order = round % 2 === 0 ? ['emitterUntracked', 'emitterTracked'] : ['emitterTracked', 'emitterUntracked'];
    for (const v of order) results[v].push(time(emitterOps(v === 'emitterTracked' ? tracked : plain)));
    leakguard.untrackEmitter(tracked);
    leakguard.stop();
    await tick();
    for (const v of round % 2 === 0 ? ['timersOff', 'timersOn'] : ['timersOn', 'timersOff']) {
      if (v === 'timersOn') leakguard.start({ intervalMs: 1000, timers: true });
      results[v].push(time(timerOps));
      leakguard.stop();
      await tick();
    }
    for (const v of round % 2 === 0 ? ['streamsOff', 'streamsOn'] : ['streamsOn', 'streamsOff']) {
      if (v === 'streamsOn') leakguard.start({ intervalMs: 1000, timers: false, streams: true });
      results[v].push(await streamOps());
      leakguard.stop();
      await tick();
    }
  }
  const rows = [
    ['on+off, EventEmitter', 'untracked', 'tracked', results.emitterUntracked, results.emitterTracked],
    ['setTimeout+clearTimeout', 'tracking off', 'tracking on', results.timersOff, results.timersOn],
    ['zlib.createGzip + destroy until close', 'tracking off', 'tracking on', results.streamsOff, results.streamsOn],
  ];
  console.log(`leakguard hook cost, ${ROUNDS} alternating rounds of ${OPS.toLocaleString('en-US')} ops, Node ${process.version}\n`);
  console.log('| operation | baseline ns/op (median, range) | with leakguard ns/op (median, range) | ratio |');
  console.log('|---|---|---|---|');
  for (const [name, a, b, base, lg] of rows) {
    console.log(`| ${name} | ${a}: ${median(base).toFixed(0)} (${spread(base)}) | ${b}: ${median(lg).toFixed(0)} (${spread(lg)}) | ${(median(lg) / median(base)).toFixed(2)}× |`);
  }
}

main();
