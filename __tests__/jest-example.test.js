'use strict';
// examples/jest-project: its own package.json installs leakguard from this repo and
// real jest; its suite runs through jest's API with two workers.
const { ensureInstalled, runExample } = require('./fixtures/jest/example-project');

const stripAnsi = (s) => s.replace(/\u001b\[[0-9;]*m/g, '');

let results;

beforeAll(async () => {
  ensureInstalled();
  results = await runExample();
}, 600000);

function byTitle() {
  const out = new Map();
  for (const file of results.testResults) {
    const name = file.testFilePath.split(/[\\/]/).pop();
    for (const t of file.testResults) out.set(`${name} › ${t.title}`, t);
  }
  return out;
}

test('the healthy tests pass and the leaky one fails', () => {
  const tests = byTitle();
  const status = Object.fromEntries([...tests].map(([k, t]) => [k, t.status]));
  expect(status).toEqual({
    'healthy.test.js › handling a request closes its session': 'passed',
    'healthy.test.js › a bounded cache at its bound does not leak': 'passed',
    'healthy.test.js › temporary buffers do not leak': 'passed',
    'healthy.test.js › a timer that is cleared does not leak': 'passed',
    'healthy.test.js › a client nobody keeps is collected': 'passed',
    'healthy.test.js › works with fake timers': 'passed',
    'leaky.test.js › handling a request closes its session': 'failed',
  });
  expect(results.numFailedTests).toBe(1);
  expect(results.numPassedTests).toBe(6);
});

test('the leaky test fails with the exact message, naming the line that adds the listener', () => {
  const t = byTitle().get('leaky.test.js › handling a request closes its session');
  const message = stripAnsi(t.failureMessages[0]);
  // The message, up to the stack trace jest appends.
  const head = message.split(/\n\s+at /)[0];
  expect(head).toBe([
    'Error: expect(fn).not.toLeak()',
    '',
    'Expected the function not to leak, but after 15 calls:',
    "listener for 'message' on a EventEmitter: 5 still alive after 5 calls (1 per call)",
    '  from src/sessions.js:12:7 (5×)',
  ].join('\n'));
});
