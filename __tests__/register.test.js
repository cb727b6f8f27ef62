'use strict';
// Zero-code start (issue 7): real child processes started with `-r leakguard/register`,
// `NODE_OPTIONS=-r leakguard/register` and `--import leakguard/register`, from an app
// directory whose node_modules/leakguard is this package (as after `npm install`).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFile } = require('node:child_process');
const { readEnvOptions, envNameOf } = require('../lib/env-options');
const { DEFAULTS } = require('../lib/options');

const ROOT = path.resolve(__dirname, '..');
const FIXTURES = path.join(__dirname, 'fixtures', 'register');
let appDir;

beforeAll(() => {
  appDir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-register-'));
  fs.mkdirSync(path.join(appDir, 'node_modules'));
  fs.symlinkSync(ROOT, path.join(appDir, 'node_modules', 'leakguard'), 'dir');
  for (const f of fs.readdirSync(FIXTURES)) fs.copyFileSync(path.join(FIXTURES, f), path.join(appDir, f));
});

afterAll(() => {
  fs.rmSync(appDir, { recursive: true, force: true });
});

// Runs node in the app directory with only the given LEAKGUARD_* / NODE_OPTIONS.
function run(args, env = {}) {
  const base = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('LEAKGUARD_') && k !== 'NODE_OPTIONS') base[k] = v;
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: appDir, env: { ...base, ...env }, timeout: 55000 }, (err, stdout, stderr) => {
      resolve({ code: err ? err.code : 0, signal: err ? err.signal : null, stdout, stderr, lines: stderr.split('\n').filter(Boolean) });
    });
  });
}

const json = (r) => r.lines.map((l) => JSON.parse(l));
const FAST = { LEAKGUARD_INTERVAL_MS: '100', LEAKGUARD_WARMUP_MS: '0' };

test('-r leakguard/register: JSON lines with pino fields for start, leak and resolved; the app ends on its own', async () => {
  const r = await run(['-r', 'leakguard/register', 'leaky-app.js'], { ...FAST, LEAKGUARD_LOG: 'json' });
  expect(r.stdout).toBe('app done\n');
  expect(r.code).toBe(0);
  const lines = json(r);
  for (const l of lines) {
    expect(l).toEqual(expect.objectContaining({ level: expect.any(Number), time: expect.any(Number), pid: expect.any(Number), hostname: os.hostname(), name: 'leakguard', msg: expect.any(String) }));
    expect(l.threadId).toBeUndefined();
  }
  const byEvent = Object.fromEntries(lines.map((l) => [l.event, l]));
  expect(lines.map((l) => l.event)).toEqual(['started', 'leak', 'resolved']);
  expect(byEvent.started).toMatchObject({ level: 30, options: { intervalMs: 100, warmupMs: 0 }, snapshots: { dir: fs.realpathSync(appDir) }, env: ['LEAKGUARD_LOG', 'LEAKGUARD_INTERVAL_MS', 'LEAKGUARD_WARMUP_MS'] });
  expect(byEvent.leak).toMatchObject({ level: 40, kind: 'listeners', target: 'bus:config', unit: 'listeners', id: 1, closedAt: null });
  expect(byEvent.leak.pid).toBe(byEvent.started.pid);
  expect(byEvent.leak.sites[0].stack).toMatch(/^leaky-app\.js:13:\d+$/);
  expect(byEvent.leak.msg).toMatch(/^leak: listeners on bus:config keep growing: .* top site leaky-app\.js:13:\d+$/);
  expect(byEvent.leak.message).toBeUndefined(); // it is msg
  expect(byEvent.resolved).toMatchObject({ level: 30, id: 1, kind: 'listeners', target: 'bus:config', closedAt: expect.any(Number) });
  expect(byEvent.resolved.msg).toBe('resolved: finding 1 (listeners bus:config) stopped growing at 0 listeners');
  expect(byEvent.started.time).toBeLessThanOrEqual(byEvent.leak.time);
});

test('NODE_OPTIONS="-r leakguard/register" with LEAKGUARD_LOG=pretty: readable lines', async () => {
  const r = await run(['leaky-app.js'], { ...FAST, NODE_OPTIONS: '-r leakguard/register', LEAKGUARD_LOG: 'pretty' });
  expect(r.stdout).toBe('app done\n');
  expect(r.code).toBe(0);
  expect(r.lines).toHaveLength(3);
  const prefix = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO |WARN ) leakguard\[\d+\]: /;
  for (const l of r.lines) expect(l).toMatch(prefix);
  expect(r.lines[0]).toMatch(/INFO  leakguard\[\d+\]: started \(interval 100 ms, warm-up 0 ms, heap snapshots near the limit in \/.+\)$/);
  expect(r.lines[1]).toMatch(/WARN  leakguard\[\d+\]: leak: listeners on bus:config keep growing: \d+ listeners -> \d+ listeners \(\+\d+\/min, \d+\.\d% confidence\); top site leaky-app\.js:13:\d+$/);
  expect(r.lines[2]).toMatch(/INFO  leakguard\[\d+\]: resolved: finding 1 \(listeners bus:config\) stopped growing at 0 listeners$/);
});

test('--import leakguard/register starts leakguard for an ES module app', async () => {
  const r = await run(['--import', 'leakguard/register', 'leaky-app.mjs'], { ...FAST, LEAKGUARD_LOG: 'json' });
  expect(r.code).toBe(0);
  expect(r.stdout).toBe('app done, monitor running: true\n');
  const lines = json(r);
  expect(lines.map((l) => l.event)).toEqual(['started', 'leak']);
  expect(lines[1]).toMatchObject({ level: 40, kind: 'listeners', target: 'esm-bus:message' });
  expect(lines[1].sites[0].stack).toMatch(/^leaky-app\.mjs:9:\d+$/);
});

test('loaded three times (NODE_OPTIONS -r, -r, --import) it starts once', async () => {
  const r = await run(['-r', 'leakguard/register', '--import', 'leakguard/register', 'quiet-app.js'], { NODE_OPTIONS: '-r leakguard/register', LEAKGUARD_LOG: 'json' });
  expect(r.code).toBe(0);
  expect(r.stdout).toBe('thread 0 monitor running: true\n');
  expect(json(r).map((l) => l.event)).toEqual(['started']);
});

test('worker threads inherit -r but start their own monitor only with LEAKGUARD_WORKERS=true', async () => {
  const off = await run(['-r', 'leakguard/register', 'quiet-app.js'], { SPAWN_WORKER: '1', LEAKGUARD_LOG: 'json' });
  expect(off.code).toBe(0);
  expect(off.stdout.split('\n').filter(Boolean).sort()).toEqual(['thread 0 monitor running: true', 'thread 1 monitor running: false']);
  expect(json(off).map((l) => [l.event, l.threadId])).toEqual([['started', undefined]]);

  const on = await run(['-r', 'leakguard/register', 'quiet-app.js'], { SPAWN_WORKER: '1', LEAKGUARD_LOG: 'json', LEAKGUARD_WORKERS: 'true' });
  expect(on.code).toBe(0);
  expect(on.stdout.split('\n').filter(Boolean).sort()).toEqual(['thread 0 monitor running: true', 'thread 1 monitor running: true']);
  expect(json(on).map((l) => [l.event, l.threadId])).toEqual([['started', undefined], ['started', 1]]);
});

test('bad values: one error line naming each variable, leakguard not started, the app runs and exits 0', async () => {
  const env = { LEAKGUARD_INTERVAL_MS: 'fast', LEAKGUARD_SENSITIVITY: '100', LEAKGUARD_HEAP_DIAGNOSIS: 'maybe', LEAKGUARD_SNAPSHOT_RATIO: '1.5', LEAKGUARD_LOG: 'json' };
  const r = await run(['-r', 'leakguard/register', 'quiet-app.js'], env);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe('thread 0 monitor running: false\n');
  expect(r.lines).toHaveLength(1);
  const [line] = json(r);
  expect(line).toMatchObject({ level: 50, event: 'config-error', code: 'LEAKGUARD_INVALID_ENV', name: 'leakguard' });
  expect(line.variables.sort()).toEqual(['LEAKGUARD_HEAP_DIAGNOSIS', 'LEAKGUARD_INTERVAL_MS', 'LEAKGUARD_SENSITIVITY', 'LEAKGUARD_SNAPSHOT_RATIO']);
  expect(line.msg).toContain('leakguard not started (the app runs without it)');
  expect(line.msg).toContain('LEAKGUARD_INTERVAL_MS="fast": must be a number');
  expect(line.msg).toContain('LEAKGUARD_SENSITIVITY="100": must be a finite number between 0.05 and 20, got 100');
  expect(line.msg).toContain('LEAKGUARD_HEAP_DIAGNOSIS="maybe": must be true or false');
  expect(line.msg).toContain('LEAKGUARD_SNAPSHOT_RATIO="1.5": must be between 0 and 1 (exclusive), got 1.5');

  // A bad LEAKGUARD_LOG itself: the error line in the default format (JSON: stderr is not a terminal here).
  const badLog = await run(['-r', 'leakguard/register', 'quiet-app.js'], { LEAKGUARD_LOG: 'xml' });
  expect(badLog.code).toBe(0);
  expect(badLog.lines).toHaveLength(1);
  expect(JSON.parse(badLog.lines[0]).msg).toContain('LEAKGUARD_LOG="xml": must be json, pretty or off');

  // LEAKGUARD_LOG=off does not hide it: one plain line.
  const quiet = await run(['-r', 'leakguard/register', 'quiet-app.js'], { LEAKGUARD_LOG: 'off', LEAKGUARD_WARMUP_MS: 'soon' });
  expect(quiet.code).toBe(0);
  expect(quiet.stdout).toBe('thread 0 monitor running: false\n');
  expect(quiet.lines).toEqual(['leakguard: invalid environment, leakguard not started (the app runs without it): LEAKGUARD_WARMUP_MS="soon": must be a number']);
});

test('an unknown LEAKGUARD_ variable is a warning with a suggestion; leakguard still starts', async () => {
  const r = await run(['-r', 'leakguard/register', 'quiet-app.js'], { LEAKGUARD_INTERVAL: '5', LEAKGUARD_LOG: 'pretty' });
  expect(r.code).toBe(0);
  expect(r.stdout).toBe('thread 0 monitor running: true\n');
  expect(r.lines[0]).toMatch(/WARN  leakguard\[\d+\]: unknown environment variable LEAKGUARD_INTERVAL ignored \(did you mean LEAKGUARD_INTERVAL_MS\?\)$/);
  expect(r.lines[1]).toMatch(/INFO  leakguard\[\d+\]: started \(interval 1000 ms/);
});

test('LEAKGUARD_LOG=off logs nothing, LEAKGUARD_ENABLED=false starts nothing', async () => {
  const off = await run(['-r', 'leakguard/register', 'leaky-app.js'], { ...FAST, LEAKGUARD_LOG: 'off' });
  expect(off.code).toBe(0);
  expect(off.stdout).toBe('app done\n'); // the leak was found and resolved, silently
  expect(off.stderr).toBe('');
  // Disabled means disabled: the other variables are not even checked.
  const disabled = await run(['-r', 'leakguard/register', 'quiet-app.js'], { LEAKGUARD_ENABLED: 'false', LEAKGUARD_INTERVAL_MS: 'fast' });
  expect(disabled.code).toBe(0);
  expect(disabled.stdout).toBe('thread 0 monitor running: false\n');
  expect(disabled.stderr).toBe('');
  const clean = await run(['-r', 'leakguard/register', 'quiet-app.js'], { LEAKGUARD_ENABLED: '0' });
  expect(clean.stdout).toBe('thread 0 monitor running: false\n');
  expect(clean.stderr).toBe('');
});

test('a heap snapshot written near the limit is logged with its path; LEAKGUARD_SNAPSHOT_* reach snapshotNearLimit()', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-register-snap-'));
  try {
    // A ratio of 0.001 of the heap limit: the first check fires.
    const r = await run(['-r', 'leakguard/register', 'snapshot-app.js'], {
      LEAKGUARD_LOG: 'json',
      LEAKGUARD_SNAPSHOT_DIR: dir,
      LEAKGUARD_SNAPSHOT_RATIO: '0.001',
      LEAKGUARD_SNAPSHOT_MAX: '1',
      LEAKGUARD_SNAPSHOT_INTERVAL_MS: '20',
      LEAKGUARD_SNAPSHOT_LAST_RESORT: 'false',
    });
    expect(r.code).toBe(0);
    const snap = json(r).find((l) => l.event === 'snapshot');
    expect(snap).toMatchObject({ level: 40, reason: 'heap-limit', bytes: expect.any(Number) });
    expect(path.dirname(snap.path)).toBe(dir);
    expect(r.stdout).toBe(`snapshot ${snap.path}\n`);
    expect(fs.statSync(snap.path).size).toBe(snap.bytes);
    expect(snap.msg).toMatch(/^heap snapshot written: .*\.heapsnapshot \(\d+\.\d MiB, reason heap-limit, heap .* blocked\)$/);
    expect(json(r)[0]).toMatchObject({ event: 'started', snapshots: { dir, ratio: 0.001, maxSnapshots: 1, intervalMs: 20, lastResort: false } });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an unusable snapshot directory is an error line; the app is not affected', async () => {
  const file = path.join(appDir, 'not-a-dir');
  fs.writeFileSync(file, '');
  const r = await run(['-r', 'leakguard/register', 'quiet-app.js'], {
    LEAKGUARD_LOG: 'json',
    LEAKGUARD_SNAPSHOT_DIR: path.join(file, 'snapshots'),
    LEAKGUARD_SNAPSHOT_RATIO: '0.001',
    LEAKGUARD_SNAPSHOT_INTERVAL_MS: '20',
    LEAKGUARD_SNAPSHOT_LAST_RESORT: 'false',
  });
  expect(r.code).toBe(0);
  expect(r.stdout).toBe('thread 0 monitor running: true\n');
  const errors = json(r).filter((l) => l.event === 'snapshot-error');
  expect(errors.length).toBeGreaterThanOrEqual(1);
  expect(errors[0]).toMatchObject({ level: 50, code: expect.stringMatching(/^LEAKGUARD_/) });
  expect(errors[0].msg).toMatch(/^heap snapshot: .*not-a-dir\/snapshots/);
});

describe('readEnvOptions()', () => {
  test('every start() option has its variable, with the same checks', () => {
    const env = {};
    for (const [k, v] of Object.entries(DEFAULTS)) env[envNameOf(k)] = typeof v === 'boolean' ? String(!v) : String(v === 1 ? 2 : v + 1);
    const out = readEnvOptions(env);
    for (const [k, v] of Object.entries(DEFAULTS)) expect(out.start[k]).toBe(typeof v === 'boolean' ? !v : v === 1 ? 2 : v + 1);
    expect(envNameOf('heapDiagnosis')).toBe('LEAKGUARD_HEAP_DIAGNOSIS');
    expect(envNameOf('intervalMs')).toBe('LEAKGUARD_INTERVAL_MS');
  });

  test('booleans, empty values, the log default and snapshot switches', () => {
    expect(readEnvOptions({ LEAKGUARD_TIMERS: 'OFF', LEAKGUARD_STREAMS: 'yes', LEAKGUARD_FORCED_GC: '0' }).start).toEqual({ timers: false, streams: true, forcedGc: false });
    expect(readEnvOptions({ LEAKGUARD_INTERVAL_MS: '' }).start).toEqual({});
    expect(readEnvOptions({}).log).toBe('json');
    expect(readEnvOptions({}, { isTTY: true }).log).toBe('pretty');
    expect(readEnvOptions({ LEAKGUARD_SNAPSHOTS: 'off', LEAKGUARD_SNAPSHOT_RATIO: '0.5' }).nearLimit).toBeNull();
    expect(readEnvOptions({ LEAKGUARD_SNAPSHOT_COMPRESS: 'gzip', LEAKGUARD_SNAPSHOT_LAST_RESORT: 'auto' }).nearLimit).toEqual({ compress: 'gzip', lastResort: 'auto' });
  });

  test('errors carry the code, the first variable and every problem', () => {
    let err;
    try {
      readEnvOptions({ LEAKGUARD_WARMUP_MS: '-1', LEAKGUARD_SNAPSHOT_MAX: '1.5', LEAKGUARD_WORKERS: 'both' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe('LEAKGUARD_INVALID_ENV');
    expect(err.variable).toBe('LEAKGUARD_WORKERS');
    expect(err.problems.map((p) => p.variable)).toEqual(['LEAKGUARD_WORKERS', 'LEAKGUARD_WARMUP_MS', 'LEAKGUARD_SNAPSHOT_MAX']);
    expect(err.problems[1].message).toBe('LEAKGUARD_WARMUP_MS="-1": must be a finite number between 0 and 86400000, got -1');
    expect(err.problems[2].message).toBe('LEAKGUARD_SNAPSHOT_MAX="1.5": must be an integer from 1 to 1000, got 1.5');
  });
});

describe('lib/log.js', () => {
  const channels = require('../lib/channels');
  const { createLogger, logEvents } = require('../lib/log');

  test('every leakguard:* event becomes one line; json lines keep pino fields, pretty lines read as text', () => {
    const json = [];
    const pretty = [];
    const off = [];
    const stops = [
      logEvents(createLogger('json', (l) => json.push(l))),
      logEvents(createLogger('pretty', (l) => pretty.push(l))),
      logEvents(createLogger('off', (l) => off.push(l))),
    ];
    try {
      const finding = { id: 7, kind: 'heap', target: 'heapUsed', unit: 'bytes', baseline: 1, current: 3 * 1024 * 1024, growthPerMinute: 5, confidence: 0.99, timeToLimitMs: null, sites: Array.from({ length: 8 }, (_, i) => ({ stack: `a.js:${i}:1`, count: i })), since: 1, closedAt: 2, message: 'grows' };
      channels.publish('resolved', finding);
      channels.publish('diagnosis', { finding, diagnosis: { classes: [{ name: 'Session', countDelta: 100, sizeDelta: 2 * 1024 * 1024 }], holders: [{ name: 'sessions', type: 'Map', sizeDelta: 2097152 }] } });
      channels.publish('diagnosis', { finding, diagnosis: { skipped: 'not enough memory' } });
      channels.publish('skipped', { reason: 'insufficient-memory', trigger: 'headroom', neededBytes: 64 * 1024 * 1024, availableBytes: 10 * 1024 * 1024, diskFreeBytes: null, artifactPath: '/tmp/x.json' });
    } finally {
      for (const stop of stops) stop();
    }
    channels.publish('resolved', { id: 8 }); // after unsubscribing: nothing
    expect(off).toEqual([]);
    expect(json).toHaveLength(4);
    const lines = json.map((l) => {
      expect(l.endsWith('\n')).toBe(true);
      expect(l.indexOf('\n')).toBe(l.length - 1);
      return JSON.parse(l);
    });
    expect(lines.map((l) => [l.level, l.event])).toEqual([[30, 'resolved'], [30, 'diagnosis'], [30, 'diagnosis'], [40, 'snapshot-skipped']]);
    expect(lines[0].sites).toHaveLength(5);
    expect(lines[0].message).toBeUndefined();
    expect(lines[0].msg).toBe('resolved: finding 7 (heap heapUsed) stopped growing at 3.0 MiB');
    expect(lines[1]).toMatchObject({ findingId: 7, holders: [{ name: 'sessions', type: 'Map' }] });
    expect(lines[1].msg).toBe('heap diagnosis of finding 7: Session +100 (+2.0 MiB)');
    expect(lines[2].msg).toBe('heap diagnosis of finding 7 skipped: not enough memory');
    expect(lines[3].msg).toBe('heap snapshot skipped (insufficient-memory, trigger headroom): needs 64.0 MiB, 10.0 MiB available; evidence file /tmp/x.json');
    expect(pretty).toHaveLength(4);
    expect(pretty[3]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z WARN  leakguard\[\d+\]: heap snapshot skipped \(insufficient-memory/);
  });
});
