'use strict';
// Healthy: a fixed pool of 4 worker threads, tasks dispatched round-robin at 50/s.
// This file is also the workers' script.
const { Worker, isMainThread, parentPort } = require('node:worker_threads');

if (isMainThread) {
  const pool = Array.from({ length: 4 }, () => new Worker(__filename));
  let done = 0;
  for (const w of pool) w.on('message', () => { done++; });
  let n = 0;
  setInterval(() => pool[n++ % pool.length].postMessage({ n }), 20);
} else {
  parentPort.on('message', ({ n }) => {
    let x = 0;
    for (let i = 0; i < 2e4; i++) x += Math.sqrt(i * n);
    parentPort.postMessage(x);
  });
}
