'use strict';
// toLeak() on each leak shape a unit can have (LEAK-SHAPES.md): the leaky function
// fails with the line that leaks in the message, its healthy twin passes.
require('../jest');
const net = require('node:net');
const path = require('node:path');
const shapes = require('./fixtures/jest/shapes');
const { lineOf } = require('./fixtures/core/drive');

const FILE = path.join(__dirname, 'fixtures', 'jest', 'shapes.js');
const REL = path.relative(process.cwd(), FILE);
const stripAnsi = (s) => s.replace(/\u001b\[[0-9;]*m/g, '');

let server;
let port;
const accepted = new Set();

beforeAll(async () => {
  server = net.createServer((c) => {
    accepted.add(c);
    c.on('close', () => accepted.delete(c));
    c.on('error', () => {});
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = server.address().port;
});

afterAll(async () => {
  for (const c of accepted) c.destroy();
  await new Promise((resolve) => server.close(resolve));
});

async function failure(fn) {
  try {
    await expect(fn).not.toLeak();
  } catch (err) {
    return stripAnsi(err.message);
  }
  throw new Error('expected .not.toLeak() to fail');
}

// [shape, leaky, healthy, what the message names]
const CASES = [
  ['listener', () => shapes.listenerLeak(), () => shapes.listenerHealthy(), /listener for 'tick' on a EventEmitter: 5 still alive after 5 calls/],
  ['target', () => shapes.targetLeak(), () => shapes.targetHealthy(), /listener for 'abort' on a AbortSignal: 5 still alive/],
  ['interval', () => shapes.intervalLeak(), () => shapes.intervalHealthy(), /interval \(setInterval\): 5 still alive/],
  ['stream', () => shapes.streamLeak(), () => shapes.streamHealthy(), /open ReadStream: 5 still alive/],
  ['socket', () => shapes.socketLeak(port), () => shapes.socketHealthy(port), /open Socket: 5 still alive/],
  ['map', () => shapes.mapLeak(), () => shapes.mapHealthy(), /post-GC heapUsed: \+\d+(\.\d)? (B|KiB) per call/],
  ['buffer', () => shapes.bufferLeak(), () => shapes.bufferHealthy(), /post-GC external memory \(Buffers, ArrayBuffers\): \+6\d\.\d KiB per call/],
  ['closure', () => shapes.closureLeak(), () => shapes.closureHealthy(), /post-GC heapUsed: \+\d+(\.\d)? (B|KiB) per call/],
];

describe.each(CASES)('%s', (shape, leaky, healthy, what) => {
  test(`the leaky ${shape} fails .not.toLeak() naming its line`, async () => {
    const message = await failure(leaky);
    expect(message).toMatch(/^expect\(fn\)\.not\.toLeak\(\)/);
    expect(message).toMatch(what);
    const line = lineOf(FILE, `LEAK:${shape}`);
    expect(message).toMatch(new RegExp(`\\n  (from|allocated by) (\\w+ \\()?${REL.replace(/[.\\/]/g, '\\$&')}:${line}:\\d+`));
  }, 30000);

  test(`the healthy ${shape} passes .not.toLeak()`, async () => {
    // I/O twins (socket, fs stream): under jest-environment-node each call can leave
    // a few hundred bytes in the environment's global proxy (`leftovers`), which plain
    // Node does not (see docs/jest.md; seen on Node 24 for the stream twin at
    // +715 B/call, retained by `(GlobalProxy) → leftovers`): checked for resources only.
    await expect(healthy).not.toLeak(shape === 'socket' || shape === 'stream' ? { heap: false } : undefined);
  }, 30000);
});

// The unbounded-Map shape (~650 B a call) is close to jest-environment-node's own
// noise: a round's post-GC floor sometimes carries a transient 100-300 KB that is gone
// by the next round. The trend test leaves such upward spikes out (floor_trend.rs);
// this runs the verdict 5 times in a row.
test('toLeak() catches the unbounded Map every time and explains the heap growth', async () => {
  for (let i = 0; i < 5; i++) await expect(() => shapes.mapLeak()).toLeak();
  // The class list pairs the two snapshots' objects by id: twice in CI (Array +331.9/call
  // and +266.5/call, no Object) the inspector session had been disconnected between the
  // snapshots, which resets V8's object ids (see explain() in lib/assert.js).
  const message = await failure(() => shapes.mapLeak());
  // each call keeps one entry object and its two arrays (tags, values), held by the Map
  expect(message).toMatch(/\n {2}growing: Array \+2\/call, Object \+1\/call\n/);
  expect(message).toMatch(/\n {2}retained by: .+ → cache \(Map\) → .+/);
  expect(message).toMatch(new RegExp(`\\n {2}allocated by mapLeak \\(${REL.replace(/\./g, '\\.')}:${lineOf(FILE, 'LEAK:map')}:\\d+\\) \\(~\\d+ B/call\\)`));
  // the line inside mapLeak that keeps what it allocates
  // (from the retainer path's holder when the snapshot diff's path runs through the
  // Map, else from the growth-call scan of mapLeak)
  expect(message).toMatch(new RegExp(`\\n {2,4}(grown|kept) by cache\\.set\\(\\) \\(${REL.replace(/\./g, '\\.')}:${lineOf(FILE, 'LEAK:map') + 1}:3\\)`));
}, 180000);

test('toLeak() fails for a healthy function with a message', async () => {
  let message = '';
  try {
    await expect(() => shapes.listenerHealthy()).toLeak();
  } catch (err) {
    message = stripAnsi(err.message);
  }
  expect(message).toMatch(/^expect\(fn\)\.toLeak\(\)\n\nExpected the function to leak, but nothing it created stayed alive and the post-GC heap did not grow over \d+ calls$/);
}, 30000);
