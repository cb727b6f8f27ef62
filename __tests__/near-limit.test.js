'use strict';
// snapshotNearLimit()/writeSnapshot(): options, files and budgets, in real child
// processes with small heaps (each snapshot is a few MB and well under a second).
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { scenario, tempDir, looksComplete } = require('./fixtures/near-limit/helpers');

const nearLimit = require('../lib/near-limit.js');

jest.setTimeout(60_000);

const made = [];
function freshDir(tag) {
  const d = tempDir(tag);
  made.push(d);
  return d;
}
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

const mode = (p) => fs.statSync(p).mode & 0o777;
const leakguardFiles = (dir) => fs.readdirSync(dir).filter((f) => f.startsWith('leakguard-'));

describe('options are checked at call time', () => {
  const cases = [
    [{ ratio: '0.8' }, TypeError, 'ratio'],
    [{ ratio: 0 }, RangeError, 'ratio'],
    [{ ratio: 1 }, RangeError, 'ratio'],
    [{ ratio: NaN }, TypeError, 'ratio'],
    [{ maxSnapshots: 0 }, RangeError, 'maxSnapshots'],
    [{ maxSnapshots: 1.5 }, RangeError, 'maxSnapshots'],
    [{ maxSnapshots: '2' }, TypeError, 'maxSnapshots'],
    [{ cooldownMs: -1 }, RangeError, 'cooldownMs'],
    [{ cooldownMs: null }, TypeError, 'cooldownMs'],
    [{ compress: 'brotli' }, RangeError, 'compress'],
    [{ compress: true }, TypeError, 'compress'],
    [{ dir: 42 }, TypeError, 'dir'],
    [{ dir: '' }, RangeError, 'dir'],
    [{ onSnapshot: 'log' }, TypeError, 'onSnapshot'],
    [{ onSkipped: {} }, TypeError, 'onSkipped'],
    [{ onError: 1 }, TypeError, 'onError'],
    [{ intervalMs: 1 }, RangeError, 'intervalMs'],
    [{ lastResort: 'yes' }, RangeError, 'lastResort'],
    [{ sampleHeap: 1 }, TypeError, 'sampleHeap'],
    [{ ration: 0.5 }, TypeError, 'ration'],
  ];
  test.each(cases)('%j throws %p naming %s', (opts, Ctor, name) => {
    let err;
    try {
      nearLimit.snapshotNearLimit(opts).stop();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Ctor);
    expect(err.code).toBe('LEAKGUARD_INVALID_OPTION');
    expect(err.option).toBe(name);
    expect(err.message).toContain(`'${name}'`);
  });

  test('a non-object options argument is a TypeError', () => {
    expect(() => nearLimit.snapshotNearLimit(5)).toThrow(TypeError);
    expect(() => nearLimit.snapshotNearLimit([])).toThrow(TypeError);
  });

  test('writeSnapshot rejects bad paths before touching anything', () => {
    expect(() => nearLimit.writeSnapshot(42)).toThrow(TypeError);
    expect(() => nearLimit.writeSnapshot('')).toThrow(RangeError);
    expect(() => nearLimit.writeSnapshot('x.heapsnapshot.gz')).toThrow(RangeError);
  });
});

test('memoryLimits() reports a source and byte figures', () => {
  const m = nearLimit.memoryLimits();
  expect(['cgroup-v2', 'cgroup-v1', 'system', 'os', 'unknown']).toContain(m.source);
  expect(m.limitBytes).toBeGreaterThan(0);
  expect(m.availableBytes).toBeGreaterThan(0);
  expect(m.availableBytes).toBeLessThanOrEqual(m.limitBytes);
  if (m.cgroup) {
    expect(['v1', 'v2']).toContain(m.cgroup.version);
    expect(m.cgroup.workingSetBytes).toBe(m.cgroup.usageBytes - m.cgroup.inactiveFileBytes);
  }
});

test('maxSnapshots is honoured: 2 snapshots, then 2 evidence files, then disarmed', async () => {
  const dir = path.join(freshDir('budget'), 'snaps');
  const r = await scenario('budget', { dir });
  const done = r.events.find((e) => e.event === 'done');
  expect(done).toBeDefined();
  expect(done.armed).toBe(false);
  expect(done.snapshots).toHaveLength(2);
  expect(done.skipped).toHaveLength(2);
  expect(r.events.filter((e) => e.event === 'snapshot')).toHaveLength(2);
  const skipped = r.events.filter((e) => e.event === 'skipped');
  expect(skipped.map((e) => e.reason)).toEqual(['max-snapshots', 'max-snapshots']);
  // The directory was created private; every file is private and complete.
  expect(mode(dir)).toBe(0o700);
  const names = leakguardFiles(dir);
  expect(names.filter((f) => f.endsWith('.heapsnapshot'))).toHaveLength(2);
  expect(names.filter((f) => f.endsWith('.json'))).toHaveLength(4); // 2 sidecars + 2 evidence files
  expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  for (const f of names) {
    const p = path.join(dir, f);
    expect(mode(p)).toBe(0o600);
    expect(f).toMatch(new RegExp(`^leakguard-${r.pid}-\\d{8}T\\d{6}\\.\\d{3}Z-\\d+\\.(heapsnapshot|json)$`));
    if (f.endsWith('.heapsnapshot')) expect(looksComplete(p)).toBe(true);
  }
  const sidecar = JSON.parse(fs.readFileSync(done.snapshots[0].replace(/\.heapsnapshot$/, '.json'), 'utf8'));
  expect(sidecar.kind).toBe('heapsnapshot');
  expect(sidecar.reason).toBe('heap-limit');
  expect(sidecar.pid).toBe(r.pid);
  expect(sidecar.heap.heapSizeLimit).toBeGreaterThan(sidecar.heap.usedHeapSize);
  expect(sidecar.memoryUsage.rss).toBeGreaterThan(0);
  expect(sidecar.write.nodeCount).toBeGreaterThan(1000);
  const evidence = JSON.parse(fs.readFileSync(done.skipped[0], 'utf8'));
  expect(evidence.kind).toBe('skipped');
  expect(evidence.skipped.reason).toBe('max-snapshots');
  expect(evidence.heapSpaceStatistics.map((s) => s.space_name)).toContain('old_space');
  expect(evidence.report.header.processId).toBe(r.pid);
  expect(evidence.report.environmentVariables).toBeUndefined();
});

test('cooldownMs is honoured between two snapshots', async () => {
  const dir = freshDir('cooldown');
  const cooldownMs = 1500;
  const r = await scenario('cooldown', { dir, cooldownMs });
  const done = r.events.find((e) => e.event === 'done');
  expect(done).toBeDefined();
  expect(done.duringCooldown).toBe(1);
  expect(done.gapMs).toBeGreaterThanOrEqual(cooldownMs - 50);
  expect(done.snapshots).toHaveLength(2);
});

test('stop() disarms: no trigger fires afterwards', async () => {
  const dir = path.join(freshDir('stop'), 'snaps');
  const r = await scenario('stop', { dir });
  const done = r.events.find((e) => e.event === 'done');
  expect(done).toEqual({ event: 'done', armed: false, snapshots: [], skipped: [], files: [] });
});

test('writeSnapshot(): private complete file, sidecar, no clobbering, no symlink following', async () => {
  const dir = freshDir('manual');
  const r = await scenario('manual', { dir });
  const done = r.events.find((e) => e.event === 'done');
  expect(done).toBeDefined();
  expect(done.p1).toBe(path.join(dir, 'sub', 'one.heapsnapshot'));
  expect(mode(path.join(dir, 'sub'))).toBe(0o700);
  expect(mode(done.p1)).toBe(0o600);
  expect(looksComplete(done.p1)).toBe(true);
  const sidecar = JSON.parse(fs.readFileSync(path.join(dir, 'sub', 'one.json'), 'utf8'));
  expect(sidecar.reason).toBe('manual');
  expect(sidecar.snapshot).toBe('one.heapsnapshot');
  expect(done.again.code).toBe('LEAKGUARD_FILE_EXISTS');
  expect(done.planted.code).toBe('LEAKGUARD_FILE_EXISTS');
  expect(done.victim).toBe('do not touch');
  expect(fs.lstatSync(path.join(dir, 'sub', 'planted.heapsnapshot')).isSymbolicLink()).toBe(true);
  expect(done.badType).toMatchObject({ name: 'TypeError', code: 'LEAKGUARD_INVALID_OPTION' });
  expect(fs.readdirSync(path.join(dir, 'sub')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  // Without a path: leakguard-<pid>-<time>-<n>.heapsnapshot in the cwd.
  expect(path.basename(done.cwdPath)).toMatch(new RegExp(`^leakguard-${r.pid}-.*\\.heapsnapshot$`));
  expect(looksComplete(done.cwdPath)).toBe(true);
  fs.rmSync(done.cwdPath);
  fs.rmSync(done.cwdPath.replace(/\.heapsnapshot$/, '.json'));
});

test('a directory that is a symlink is refused with an error event; the app keeps running', async () => {
  const base = freshDir('symlink');
  const real = path.join(base, 'real');
  fs.mkdirSync(real);
  const link = path.join(base, 'link');
  fs.symlinkSync(real, link);
  const r = await scenario('baddir', { dir: link, via: 'event' });
  const done = r.events.find((e) => e.event === 'done');
  expect(done.alive).toBe(true);
  expect(done.errors.length).toBeGreaterThanOrEqual(1);
  expect(done.errors[0]).toMatchObject({ via: 'event', code: 'LEAKGUARD_DIR_SYMLINK' });
  expect(done.errors[0].message).toContain(link);
  expect(done.manual.code).toBe('LEAKGUARD_DIR_SYMLINK');
  expect(fs.readdirSync(real)).toEqual([]);
  expect(r.code).toBe(0);
});

test('an unwritable directory is reported to onError; the app keeps running', async () => {
  const base = freshDir('unwritable');
  const file = path.join(base, 'a-file');
  fs.writeFileSync(file, '');
  const dir = path.join(file, 'snaps'); // a path below a regular file: not creatable, even by root
  const r = await scenario('baddir', { dir, via: 'callback' });
  const done = r.events.find((e) => e.event === 'done');
  expect(done.alive).toBe(true);
  expect(done.errors[0]).toMatchObject({ via: 'onError', code: 'LEAKGUARD_DIR_UNWRITABLE' });
  expect(done.errors[0].message).toContain(dir);
  expect(done.manual.code).toBe('LEAKGUARD_DIR_UNWRITABLE');
  expect(r.code).toBe(0);
});

test('a directory under /proc is refused at once (Node\'s recursive mkdir never returns there)', async () => {
  const dir = '/proc/leakguard-nope/snaps';
  const r = await scenario('baddir', { dir, via: 'callback' });
  const done = r.events.find((e) => e.event === 'done');
  expect(done.alive).toBe(true);
  expect(done.errors[0]).toMatchObject({ via: 'onError', code: 'LEAKGUARD_DIR_UNWRITABLE' });
  expect(done.errors[0].message).toContain(dir);
  expect(r.code).toBe(0);
});

test('without an error listener or onError, errors become process warnings, not crashes', async () => {
  const base = freshDir('nolistener');
  const file = path.join(base, 'a-file');
  fs.writeFileSync(file, '');
  const r = await scenario('baddir', { dir: path.join(file, 'snaps'), via: 'none' });
  const done = r.events.find((e) => e.event === 'done');
  expect(done.alive).toBe(true);
  expect(done.warnings[0]).toMatchObject({ name: 'LeakguardWarning', code: 'LEAKGUARD_DIR_UNWRITABLE' });
  expect(r.code).toBe(0);
});

test("compress: 'gzip' leaves only a private .heapsnapshot.gz of a complete snapshot", async () => {
  const dir = freshDir('gzip');
  const r = await scenario('gzip', { dir });
  const done = r.events.find((e) => e.event === 'done');
  expect(done.path).toMatch(/\.heapsnapshot\.gz$/);
  expect(done.snapshots).toEqual([done.path]);
  expect(mode(done.path)).toBe(0o600);
  const text = zlib.gunzipSync(fs.readFileSync(done.path)).toString();
  expect(text.length).toBe(done.uncompressedBytes);
  expect(JSON.parse(text).snapshot.node_count).toBeGreaterThan(1000);
  expect(fs.readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot') || f.endsWith('.tmp'))).toEqual([]);
  const sidecar = JSON.parse(fs.readFileSync(done.path.replace(/\.heapsnapshot\.gz$/, '.json'), 'utf8'));
  expect(sidecar.snapshot).toBe(path.basename(done.path));
});

test('works inside a worker thread (loaded through the package entry)', async () => {
  const { Worker } = require('worker_threads');
  const dir = path.join(freshDir('worker'), 'snaps');
  const entry = path.join(__dirname, '..', 'index.js');
  const w = new Worker(
    `
    const { parentPort, workerData } = require('worker_threads');
    const lg = require(workerData.entry);
    const h = lg.snapshotNearLimit({ dir: workerData.dir, ratio: 0.02, maxSnapshots: 1, cooldownMs: 0, intervalMs: 20, lastResort: false });
    h.on('snapshot', (info) => { h.stop(); parentPort.postMessage({ info, armed: h.armed, limits: require('worker_threads').resourceLimits }); });
    h.on('error', (err) => parentPort.postMessage({ error: err.code }));
    const keepAlive = setInterval(() => {}, 100);
    parentPort.once('message', () => clearInterval(keepAlive));
    `,
    { eval: true, workerData: { entry, dir }, resourceLimits: { maxOldGenerationSizeMb: 32 } },
  );
  const msg = await new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  w.postMessage('done');
  await new Promise((resolve) => w.once('exit', resolve));
  expect(msg.error).toBeUndefined();
  expect(msg.armed).toBe(false);
  expect(msg.info.reason).toBe('heap-limit');
  expect(looksComplete(msg.info.path)).toBe(true);
  expect(mode(msg.info.path)).toBe(0o600);
  // A worker's heap limit comes from resourceLimits, not from the process flags.
  expect(msg.info.heapSizeLimit).toBeLessThan(require('v8').getHeapStatistics().heap_size_limit);
  // heap_size_limit = old generation + young generation (48 MiB up to Node 22, 192 MiB on Node 24).
  expect(msg.limits.maxOldGenerationSizeMb).toBe(32);
  expect(msg.info.heapSizeLimit).toBeLessThanOrEqual((32 + msg.limits.maxYoungGenerationSizeMb) * 1024 * 1024);
});
