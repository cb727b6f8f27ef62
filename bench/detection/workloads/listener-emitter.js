'use strict';
// Leaky: an HTTP API that pushes config changes to in-flight work through a
// long-lived EventEmitter, and subscribes a listener per request without removing it.
// Load: autocannon, 100 req/s. The warning is not silenced (Node's default max of 10).
const http = require('node:http');
const { EventEmitter } = require('node:events');
const { serve, leakguard } = require('../harness');

const config = leakguard.trackEmitter(new EventEmitter(), { name: 'config' });
let current = { featureX: false, version: 1 };

function handle(req, res) {
  const state = { id: req.url, flags: { ...current } };
  config.on('change', (next) => { state.flags = next; }); // LEAK-SITE
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ ok: true, flags: state.flags }));
}

setInterval(() => {
  current = { featureX: !current.featureX, version: current.version + 1 };
  config.emit('change', current);
}, 5000);

serve(http.createServer(handle), { rate: 100, connections: 10, path: '/api/flags' });
