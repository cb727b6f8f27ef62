'use strict';
// The healthy suite: every assertion here must pass, every time.
const { handle } = require('../src/sessions');
const { BoundedCache, createClient } = require('../src/cache');

const cache = new BoundedCache(50);
let n = 0;

test('handling a request closes its session', async () => {
  await expect(() => handle(n++)).not.toLeak();
});

test('a bounded cache at its bound does not leak', async () => {
  await expect(() => cache.set(n++, { value: new Array(32).fill(n) })).not.toLeak();
});

test('temporary buffers do not leak', async () => {
  await expect(() => Buffer.alloc(32 * 1024).fill(1).length).not.toLeak();
});

test('a timer that is cleared does not leak', async () => {
  await expect(() => clearTimeout(setTimeout(() => {}, 1000))).not.toLeak();
});

test('a client nobody keeps is collected', async () => {
  await expect(() => createClient('a')).toBeCollected();
});

test('works with fake timers', async () => {
  jest.useFakeTimers();
  try {
    await expect(() => clearInterval(setInterval(() => {}, 10))).not.toLeak();
  } finally {
    jest.useRealTimers();
  }
});
