'use strict';
// diagnoseHeap(): two real heap snapshots diffed in Rust name what grows and what retains it.
const leakguard = require('..');

afterEach(() => leakguard.stop());

test('an unbounded Map cache is named with its retainer path', async () => {
  const cache = new Map();
  class CachedResponse {
    constructor(i) {
      this.id = i;
      this.body = `response ${i} `.repeat(8);
    }
  }
  let i = 0;
  const grow = () => { for (let k = 0; k < 3000; k++, i++) cache.set(`k${i}`, new CachedResponse(i)); };
  grow();
  const pending = leakguard.diagnoseHeap({ delayMs: 50, top: 10 });
  // Growth between the two snapshots (the first is written synchronously above).
  grow();
  grow();
  const d = await pending;
  const cls = d.classes.find((c) => c.name === 'CachedResponse');
  expect(cls).toBeDefined();
  expect(cls.addedCount).toBe(6000);
  expect(cls.sizeDelta).toBeGreaterThan(0);
  const withPath = d.classes.find((c) => c.retainerPath && c.retainerPath.includes('cache (Map)'));
  expect(withPath).toBeDefined();
  expect(withPath.retainerPath.startsWith('(GC roots)')).toBe(true);
  expect(d.snapshotMs).toHaveLength(2);
  expect(d.analysisMs).toBeGreaterThan(0);
  expect(cache.size).toBe(9000);
});

test('diagnoseHeap() rejects bad options with TypeError/RangeError naming them', async () => {
  await expect(leakguard.diagnoseHeap({ delay: 5 })).rejects.toThrow(/unknown option "delay"/);
  await expect(leakguard.diagnoseHeap({ delayMs: -1 })).rejects.toThrow(/options\.delayMs must be between 0 and 600000, got -1/);
  await expect(leakguard.diagnoseHeap({ top: '5' })).rejects.toThrow(/options\.top must be a number/);
});

test('long retainer paths are compacted: repeated steps counted, the middle elided', () => {
  const { compactPath } = require('../lib/diagnosis');
  const list = Array.from({ length: 500 }, () => '_idleNext (Timeout)');
  expect(compactPath(['(GC roots)', 'timerListMap (Object)', ...list, '_onTimeout (closure)'].join(' → '))).toBe('(GC roots) → timerListMap (Object) → _idleNext (Timeout) ×500 → _onTimeout (closure)');
  const long = Array.from({ length: 20 }, (_, i) => `s${i}`).join(' → ');
  expect(compactPath(long)).toBe('s0 → s1 → s2 → … → s12 → s13 → s14 → s15 → s16 → s17 → s18 → s19');
  expect(compactPath(null)).toBeNull();
});
