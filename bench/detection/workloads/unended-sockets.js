'use strict';
// Leaky: a metrics client opens a TCP connection to a local collector for each batch,
// writes it, and never ends the socket; the collector never closes either. 10 batches/s.
const net = require('node:net');

let received = 0;
const collector = net.createServer((socket) => {
  socket.on('data', (d) => { received += d.length; });
});

function sendBatch(port, batch) {
  const socket = net.connect(port, '127.0.0.1'); // LEAK-SITE
  socket.write(`${JSON.stringify(batch)}\n`);
}

collector.listen(0, '127.0.0.1', () => {
  const { port } = collector.address();
  let n = 0;
  setInterval(() => sendBatch(port, { n: n++, cpu: process.cpuUsage(), at: Date.now() }), 100);
});
