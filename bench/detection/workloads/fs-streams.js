'use strict';
// Leaky: a download endpoint opens the file stream first, then answers from a cache
// for most requests and never consumes or destroys the stream it opened (its file
// descriptor stays open). Load: autocannon, 20 req/s.
const http = require('node:http');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { serve } = require('../harness');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-bench-'));
const file = path.join(dir, 'report.csv');
fs.writeFileSync(file, 'id,value\n'.repeat(20000));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
const cached = fs.readFileSync(file);

function handle(req, res) {
  const stream = fs.createReadStream(file); // LEAK-SITE
  if (cached) {
    res.setHeader('content-type', 'text/csv');
    res.end(cached.subarray(0, 1024));
    return;
  }
  stream.pipe(res);
}

serve(http.createServer(handle), { rate: 20, connections: 4, path: '/report.csv' });
