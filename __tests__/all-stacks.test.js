'use strict';
// start({ allStacks: true }) captures a creation stack for every timer (no sampling);
// by default a burst is sampled, and each sampled site carries the weight of the
// timers it stands for, so the per-site count still adds up.
const leakguard = require('..');
const sites = require('../lib/sites');
const { startManual, drive, lineOf } = require('./fixtures/core/drive');

afterEach(() => leakguard.stop());

function burst(n) {
  const handles = [];
  for (let i = 0; i < n; i++) handles.push(setTimeout(() => {}, 60_000)); // SITE: burst
  return handles;
}

test('allStacks: every timer created gets its stack captured', () => {
  startManual({ allStacks: true });
  const before = sites.captureCount();
  const handles = burst(500);
  expect(sites.captureCount() - before).toBe(500);
  for (const h of handles) clearTimeout(h);
});

test('default: a burst is sampled (fewer captures than timers)', () => {
  startManual();
  const before = sites.captureCount();
  const handles = burst(500);
  const captured = sites.captureCount() - before;
  expect(captured).toBeGreaterThan(0);
  expect(captured).toBeLessThan(500);
  for (const h of handles) clearTimeout(h);
});

test('allStacks: a timer leak is attributed to its line with an exact count', () => {
  const m = startManual({ allStacks: true });
  const kept = [];
  const { opened } = drive(m, 20, () => kept.push(...burst(100)));
  const f = opened.find((x) => x.kind === 'timers');
  expect(f).toBeDefined();
  expect(f.sites[0].stack.split('\n')[0]).toMatch(new RegExp(`all-stacks\\.test\\.js:${lineOf(__filename, 'SITE: burst')}:\\d+$`));
  expect(f.sites[0].count).toBe(f.current);
  for (const h of kept) clearTimeout(h);
});

test('stop() turns allStacks off again', () => {
  startManual({ allStacks: true });
  leakguard.stop();
  startManual();
  const before = sites.captureCount();
  const handles = burst(500);
  expect(sites.captureCount() - before).toBeLessThan(500);
  for (const h of handles) clearTimeout(h);
});
