'use strict';
// The CI soak: bench/soak/run.js for 60 s in its own process (only leakguard runs there).
// start()/stop() cycled, tracked emitters, timers and streams created and dropped,
// findings opening and closing; leakguard's own post-GC floors must stay flat and
// leakguard's detector, fed those floors, must open nothing.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const SECONDS = 60;

test(`soak: ${SECONDS} s of churn leaves leakguard's memory flat`, () => {
  const r = spawnSync(process.execPath, [path.join(__dirname, '..', 'bench', 'soak', 'run.js'), '--seconds', String(SECONDS), '--json'], {
    encoding: 'utf8',
    timeout: (SECONDS + 120) * 1000,
  });
  expect(r.error).toBeUndefined();
  expect(r.stderr).toBe('');
  const result = JSON.parse(r.stdout.trim().split('\n').pop());
  const summary = JSON.stringify({ totals: result.totals, series: result.series, checkerFindings: result.checkerFindings, checks: result.checks });
  // The churn really happened: cycles, emitters, timers, streams, and each finding cycle opened and closed its finding.
  // (Throughput depends on the machine: the floors are what is judged.)
  expect(result.totals.cycles).toBeGreaterThanOrEqual(10);
  expect(result.totals.startStops).toBeGreaterThanOrEqual(50);
  expect(result.totals.findingCycles).toBeGreaterThanOrEqual(1);
  expect(result.totals.emitters).toBeGreaterThan(10000);
  expect(result.totals.timers).toBeGreaterThan(10000);
  expect(result.totals.streams).toBeGreaterThan(1000);
  expect(result.measurements).toBeGreaterThanOrEqual(30);
  // (failedCycles: the emitter cap's state in the first failed cycles, shown on failure.)
  expect({ cyclesWithoutLeak: result.cyclesWithoutLeak, cyclesWithoutResolve: result.cyclesWithoutResolve, failedCycles: result.failedCycles }).toEqual({ cyclesWithoutLeak: 0, cyclesWithoutResolve: 0, failedCycles: [] });
  // Flat: heap and external post-GC floors within 1 MiB, native (rss - heap - external) within 32 MiB
  // (the detector's own minimum for a native finding; a 60-s run ends while the native floor
  // still rises out of warm-up: +15 MiB measured here, level after 1-2 min).
  expect(result.checkerFindings).toEqual([]);
  expect(result.series.heapUsed.drift).toBeLessThanOrEqual(1024 * 1024);
  expect(result.series.external.drift).toBeLessThanOrEqual(1024 * 1024);
  expect(result.series.native.drift).toBeLessThanOrEqual(32 * 1024 * 1024);
  expect(result.checks).toEqual({ detectorSilent: true, heapFlat: true, heapTrendFlat: true, externalFlat: true, nativeFlat: true, findingsOpenedAndClosed: true });
  expect(r.status).toBe(0);
  if (!result.ok) throw new Error(summary);
}, (SECONDS + 150) * 1000);

test('the soak verdict fails on drift: 160 KB held per cycle, as a leaking leakguard would', () => {
  const r = spawnSync(process.execPath, [path.join(__dirname, '..', 'bench', 'soak', 'run.js'), '--seconds', '20', '--inject-leak', '20000', '--json'], {
    encoding: 'utf8',
    timeout: 140 * 1000,
  });
  const result = JSON.parse(r.stdout.trim().split('\n').pop());
  expect(result.series.heapUsed.drift).toBeGreaterThan(1024 * 1024);
  expect(result.checks.heapFlat).toBe(false);
  expect(result.ok).toBe(false);
  expect(r.status).toBe(1);
}, 150 * 1000);
