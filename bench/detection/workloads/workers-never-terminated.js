'use strict';
// Leaky: each task gets its own worker thread; the worker answers and stays alive
// (it listens on its port, and so does the parent), so threads and MessagePorts pile
// up. One task per second. This file is also the worker's script.
const { Worker, isMainThread, parentPort } = require('node:worker_threads');

if (isMainThread) {
  let results = 0;
  const runTask = (n) => {
    const worker = new Worker(__filename, { workerData: { n } }); // LEAK-SITE
    worker.on('message', () => { results++; });
    worker.postMessage({ n });
  };
  let n = 0;
  setInterval(() => runTask(n++), 1000);
} else {
  parentPort.on('message', ({ n }) => {
    let x = 0;
    for (let i = 0; i < 1e5; i++) x += Math.sqrt(i * n);
    parentPort.postMessage(x);
  });
}
