'use strict';
// Healthy: a product cache bounded to 2000 entries (LRU by Map insertion order), keys
// drawn from 100k products, so it fills during the first ~10 s and then evicts at its
// bound. ~1 KB per entry. Load: autocannon, 200 req/s.
const http = require('node:http');
const { serve } = require('../harness');

const MAX = 2000;
const lru = new Map();
let hits = 0;

function load(id) {
  return { id, title: `product ${id}`, price: (id % 997) / 10, related: Array.from({ length: 20 }, (_, i) => `p-${(id * 31 + i) % 100000}`) };
}

function get(id) {
  let v = lru.get(id);
  if (v) {
    hits++;
    lru.delete(id);
  } else {
    v = load(id);
    if (lru.size >= MAX) lru.delete(lru.keys().next().value);
  }
  lru.set(id, v);
  return v;
}

function handle(req, res) {
  const id = Math.floor(Math.random() * 100000);
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(get(id)));
}

serve(http.createServer(handle), { rate: 200, connections: 10, path: '/product' });
