'use strict';
// Leaky: a session cache keyed by a new id per request, never evicted (~1 KB per
// entry). Load: autocannon, 200 req/s.
const http = require('node:http');
const crypto = require('node:crypto');
const { serve } = require('../harness');

const sessions = new Map();

function handle(req, res) { // LEAK-FN
  const id = crypto.randomUUID();
  const session = { // LEAK-ALLOC
    id,
    user: `user-${Math.floor(Math.random() * 1e6)}`,
    createdAt: Date.now(),
    agent: req.headers['user-agent'] || 'unknown',
    cart: Array.from({ length: 20 }, (_, i) => ({ sku: `sku-${i}-${id.slice(0, 8)}`, qty: i })), // LEAK-ALLOC
  };
  sessions.set(id, session); // LEAK-SITE
  res.setHeader('set-cookie', `sid=${id}`);
  res.end('ok');
}

serve(http.createServer(handle), { rate: 200, connections: 10, path: '/login' });
