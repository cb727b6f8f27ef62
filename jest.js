'use strict';
// leakguard/jest: the matchers toLeak() and toBeCollected() for jest's expect.
//
//   // jest.config.js
//   setupFilesAfterEnv: ['leakguard/jest']
//
//   await expect(() => handler(req)).not.toLeak();
//   await expect(() => createClient()).toBeCollected();
//
// Requiring this file registers the matchers on the `expect` of the test file's
// environment. Nothing else runs until a matcher is called, so tests that don't use
// them pay nothing.
const { checkLeaks, checkCollected, formatFindings } = require('./lib/assert');

function lines(utils, findings) {
  const dim = typeof utils.DIM_COLOR === 'function' ? utils.DIM_COLOR : (s) => s;
  return formatFindings(findings).map((l) => (l.startsWith('  ') ? dim(l) : utils.RECEIVED_COLOR(l))).join('\n');
}

function ensureFunction(utils, name, received, hint) {
  if (typeof received !== 'function') {
    throw new Error(utils.matcherErrorMessage(hint, `${utils.RECEIVED_COLOR('received')} value must be a function`,
      utils.printWithType('Received', received, utils.printReceived)));
  }
}

/**
 * `expect(fn).toLeak(options?)`: runs fn (sync or async) repeatedly; passes when it
 * leaks. Use `.not.toLeak()` to assert it does not. Options: see assertNoLeak.
 */
async function toLeak(received, options) {
  const opts = { isNot: this.isNot, promise: this.promise };
  const hint = this.utils.matcherHint('toLeak', 'fn', options === undefined ? '' : 'options', opts);
  ensureFunction(this.utils, 'toLeak', received, hint);
  const report = await checkLeaks(received, options, 'toLeak');
  const pass = report.leaked;
  const calls = report.calls;
  const message = pass
    ? () => `${hint}\n\nExpected the function not to leak, but after ${calls} calls:\n${lines(this.utils, report.findings)}`
    : () => `${hint}\n\nExpected the function to leak, but nothing it created stayed alive and the post-GC heap did not grow over ${calls} calls`;
  return { pass, message };
}

/**
 * `expect(factory).toBeCollected(options?)`: calls factory (sync or async), keeps only
 * a WeakRef to its result, and passes when a forced GC collects it.
 */
async function toBeCollected(received, options) {
  const opts = { isNot: this.isNot, promise: this.promise };
  const hint = this.utils.matcherHint('toBeCollected', 'factory', options === undefined ? '' : 'options', opts);
  ensureFunction(this.utils, 'toBeCollected', received, hint);
  const res = await checkCollected(received, options, 'toBeCollected');
  const pass = res.collected;
  const message = pass
    ? () => `${hint}\n\nExpected the object returned by the factory to stay reachable, but it was collected after ${res.gcs} full GC${res.gcs > 1 ? 's' : ''}`
    : () => {
      const f = res.findings[0];
      return `${hint}\n\nExpected the ${f.what} returned by the factory to be collected, but it is still reachable after ${res.gcs} full GCs\n` +
        (f.retainerPath ? `Retained by: ${this.utils.RECEIVED_COLOR(f.retainerPath)}` : 'No retainer path (heap snapshot analysis unavailable)');
    };
  return { pass, message };
}

const matchers = { toLeak, toBeCollected };

function findExpect() {
  if (typeof globalThis.expect === 'function' && typeof globalThis.expect.extend === 'function') return globalThis.expect;
  try {
    // injectGlobals: false — jest resolves @jest/globals for the calling test file.
    const { expect } = require('@jest/globals');
    if (expect && typeof expect.extend === 'function') return expect;
  } catch { /* not under jest */ }
  return null;
}

const expectFn = findExpect();
if (expectFn) expectFn.extend(matchers);

module.exports = { matchers, toLeak, toBeCollected };
