'use strict';
// Leaky: an audit log kept in a module-level array, one record per request, never
// trimmed (~1 KB each). Load: autocannon, 200 req/s.
const http = require('node:http');
const { serve } = require('../harness');

const auditLog = [];

function audit(req, status) { // LEAK-FN
  auditLog.push({ at: new Date().toISOString(), method: req.method, url: req.url, headers: { ...req.headers }, status, note: `served ${req.url} with status ${status} `.repeat(8) }); // LEAK-SITE
}

function handle(req, res) {
  res.end(JSON.stringify({ items: [1, 2, 3] }));
  audit(req, res.statusCode);
}

serve(http.createServer(handle), { rate: 200, connections: 10, path: '/api/items?page=1' });
