'use strict';
// A plain node:http service with no leakguard code but its /metrics route, for
// docs/production.md. Start it the zero-code way:
//
//   LEAKGUARD_WARMUP_MS=5000 node -r leakguard/register examples/production-app.js
//
// It leaks an interval per 10th request and a Map entry per request (LEAKS=none
// turns both off). GET /metrics serves prom-client's default Node metrics and
// leakguard's (registerMetrics).
const http = require('node:http');
const client = require('prom-client');
const leakguard = require('..'); // `require('leakguard')` in an app

const register = new client.Registry();
client.collectDefaultMetrics({ register });
leakguard.registerMetrics(register);

const leaking = process.env.LEAKS !== 'none';
const sessions = new Map();
let served = 0;

const server = http.createServer(async (req, res) => {
  if (req.url === '/metrics') {
    res.setHeader('Content-Type', register.contentType);
    return res.end(await register.metrics());
  }
  served++;
  if (leaking) {
    sessions.set(`${served}:${Date.now()}`, { user: `user-${served % 1000}`, seen: new Array(32).fill(served) });
    if (served % 10 === 0) setInterval(() => {}, 60000); // never cleared
  }
  const t = setTimeout(() => {}, 1000);
  clearTimeout(t);
  res.end('ok\n');
});

server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
