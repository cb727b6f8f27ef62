'use strict';
// Two copies of leakguard in one process, as two versions in two node_modules folders
// (the package's published files copied twice, each with its own version and its own
// copy of the native addon): no crash, one monitor per thread, every global hook
// installed once, each copy sees the other (report().leakguard.copies).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
let tmp;

function installCopy(app, version) {
  const dest = path.join(tmp, app, 'node_modules', 'leakguard');
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  for (const entry of pkg.files) {
    const name = entry.replace(/\/$/, '');
    if (name.includes('*')) {
      const re = new RegExp(`^${name.replace(/\./g, '\\.').replace(/\*/g, '.*')}$`);
      for (const f of fs.readdirSync(ROOT).filter((x) => re.test(x))) fs.cpSync(path.join(ROOT, f), path.join(dest, f));
    } else if (fs.existsSync(path.join(ROOT, name))) {
      fs.cpSync(path.join(ROOT, name), path.join(dest, name), { recursive: true });
    }
  }
  fs.writeFileSync(path.join(dest, 'package.json'), JSON.stringify({ ...pkg, version }));
  return dest;
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-two-copies-'));
  installCopy('app-a', '9.0.0-a');
  installCopy('app-b', '9.0.0-b');
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function run(script) {
  const file = path.join(tmp, `script-${Math.random().toString(36).slice(2)}.js`);
  fs.writeFileSync(file, script);
  const r = spawnSync(process.execPath, [file], { cwd: tmp, encoding: 'utf8', timeout: 60000 });
  return { status: r.status, signal: r.signal, stderr: r.stderr, out: r.stdout ? JSON.parse(r.stdout.trim().split('\n').pop()) : null };
}

const PRELUDE = `
const path = require('node:path');
const { EventEmitter } = require('node:events');
const fs = require('node:fs');
const a = require(path.join(__dirname, 'app-a', 'node_modules', 'leakguard'));
const b = require(path.join(__dirname, 'app-b', 'node_modules', 'leakguard'));
const orig = { setTimeout: globalThis.setTimeout, createReadStream: fs.createReadStream, Worker: require('node:worker_threads').Worker };
const OPTS = { intervalMs: 3600000, warmupMs: 0, forcedGc: false };
`;

test('both copies load (each with its own native addon) and see each other', () => {
  const r = run(`${PRELUDE}
    const m = a.start(OPTS);
    m.tick(Date.now());
    const copies = a.report().leakguard.copies;
    a.stop();
    console.log(JSON.stringify({ differ: a !== b, copies, bothWork: typeof b.analyzeSnapshotSync === 'function' }));
  `);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.out.differ).toBe(true);
  expect(r.out.copies.map((c) => [c.version, c.running, c.self])).toEqual([['9.0.0-a', true, true], ['9.0.0-b', false, false]]);
});

test('start() on the second copy borrows the running monitor: one monitor, each global hook once, one emitter hook', async () => {
  const r = run(`${PRELUDE}
    const ma = a.start(OPTS);
    const patched = { setTimeout: globalThis.setTimeout, createReadStream: fs.createReadStream, Worker: require('node:worker_threads').Worker };
    const mb = b.start(OPTS);
    const samePatches = globalThis.setTimeout === patched.setTimeout && fs.createReadStream === patched.createReadStream && require('node:worker_threads').Worker === patched.Worker;
    // An emitter tracked through b is tracked by the one monitor (a's), with one hook.
    const bus = b.trackEmitter(new EventEmitter(), { name: 'bus' });
    for (let i = 0; i < 3; i++) bus.on('x', () => {});
    ma.tick(Date.now());
    const viaA = a.report().emitters.find((e) => e.name === 'bus');
    const viaB = b.report().emitters.find((e) => e.name === 'bus');
    const hooks = bus.listenerCount('newListener');
    const t = setTimeout(() => {}, 1e6);
    const timersLive = a.report().timers.live.Timeout;
    clearTimeout(t);
    // stop() on b ends the borrow only; a keeps monitoring.
    const bStopped = b.stop();
    const aStillRunning = a.getMonitor() === ma && ma.running;
    const bAfter = b.getMonitor();
    a.stop();
    const restored = globalThis.setTimeout === orig.setTimeout && fs.createReadStream === orig.createReadStream && require('node:worker_threads').Worker === orig.Worker;
    console.log(JSON.stringify({ same: ma === mb, samePatches, patchedAtAll: patched.setTimeout !== orig.setTimeout, viaA, viaB, hooks, timersLive, bStopped, aStillRunning, bAfter, restored }));
  `);
  expect(r.stderr).toContain('LEAKGUARD_SHARED_MONITOR');
  expect(r.status).toBe(0);
  expect(r.out).toEqual({
    same: true,
    samePatches: true,
    patchedAtAll: true,
    viaA: { name: 'bus', type: 'EventEmitter', listeners: { x: 3 } },
    viaB: { name: 'bus', type: 'EventEmitter', listeners: { x: 3 } },
    hooks: 1, // exactly one 'newListener' hook: the owning copy's
    timersLive: 1,
    bStopped: true,
    aStillRunning: true,
    bAfter: null,
    restored: true,
  });
  // Said once (the warning is printed on stderr after the script's synchronous part).
  expect(r.stderr.match(/LEAKGUARD_SHARED_MONITOR/g)).toHaveLength(1);
});

test('when the first copy stops, the second starts its own monitor and installs the hooks once', () => {
  const r = run(`${PRELUDE}
    a.start(OPTS);
    a.stop();
    const mb = b.start(OPTS);
    const own = b.getMonitor() === mb && a.getMonitor() === null;
    const patchedOnce = globalThis.setTimeout !== orig.setTimeout;
    const t = setTimeout(() => {}, 1e6);
    const live = b.report().timers.live.Timeout;
    clearTimeout(t);
    // Now a borrows b's monitor.
    const ma = a.start(OPTS);
    const same = ma === mb;
    b.stop();
    // b stopped: a's borrow is over, a has no monitor.
    const aAfter = a.getMonitor();
    const restored = globalThis.setTimeout === orig.setTimeout;
    console.log(JSON.stringify({ own, patchedOnce, live, same, aAfter, restored }));
  `);
  expect(r.status).toBe(0);
  expect(r.out).toEqual({ own: true, patchedOnce: true, live: 1, same: true, aAfter: null, restored: true });
});
