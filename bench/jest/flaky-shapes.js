'use strict';
// Flakiness of the healthy twins in __tests__/jest-shapes.test.js (listener, target,
// interval, stream, socket, map, buffer, closure + the healthy toLeak() message test):
// N runs through the root's jest (runCLI, in band), counting false failures.
//   node bench/jest/flaky-shapes.js [--runs 20]
const path = require('node:path');
const { runCLI } = require('jest');

const ROOT = path.resolve(__dirname, '..', '..');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main() {
  const runs = arg('runs', 20);
  let tests = 0;
  const failures = [];
  const t0 = Date.now();
  for (let i = 0; i < runs; i++) {
    const { results } = await runCLI({
      _: [], $0: 'jest', silent: true, runInBand: true, watchman: false,
      testPathPatterns: ['__tests__/jest-shapes.test.js'], testNamePattern: 'healthy',
    }, [ROOT]);
    for (const f of results.testResults) {
      for (const t of f.testResults) {
        if (t.status === 'pending' || t.status === 'skipped') continue;
        tests++;
        if (t.status !== 'passed') failures.push(`${t.fullName}: ${(t.failureMessages[0] || '').split('\n').slice(0, 6).join(' | ')}`);
      }
    }
    process.stderr.write(`run ${i + 1}/${runs}: ${failures.length} false failures so far\n`);
  }
  console.log(JSON.stringify({ node: process.version, runs, tests, falseFailures: failures.length, failures, minutes: Math.round((Date.now() - t0) / 600) / 100 }, null, 2));
  if (failures.length) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
