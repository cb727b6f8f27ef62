'use strict';
// Handles by type from process.getActiveResourcesInfo(): servers opened and never closed.
const net = require('node:net');
const leakguard = require('..');
const { startManual } = require('./fixtures/core/drive');

afterEach(() => leakguard.stop());

test('servers opened per tick and never closed open a handles finding for their handle type', async () => {
  const m = startManual({ streams: false });
  const servers = [];
  const opened = [];
  const t0 = Date.now();
  try {
    for (let i = 0; i < 20; i++) {
      for (let k = 0; k < 3; k++) {
        const s = net.createServer();
        servers.push(s);
        await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
      }
      opened.push(...m.tick(t0 + i * 1000).opened.filter((f) => f.kind === 'handles'));
    }
    expect(opened.map((f) => f.target)).toEqual(['TCPServerWrap']);
    expect(opened[0].unit).toBe('handles');
    expect(leakguard.report().handles.TCPServerWrap).toBe(60);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
});

test('timers are not double-counted as handles while the timer tracker runs', () => {
  const m = startManual();
  const kept = [];
  const t0 = Date.now();
  const kinds = new Set();
  for (let i = 0; i < 20; i++) {
    for (let k = 0; k < 5; k++) kept.push(setInterval(() => {}, 60_000));
    for (const f of m.tick(t0 + i * 1000).opened) kinds.add(`${f.kind}:${f.target}`);
  }
  kept.forEach(clearInterval);
  expect([...kinds].filter((k) => !k.startsWith('heap') && !k.startsWith('rss') && !k.startsWith('external') && !k.startsWith('arrayBuffers'))).toEqual(['timers:Timeout']);
});

test('worker threads started per task and never terminated open a handles finding for Worker, with the line', async () => {
  const { lineOf } = require('./fixtures/core/drive');
  const m = startManual();
  const { Worker } = require('node:worker_threads');
  const started = [];
  const opened = [];
  const t0 = Date.now();
  try {
    for (let i = 0; i < 12; i++) {
      for (let k = 0; k < 2; k++) started.push(new Worker('setInterval(() => {}, 60000)', { eval: true })); // SITE: worker-leak
      opened.push(...m.tick(t0 + i * 1000).opened.filter((f) => f.kind === 'handles' && f.target === 'Worker'));
    }
    expect(opened).toHaveLength(1);
    expect(opened[0].sites[0].stack).toMatch(new RegExp(`^__tests__/handles\\.test\\.js:${lineOf(__filename, 'SITE: worker-leak')}:\\d+`));
    expect(leakguard.report().workers).toEqual({ live: 24, created: 24 });
  } finally {
    await Promise.all(started.map((w) => w.terminate()));
  }
  expect(leakguard.report().workers.live).toBe(0);
});

test('open file descriptors are counted from /proc/self/fd', () => {
  const fs = require('node:fs');
  const m = startManual();
  m.tick();
  const before = leakguard.report().openFds;
  const fds = Array.from({ length: 10 }, () => fs.openSync(__filename, 'r'));
  m.tick();
  const after = leakguard.report().openFds;
  fds.forEach((fd) => fs.closeSync(fd));
  expect(typeof before).toBe('number');
  expect(after - before).toBeGreaterThanOrEqual(10);
});
