'use strict';
// Leaky: graceful shutdown wired through one process-wide AbortController; every
// request adds an 'abort' listener to its signal (to cancel the request on shutdown)
// and never removes it. Load: autocannon, 100 req/s.
const http = require('node:http');
const { serve, leakguard } = require('../harness');

const shutdown = new AbortController();
leakguard.trackEmitter(shutdown.signal, { name: 'shutdown' });

function handle(req, res) {
  shutdown.signal.addEventListener('abort', () => res.destroy()); // LEAK-SITE
  res.setHeader('content-type', 'text/plain');
  res.end(`hello ${req.url}\n`);
}

process.once('SIGTERM', () => shutdown.abort());

serve(http.createServer(handle), { rate: 100, connections: 10, path: '/hello' });
