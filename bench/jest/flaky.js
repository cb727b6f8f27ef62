'use strict';
// Flakiness: runs examples/jest-project's healthy suite N times (default 50) through
// jest's API, two workers, and counts false failures. Also reports each matcher
// test's duration (median and max over the runs).
//   node bench/jest/flaky.js [--runs 50]
const { ensureInstalled, runExample } = require('../../__tests__/fixtures/jest/example-project');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

async function main() {
  const runs = arg('runs', 50);
  ensureInstalled();
  let failedRuns = 0;
  let tests = 0;
  const failures = [];
  const durations = new Map();
  const t0 = Date.now();
  for (let i = 0; i < runs; i++) {
    const r = await runExample(['healthy']);
    tests += r.numTotalTests;
    if (r.numFailedTests > 0 || r.numRuntimeErrorTestSuites > 0 || r.numTotalTests === 0) {
      failedRuns++;
      for (const f of r.testResults) {
        for (const t of f.testResults) if (t.status !== 'passed') failures.push(`${t.title}: ${(t.failureMessages[0] || '').split('\n').slice(0, 6).join(' | ')}`);
        if (f.failureMessage && !f.testResults.length) failures.push(f.failureMessage.slice(0, 300));
      }
    }
    for (const f of r.testResults) {
      for (const t of f.testResults) {
        if (!durations.has(t.title)) durations.set(t.title, []);
        durations.get(t.title).push(t.duration);
      }
    }
    process.stderr.write(`run ${i + 1}/${runs}: ${r.numPassedTests}/${r.numTotalTests} passed\n`);
  }
  const out = {
    node: process.version,
    runs,
    tests,
    failedRuns,
    falseFailures: failures.length,
    failures,
    minutes: Math.round((Date.now() - t0) / 600) / 100,
    durationsMs: Object.fromEntries([...durations].map(([k, v]) => [k, { median: quantile(v, 0.5), max: Math.max(...v) }])),
  };
  console.log(JSON.stringify(out, null, 2));
  if (failedRuns) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
