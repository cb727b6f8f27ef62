'use strict';
// Healthy: every request listens for config changes on a shared EventEmitter while it
// is in flight and removes its listener when the response closes. Response latency
// follows a 20 s wave (10-500 ms), so in-flight requests (and listeners) vary from a
// few to ~40. Load: autocannon, 100 req/s over 40 connections.
const http = require('node:http');
const { EventEmitter } = require('node:events');
const { serve, leakguard } = require('../harness');

const config = leakguard.trackEmitter(new EventEmitter(), { name: 'config' });
const t0 = Date.now();

function handle(req, res) {
  const onChange = () => res.setHeader('x-config-changed', '1');
  config.on('change', onChange);
  res.on('close', () => config.off('change', onChange));
  const phase = ((Date.now() - t0) % 20000) / 20000;
  const latency = 10 + 490 * (0.5 - 0.5 * Math.cos(2 * Math.PI * phase));
  setTimeout(() => res.end('ok'), latency);
}

setInterval(() => config.emit('change'), 3000);

serve(http.createServer(handle), { rate: 100, connections: 40, path: '/slow' });
