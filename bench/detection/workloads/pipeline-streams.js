'use strict';
// Healthy: a download endpoint streams a file through gzip into the response with
// stream.pipeline, which closes every stream on success and on error.
// Load: autocannon, 30 req/s.
const http = require('node:http');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const { pipeline } = require('node:stream');
const { serve } = require('../harness');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-bench-'));
const file = path.join(dir, 'export.csv');
fs.writeFileSync(file, Array.from({ length: 5000 }, (_, i) => `${i},value-${i}\n`).join(''));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
let failed = 0;

function handle(req, res) {
  res.setHeader('content-type', 'text/csv');
  res.setHeader('content-encoding', 'gzip');
  pipeline(fs.createReadStream(file), zlib.createGzip(), res, (err) => { if (err) failed++; });
}

serve(http.createServer(handle), { rate: 30, connections: 6, path: '/export.csv' });
