'use strict';
// Heap sites without a heap diagnosis: V8's sampling heap profiler names the allocating
// function (the outermost one, once helpers are inlined); leakguard then looks in that
// function and the helpers it calls for the call that adds to a long-lived collection.
const path = require('node:path');
const { execFile } = require('node:child_process');
const native = require('../lib/native');
const { lineOf } = require('./fixtures/core/drive');

const FIXTURE = path.join(__dirname, 'fixtures', 'growth-line.js');

test('a never-trimmed history: the heap finding names the history.push( line, with the allocating frame under it', async () => {
  const out = await new Promise((resolve, reject) => {
    execFile(process.execPath, [FIXTURE], { timeout: 55_000, cwd: path.join(__dirname, '..') }, (err, stdout) => (err ? reject(new Error(`${err.message}\n${stdout}`)) : resolve(stdout)));
  });
  const { sites } = JSON.parse(out.trim().split('\n').pop());
  const site = sites.find((s) => s.stack.startsWith('history.push()'));
  const [first, second] = site.stack.split('\n');
  expect(first).toBe(`history.push() (${path.relative(path.join(__dirname, '..'), FIXTURE)}:${lineOf(FIXTURE, '// LEAK')}:3)`);
  // the allocating function as the profiler reports it (here the setInterval callback
  // that tick and summarize were inlined into, or one of them)
  expect(second).toMatch(/growth-line\.js:\d+:\d+\)?$/);
  expect(site.count).toBeGreaterThan(0);
}, 60_000);

test('releasing the sampling heap profiler stops it without a forced full GC (stopSampling would force one) and keeps heap snapshot ids', async () => {
  const fixture = path.join(__dirname, 'fixtures', 'sampler-release.js');
  const out = await new Promise((resolve, reject) => {
    execFile(process.execPath, [fixture], { timeout: 30_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
  });
  // acrossEpisode: a snapshot diff across the sampling episode still pairs each object
  // (disconnecting an inspector session would reset V8's object ids: thousands of the
  // 20,000 unchanged objects then read as removed and added).
  expect(JSON.parse(out.trim().split('\n').pop())).toEqual({
    acrossEpisode: { keptAdded: 0, keptRemoved: 0, freshAdded: 100 },
    majorGcsOnRelease: 0, stoppedAfterRelease: true, majorGcsOnStopSampling: 1,
  });
}, 40_000);

test('growthCallsInFunction() validates its input and never throws on odd source', () => {
  expect(() => native.growthCallsInFunction('x'.repeat(8 * 1024 * 1024 + 1), 1, 1)).toThrow(/more than 8388608/);
  expect(native.growthCallsInFunction('function f( {', 1, 11)).toEqual([]);
  expect(native.growthCallsInFunction('const a = []; function f() { a.push(1) }', 1, 25, 'push')).toEqual([{ line: 1, column: 30, call: 'a.push()' }]);
  expect(native.findMutationSites('m.set(1) // m.set(2)', 'm', 'Map')).toEqual([{ line: 1, column: 1, call: 'm.set()' }]);
});

test('a heap finding opens with the sites of a profile read as it opens', async () => {
  const fixture = path.join(__dirname, 'fixtures', 'heap-open-sites.js');
  const out = await new Promise((resolve, reject) => {
    execFile(process.execPath, [fixture], { timeout: 55_000, cwd: path.join(__dirname, '..') }, (err, stdout) => (err ? reject(new Error(`${err.message}\n${stdout}`)) : resolve(stdout)));
  });
  const { sites, message, heapProfiles } = JSON.parse(out.trim().split('\n').pop());
  expect(heapProfiles).toBeGreaterThanOrEqual(1);
  const rel = path.relative(path.join(__dirname, '..'), fixture);
  const leakLine = lineOf(fixture, '// LEAK');
  expect(sites.length).toBeGreaterThan(0);
  expect(sites.some((s) => s.stack.includes(`${rel}:${leakLine}:`) || s.stack.includes('openSession ('))).toBe(true);
  expect(message).toContain(rel);
}, 60_000);

// A profile read forces a full GC (the inspector's sampler runs with kSamplingForceGC),
// whose re-optimization costs ~half a second of CPU: none while the heap is only suspect.
test('profile reads: none while the heap is only suspect, every 30 s once a heap finding is open', () => {
  const { HeapSites } = require('../lib/heap-sites');
  const h = new HeapSites();
  h.active = true; // as after start(), without starting V8's profiler
  h.startedAt = 1_000_000;
  h.urgent = false;
  for (const t of [1_010_000, 1_060_000, 1_600_000]) {
    expect(h.due(t, false)).toBe(false);
    expect(h.due(t, true)).toBe(false);
  }
  h.urgent = true;
  expect(h.due(1_001_000, false)).toBe(false);
  expect(h.due(1_002_000, false)).toBe(true); // profiler started with the finding: first read 2 s later
  h.lastAt = 1_030_000;
  expect(h.due(1_059_000, false)).toBe(false);
  expect(h.due(1_060_000, false)).toBe(true);
  expect(h.due(1_060_000, true)).toBe(false); // a tick without a fresh major GC waits twice as long
  expect(h.due(1_090_000, true)).toBe(true);
});
