'use strict';
// Leaky: a client per subscription that keeps reconnecting to an upstream that went
// away (a closed port on 127.0.0.1). Nothing ever stops a loop, and a new subscription
// starts every 500 ms: one live retry timer per loop.
const net = require('node:net');

let deadPort = 0;
let attempts = 0;

function connectWithRetry(sub) {
  attempts++;
  const socket = net.connect(deadPort, '127.0.0.1');
  socket.once('connect', () => socket.end());
  socket.once('error', () => {
    socket.destroy();
    sub.retries++;
    setTimeout(() => connectWithRetry(sub), 2000); // LEAK-SITE
  });
}

// Find a port with nothing listening: listen, note it, close.
const probe = net.createServer().listen(0, '127.0.0.1', () => {
  deadPort = probe.address().port;
  probe.close(() => {
    let n = 0;
    setInterval(() => connectWithRetry({ id: n++, retries: 0 }), 500);
  });
});
