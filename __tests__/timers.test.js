'use strict';
const util = require('node:util');
const timers = require('node:timers');
const leakguard = require('..');
const { startManual, drive, lineOf } = require('./fixtures/core/drive');

const ORIGINAL = {
  setTimeout: globalThis.setTimeout,
  setInterval: globalThis.setInterval,
  clearTimeout: globalThis.clearTimeout,
};

afterEach(() => leakguard.stop());

function liveTimeouts() {
  return leakguard.report().timers.live.Timeout;
}

test('intervals started per task and never cleared open a timers finding with the line that starts them', () => {
  const m = startManual();
  const handles = [];
  const { opened } = drive(m, 20, () => {
    for (let k = 0; k < 4; k++) handles.push(setInterval(() => {}, 60_000)); // SITE: interval-leak
  });
  try {
    expect(opened).toHaveLength(1);
    const f = opened[0];
    expect(f).toMatchObject({ kind: 'timers', target: 'Timeout', unit: 'timers' });
    expect(f.growthPerMinute).toBeCloseTo(240, 0);
    expect(f.sites[0].stack.split('\n')[0]).toMatch(new RegExp(`^__tests__/timers\\.test\\.js:${lineOf(__filename, 'SITE: interval-leak')}:\\d+$`));
    expect(f.sites[0].count).toBe(32); // at the tick that opened it
    expect(leakguard.findings()[0].sites[0].count).toBe(handles.length); // now
  } finally {
    handles.forEach(clearInterval);
  }
  expect(liveTimeouts()).toBe(0);
});

test('a recursive reconnect loop per client is a growing number of live timers', () => {
  const m = startManual();
  let stop = false;
  const clients = [];
  function reconnect() {
    if (stop) return;
    clients.push(setTimeout(reconnect, 60_000)); // SITE: reconnect
  }
  const { opened } = drive(m, 20, () => { for (let k = 0; k < 3; k++) reconnect(); });
  stop = true;
  clients.forEach(clearTimeout);
  expect(opened.map((f) => f.target)).toEqual(['Timeout']);
  expect(opened[0].sites[0].stack).toContain(`timers.test.js:${lineOf(__filename, 'SITE: reconnect')}`);
});

test('timers that fire or are cleared (clearTimeout, close(), clearImmediate) are not live', async () => {
  startManual();
  await new Promise((resolve) => setTimeout(resolve, 1));
  const t = setTimeout(() => {}, 1000);
  const u = setTimeout(() => {}, 1000);
  const i = setInterval(() => {}, 1000);
  expect(liveTimeouts()).toBe(3);
  clearTimeout(t);
  u.close();
  clearInterval(i);
  expect(liveTimeouts()).toBe(0);
  let ran = 0;
  await new Promise((resolve) => setImmediate(() => { ran++; resolve(); }));
  const im = setImmediate(() => { ran++; });
  expect(leakguard.report().timers.live.Immediate).toBe(1);
  clearImmediate(im);
  expect(leakguard.report().timers.live.Immediate).toBe(0);
  expect(ran).toBe(1);
});

test('timers that fire or are cleared under steady load are not flagged', () => {
  const m = startManual();
  const pending = [];
  const { opened } = drive(m, 60, (i) => {
    // 50 timeouts per tick, each cleared within two ticks: a steady live count.
    for (let k = 0; k < 50; k++) pending.push(setTimeout(() => {}, 30_000));
    while (pending.length > 100 + (i % 7) * 5) clearTimeout(pending.shift());
  });
  pending.forEach(clearTimeout);
  expect(opened).toEqual([]);
});

test('arguments, this, return values and util.promisify(setTimeout) keep working', async () => {
  startManual();
  const got = await new Promise((resolve) => setTimeout((a, b) => resolve([a, b]), 1, 'x', 2));
  expect(got).toEqual(['x', 2]);
  const t = setTimeout(() => {}, 10);
  expect(typeof t.ref).toBe('function');
  expect(t.hasRef()).toBe(true);
  clearTimeout(t);
  await expect(util.promisify(setTimeout)(1, 'value')).resolves.toBe('value');
  // Node's own validation error still reaches the caller (a TypeError from Node's realm).
  expect(() => setTimeout('not a function', 1)).toThrow(/The "callback" argument must be of type function/);
});

test('stop() restores the original timer functions, start() patches them again', () => {
  startManual();
  expect(globalThis.setTimeout).not.toBe(ORIGINAL.setTimeout);
  expect(timers.setTimeout).toBe(globalThis.setTimeout);
  leakguard.stop();
  expect(globalThis.setTimeout).toBe(ORIGINAL.setTimeout);
  expect(globalThis.setInterval).toBe(ORIGINAL.setInterval);
  expect(globalThis.clearTimeout).toBe(ORIGINAL.clearTimeout);
  const m = startManual({ timers: false });
  expect(globalThis.setTimeout).toBe(ORIGINAL.setTimeout);
  expect(leakguard.report().timers).toBeNull();
  expect(m).toBe(leakguard.getMonitor());
});

test('reconnect loops that keep re-arming: growing loops are found, one steady loop is not', async () => {
  const m = startManual();
  let stopAll = false;
  const loops = [];
  function startLoop() {
    const loop = { attempts: 0, wake: null, timer: null };
    const attempt = () => {
      loop.attempts++;
      if (loop.wake) loop.wake();
      if (!stopAll) loop.timer = setTimeout(attempt, 2); // SITE: reconnect-chain
    };
    loop.timer = setTimeout(attempt, 2);
    loops.push(loop);
  }
  // Every loop must have re-armed itself at least once more before the next tick.
  const allFiredAgain = () => Promise.all(loops.map((l) => {
    const target = l.attempts + 1;
    return new Promise((resolve) => { l.wake = () => { if (l.attempts >= target) resolve(); }; });
  }));
  const t0 = Date.now();
  const opened = [];
  try {
    startLoop(); // one healthy, steady loop first
    for (let i = 0; i < 8; i++) { await allFiredAgain(); opened.push(...m.tick(t0 + i * 1000).opened.filter((f) => f.kind === 'timers')); }
    expect(opened).toEqual([]);
    for (let i = 8; i < 30; i++) {
      for (let k = 0; k < 2; k++) startLoop();
      await allFiredAgain();
      opened.push(...m.tick(t0 + i * 1000).opened.filter((f) => f.kind === 'timers'));
    }
    expect(opened.map((f) => f.target)).toEqual(['Timeout']);
    expect(opened[0].sites[0].stack).toContain(`timers.test.js:${lineOf(__filename, 'SITE: reconnect-chain')}`);
  } finally {
    stopAll = true;
    loops.forEach((l) => clearTimeout(l.timer));
  }
});
