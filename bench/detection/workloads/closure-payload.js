'use strict';
// Leaky: each upload registers a metrics hook in a long-lived list; the hook only needs
// the body's length but its closure captures the whole body (~8 KB per request).
// Load: autocannon, 50 POST/s with an 8 KB JSON body.
const http = require('node:http');
const { serve } = require('../harness');

const onFlush = [];
let flushed = 0;

function readBody(req, cb) { // LEAK-FN
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => { body += chunk; }); // LEAK-ALLOC
  req.on('end', () => cb(body));
}

function handle(req, res) {
  readBody(req, (body) => { // LEAK-FN (the callback whose context holds body)
    const doc = JSON.parse(body);
    onFlush.push(() => { flushed += body.length; }); // LEAK-SITE
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ stored: doc.items.length }));
  });
}

setInterval(() => { for (const hook of onFlush.slice(-10)) hook(); }, 5000);

const body = JSON.stringify({ items: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `item-${i}`, tag: 'x'.repeat(8) })) });
serve(http.createServer(handle), { rate: 50, connections: 5, path: '/upload', method: 'POST', body, headers: { 'content-type': 'application/json' } });
