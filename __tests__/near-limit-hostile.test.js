'use strict';
// Issue 8: snapshot writing in hostile environments, each in a real child process:
// read-only file system, unwritable directory, disk full, a file-size limit hit in
// the middle of a write, symlinks planted at the target names, directories another
// user controls. Each ends in an 'error' event (an Error with a LEAKGUARD_* code)
// or a 'skipped' event, the application keeps running, and no partial file is left,
// neither under a final name nor as a .tmp. Files written are 0600, directories 0700.
//
// Read-only and size-limited file systems are tmpfs mounts when this process may
// mount (root with CAP_SYS_ADMIN); otherwise the same tests use what needs no
// privilege: a child running as `nobody` (or a 0555 directory) and RLIMIT_FSIZE.
// The test (not leakguard) uses a shell for `ulimit -f` and setpriv for `nobody`.
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { run, tempDir, looksComplete } = require('./fixtures/near-limit/helpers');

jest.setTimeout(60_000);

const HOSTILE = path.join(__dirname, 'fixtures', 'near-limit', 'hostile.js');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const mode = (p) => fs.lstatSync(p).mode & 0o7777;

let base;
const mounts = [];
let canMount = false;
let nobody = null; // { uid, gid } when root can run a child as nobody

function tryMount(dir, options) {
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) return false;
  mounts.push(dir);
  return true;
}

beforeAll(() => {
  base = tempDir('hostile');
  fs.chmodSync(base, 0o755); // the `nobody` child must reach its directory
  // LEAKGUARD_TEST_NO_MOUNT=1 exercises the no-mount branches on a machine that can mount.
  if (isRoot && !process.env.LEAKGUARD_TEST_NO_MOUNT) {
    const probe = path.join(base, 'probe');
    fs.mkdirSync(probe);
    canMount = tryMount(probe, 'size=64k');
  }
  if (isRoot) {
    const id = spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'nobody'], { encoding: 'utf8' });
    const setpriv = spawnSync('setpriv', ['--version'], { encoding: 'utf8' });
    if (id.status === 0 && gid.status === 0 && setpriv.status === 0) nobody = { uid: Number(id.stdout), gid: Number(gid.stdout) };
  }
});

afterAll(() => {
  for (const m of mounts.reverse()) spawnSync('umount', [m]);
  fs.rmSync(base, { recursive: true, force: true });
});

function freshDir(tag) {
  const d = path.join(base, tag);
  fs.mkdirSync(d, { mode: 0o700 });
  return d;
}

/** Runs the hostile child; `wrap` prefixes the command (setpriv, bash -c 'ulimit ...'). */
async function hostile(args, wrap = []) {
  const argv = [...wrap, process.execPath, '--max-old-space-size=32', HOSTILE, JSON.stringify(args)];
  const r = await run(argv, { timeoutMs: 45_000 });
  const done = r.events.find((e) => e.event === 'done');
  if (!done) throw new Error(`child gave no result (code ${r.code}, signal ${r.signal}): ${r.stderr}`);
  expect(r.code).toBe(0);
  expect(done.alive).toBe(true);
  expect(done.events.filter((e) => e.event === 'gave-up')).toEqual([]); // the awaited outcome came
  return done;
}

const asNobody = () => ['setpriv', `--reuid=${nobody.uid}`, `--regid=${nobody.gid}`, '--clear-groups'];
const errorsOf = (done) => done.events.filter((e) => e.event === 'error');

/** Every entry of `dir` (recursively): no .tmp leftovers, no leakguard file. */
function listAll(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    out.push(e.name);
    if (e.isDirectory()) out.push(...listAll(path.join(dir, e.name)).map((n) => `${e.name}/${n}`));
  }
  return out.sort();
}

test('read-only file system: error events naming the directory, nothing written, the app continues', async () => {
  const dir = freshDir('readonly');
  let wrap = [];
  let how;
  if (canMount && tryMount(dir, 'ro,mode=0700')) {
    how = 'ro-mount';
  } else if (nobody) {
    fs.chownSync(dir, nobody.uid, nobody.gid);
    fs.chmodSync(dir, 0o500);
    wrap = asNobody();
    how = 'nobody-0500';
  } else {
    fs.chmodSync(dir, 0o500); // not root: permission bits apply
    how = 'chmod-0500';
  }
  // Two errors: the directory check right after arming, then the snapshot attempt.
  const done = await hostile({ dir, until: ['errors:2'], manual: ['m.heapsnapshot'] }, wrap);
  const errors = errorsOf(done);
  expect(errors.length).toBeGreaterThanOrEqual(1);
  for (const e of errors) {
    expect(e).toMatchObject({ isError: true, code: 'LEAKGUARD_DIR_UNWRITABLE' });
    expect(e.message).toContain(dir);
  }
  if (how === 'ro-mount') expect(errors[0].message).toMatch(/read-only file system/);
  expect(done.events.filter((e) => e.event === 'snapshot')).toEqual([]);
  expect(done.manual[0].code).toBe('LEAKGUARD_DIR_UNWRITABLE');
  expect(listAll(dir)).toEqual([]);
});

test('disk full: the evidence file fails with LEAKGUARD_DISK_FULL, the snapshot is skipped, no file is left', async () => {
  const dir = freshDir('full');
  if (canMount && tryMount(dir, 'size=1m,mode=0700')) {
    // Fill it up.
    const fd = fs.openSync(path.join(dir, 'filler'), 'w');
    const chunk = Buffer.alloc(64 * 1024);
    try {
      for (;;) fs.writeSync(fd, chunk);
    } catch (e) {
      expect(e.code).toBe('ENOSPC');
    } finally {
      fs.closeSync(fd);
    }
    const done = await hostile({ dir, until: ['skipped'], manual: ['m.heapsnapshot'] });
    expect(errorsOf(done)[0]).toMatchObject({ isError: true, code: 'LEAKGUARD_DISK_FULL' });
    expect(errorsOf(done)[0].message).toMatch(/ENOSPC/);
    // The snapshot was not attempted (no room for it); the evidence file could not be written either.
    expect(done.events.find((e) => e.event === 'skipped')).toEqual({ event: 'skipped', reason: 'insufficient-disk', artifactPath: null });
    expect(done.manual[0].code).toBe('LEAKGUARD_DISK_FULL');
    expect(listAll(dir)).toEqual(['filler']);
  } else {
    // No tmpfs: a 1-block file size limit stands in for a full disk (EFBIG, not ENOSPC).
    const done = await hostile({ dir, until: ['error:LEAKGUARD_SNAPSHOT_FAILED', 'snapshot', 'skipped'], manual: ['m.heapsnapshot'] },
      ['bash', '-c', 'ulimit -f 1; exec "$0" "$@"']);
    expect(errorsOf(done)[0]).toMatchObject({ isError: true, code: 'LEAKGUARD_SNAPSHOT_FAILED' });
    expect(done.events.filter((e) => e.event === 'snapshot')).toEqual([]);
    expect(listAll(dir)).toEqual([]);
  }
});

test('file size limit hit in the middle of the write (RLIMIT_FSIZE): error, temporary file removed, app continues', async () => {
  const dir = freshDir('fsize');
  // 1 MiB: a snapshot of this child is several MB, so V8's write fails part way (EFBIG;
  // Node ignores SIGXFSZ). The free-space estimate cannot see this limit.
  const done = await hostile({ dir, until: ['error:LEAKGUARD_SNAPSHOT_FAILED', 'snapshot'], manual: ['m.heapsnapshot'] },
    ['bash', '-c', 'ulimit -f 1024; exec "$0" "$@"']);
  const err = errorsOf(done)[0];
  expect(err).toMatchObject({ isError: true, code: 'LEAKGUARD_SNAPSHOT_FAILED' });
  expect(err.message).toMatch(/EFBIG|file too large/);
  expect(done.events.filter((e) => e.event === 'snapshot')).toEqual([]);
  expect(done.manual[0].code).toBe('LEAKGUARD_SNAPSHOT_FAILED');
  expect(listAll(dir)).toEqual([]); // no partial file, no .tmp
});

test('symlinks planted at the target names are never followed or replaced', async () => {
  const dir = freshDir('planted');
  const outside = freshDir('planted-outside');
  const victim = path.join(outside, 'victim.txt');
  fs.writeFileSync(victim, 'do not touch');
  // A dangling link (would create a file elsewhere) and a link to an existing file.
  fs.symlinkSync(path.join(outside, 'created-through-link'), path.join(dir, 'dangling.heapsnapshot'));
  fs.symlinkSync(victim, path.join(dir, 'victim.heapsnapshot'));
  // The sidecar name of a snapshot that itself is free.
  fs.symlinkSync(victim, path.join(dir, 'free.json'));
  const done = await hostile({ dir, until: ['snapshot', 'skipped'], manual: ['dangling.heapsnapshot', 'victim.heapsnapshot', 'free.heapsnapshot'] });
  expect(done.manual[0]).toMatchObject({ code: 'LEAKGUARD_FILE_EXISTS' });
  expect(done.manual[1]).toMatchObject({ code: 'LEAKGUARD_FILE_EXISTS' });
  // The snapshot itself is written; its sidecar is not written through the link.
  expect(done.manual[2]).toEqual({ path: path.join(dir, 'free.heapsnapshot') });
  expect(fs.readFileSync(victim, 'utf8')).toBe('do not touch');
  expect(fs.existsSync(path.join(outside, 'created-through-link'))).toBe(false);
  for (const l of ['dangling.heapsnapshot', 'victim.heapsnapshot', 'free.json']) expect(fs.lstatSync(path.join(dir, l)).isSymbolicLink()).toBe(true);
  expect(listAll(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  expect(looksComplete(path.join(dir, 'free.heapsnapshot'))).toBe(true);
});

test('a directory another user can write to is refused (LEAKGUARD_DIR_NOT_OWNED), nothing written', async () => {
  const cases = [];
  const worldWritable = freshDir('world-writable');
  fs.chmodSync(worldWritable, 0o777);
  cases.push(worldWritable);
  if (isRoot) {
    const othersDir = freshDir('owned-by-nobody');
    fs.chownSync(othersDir, 65534, 65534);
    fs.chmodSync(othersDir, 0o755); // root could write here; the owner could swap files
    cases.push(othersDir);
  }
  for (const dir of cases) {
    const done = await hostile({ dir, until: ['errors:2'], manual: ['m.heapsnapshot'] });
    const errors = errorsOf(done);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    for (const e of errors) expect(e).toMatchObject({ isError: true, code: 'LEAKGUARD_DIR_NOT_OWNED' });
    expect(errors[0].message).toContain(dir);
    expect(done.manual[0].code).toBe('LEAKGUARD_DIR_NOT_OWNED');
    expect(listAll(dir)).toEqual([]);
  }
});

test('a sticky shared directory (like /tmp) is accepted; new directories are 0700, files 0600', async () => {
  const shared = freshDir('sticky');
  fs.chmodSync(shared, 0o1777);
  if (isRoot) fs.chownSync(shared, 65534, 65534);
  const dir = path.join(shared, 'a', 'b');
  const done = await hostile({ dir, until: ['snapshot', 'skipped', 'errors:1'], manual: ['m.heapsnapshot'] });
  expect(errorsOf(done)).toEqual([]);
  const snap = done.events.find((e) => e.event === 'snapshot');
  expect(snap).toBeDefined();
  expect(mode(path.join(shared, 'a'))).toBe(0o700);
  expect(mode(dir)).toBe(0o700);
  const files = listAll(dir);
  expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  expect(files).toEqual(expect.arrayContaining([path.basename(snap.path), path.basename(snap.sidecarPath), 'm.heapsnapshot', 'm.json']));
  for (const f of files) expect([f, mode(path.join(dir, f))]).toEqual([f, 0o600]);
  expect(looksComplete(snap.path)).toBe(true);
});
