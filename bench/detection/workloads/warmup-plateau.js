'use strict';
// Healthy: an API that builds per-route caches lazily. Requests spread over 3000
// routes; during the first ~15 s each new route compiles a ~10 KB template and a
// lookup table, then every route is warm and memory stays flat.
// Load: autocannon, 200 req/s, routes chosen in order at first, then at random.
const http = require('node:http');
const { serve } = require('../harness');

const ROUTES = 3000;
const compiled = new Map();
let served = 0;

function compile(route) {
  const parts = Array.from({ length: 100 }, (_, i) => `<div class="r${route}-${i}">{{field${i}}}</div>`);
  return { route, html: parts.join(''), index: new Map(parts.map((p, i) => [`field${i}`, i])) };
}

function handle(req, res) {
  served++;
  const route = served < ROUTES ? served : Math.floor(Math.random() * ROUTES);
  let t = compiled.get(route);
  if (!t) {
    t = compile(route);
    compiled.set(route, t);
  }
  res.end(t.html.slice(0, 64));
}

serve(http.createServer(handle), { rate: 200, connections: 10, path: '/page' });
