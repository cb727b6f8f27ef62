'use strict';
// toBeCollected() / assertCollected(): WeakRef + forced GCs; on failure, the retainer path.
require('../jest');
const leakguard = require('..');
const { createClient, createKeptClient, registry } = require('./fixtures/jest/retained');

const stripAnsi = (s) => s.replace(/\u001b\[[0-9;]*m/g, '');

test('an object nobody keeps is collected', async () => {
  await expect(() => createClient()).toBeCollected();
});

test('an async factory works', async () => {
  await expect(async () => {
    await new Promise((resolve) => setImmediate(resolve));
    return createClient();
  }).toBeCollected();
});

test('an object kept in a module-level array fails with its retainer path', async () => {
  let message = '';
  try {
    await expect(() => createKeptClient()).toBeCollected();
  } catch (err) {
    message = stripAnsi(err.message);
  }
  expect(message).toMatch(/^expect\(factory\)\.toBeCollected\(\)\n\nExpected the Client instance returned by the factory to be collected, but it is still reachable after 10 full GCs\nRetained by: /);
  expect(message).toMatch(/registry \(Array\) → \[0\] \(Client\)$/m);
  expect(registry.length).toBe(1);
}, 60000);

test('.not.toBeCollected() passes for a kept object', async () => {
  await expect(() => createKeptClient()).not.toBeCollected({ retainers: false });
});

test('assertCollected rejects with a LeakError carrying the finding', async () => {
  const err = await leakguard.assertCollected(() => createKeptClient(), { gcs: 2, retainers: false }).catch((e) => e);
  expect(err).toBeInstanceOf(leakguard.LeakError);
  expect(err.code).toBe('LEAKGUARD_LEAK');
  expect(err.findings).toEqual([expect.objectContaining({ kind: 'retained', what: 'Client instance', retainerPath: null })]);
  const ok = await leakguard.assertCollected(() => createClient());
  expect(ok.collected).toBe(true);
  expect(ok.gcs).toBeGreaterThanOrEqual(1);
});

test('bad arguments throw TypeError/RangeError with codes', async () => {
  await expect(leakguard.assertCollected(42)).rejects.toMatchObject({ name: 'TypeError', code: 'LEAKGUARD_INVALID_ARG', message: expect.stringContaining('factory must be a function') });
  await expect(leakguard.assertCollected(() => 5)).rejects.toMatchObject({ name: 'TypeError', code: 'LEAKGUARD_INVALID_ARG', message: expect.stringContaining('must return an object or a function, got number') });
  await expect(leakguard.assertCollected(() => ({}), { gcs: 0 })).rejects.toMatchObject({ name: 'RangeError', code: 'LEAKGUARD_INVALID_ARG' });
  await expect(leakguard.assertCollected(() => ({}), { tries: 1 })).rejects.toMatchObject({ name: 'TypeError', code: 'LEAKGUARD_UNKNOWN_OPTION' });
});
