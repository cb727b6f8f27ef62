'use strict';
// Healthy: 200 long-lived TCP connections to a local server (a chat/presence service),
// each sending a heartbeat every second that the server echoes.
const net = require('node:net');

let echoed = 0;
const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('data', (d) => socket.write(d));
  socket.on('error', () => {});
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  for (let i = 0; i < 200; i++) {
    const client = net.connect(port, '127.0.0.1');
    client.setKeepAlive(true, 10000);
    client.on('data', () => { echoed++; });
    setTimeout(() => setInterval(() => client.write(`ping ${i} ${Date.now()}\n`), 1000), Math.random() * 1000);
  }
});
