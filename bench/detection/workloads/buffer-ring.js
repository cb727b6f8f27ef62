'use strict';
// Healthy: a proxy that copies each response into a fixed ring of 256 x 64 KB Buffers
// (16 MB allocated once) and also allocates short-lived Buffers per request.
// Load: autocannon, 100 req/s.
const http = require('node:http');
const { serve } = require('../harness');

const ring = Array.from({ length: 256 }, () => Buffer.alloc(64 * 1024));
let slot = 0;

function handle(req, res) {
  const tmp = Buffer.alloc(32 * 1024, slot & 0xff);
  const buf = ring[slot++ % ring.length];
  tmp.copy(buf);
  res.setHeader('content-type', 'application/octet-stream');
  res.end(buf.subarray(0, 256));
}

serve(http.createServer(handle), { rate: 100, connections: 10, path: '/blob' });
