'use strict';
// Leaky: a thumbnail endpoint keeps every rendered image Buffer (32 KB) in a
// module-level array "for the debug page". Load: autocannon, 40 req/s (~1.3 MB/s).
const http = require('node:http');
const { serve } = require('../harness');

const rendered = [];

function render(seed) { // LEAK-FN
  const img = Buffer.alloc(32 * 1024); // LEAK-ALLOC
  for (let i = 0; i < img.length; i += 64) img[i] = (seed + i) & 0xff;
  return img;
}

function handle(req, res) {
  const img = render(rendered.length);
  rendered.push(img); // LEAK-SITE
  res.setHeader('content-type', 'application/octet-stream');
  res.end(img.subarray(0, 512));
}

serve(http.createServer(handle), { rate: 40, connections: 4, path: '/thumb/1.png' });
