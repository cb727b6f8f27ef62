'use strict';
// Safe file handling for snapshots and their sidecars: private directory,
// exclusive temporary files (0600, no symlink following), publish by link/rename
// only when complete.

const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

const { O_WRONLY, O_CREAT, O_EXCL } = fs.constants;
const O_NOFOLLOW = fs.constants.O_NOFOLLOW || 0;
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/** ENOSPC (disk full) and EDQUOT (quota exhausted) mean there is no room for the file. */
function noSpace(e) {
  return Boolean(e) && (e.code === 'ENOSPC' || e.code === 'EDQUOT');
}

function leakguardError(code, message, cause) {
  const err = new Error(message, cause ? { cause } : undefined);
  err.code = code;
  return err;
}

/**
 * Creates `abs` and its missing parents (0700), one level at a time. Not
 * `mkdirSync(..., { recursive: true })`: on Linux that never returns for a path under
 * /proc (`/proc/nope`: mkdir says ENOENT, the parent exists, and Node retries forever),
 * which would hang the app at start().
 */
function mkdirs(abs) {
  const missing = [];
  let p = abs;
  for (let depth = 0; depth < 256; depth++) {
    try {
      fs.lstatSync(p);
      break;
    } catch (e) {
      if (e.code !== 'ENOENT') throw e;
      missing.push(p);
      const parent = path.dirname(p);
      if (parent === p) break;
      p = parent;
    }
  }
  for (const dir of missing.reverse()) fs.mkdirSync(dir, { mode: DIR_MODE });
}

/**
 * Makes sure `dir` exists (created 0700 if missing), is a real directory (not a
 * symlink) and is writable. Returns the absolute path. Throws LEAKGUARD_DIR_*.
 */
function ensureDir(dir) {
  const abs = path.resolve(dir);
  let st;
  try {
    st = fs.lstatSync(abs);
  } catch (e) {
    if (e.code !== 'ENOENT') throw leakguardError('LEAKGUARD_DIR_UNWRITABLE', `leakguard: snapshot directory ${abs} is not usable: ${e.message}`, e);
    try {
      mkdirs(abs);
      st = fs.lstatSync(abs);
    } catch (e2) {
      throw leakguardError('LEAKGUARD_DIR_UNWRITABLE', `leakguard: cannot create snapshot directory ${abs}: ${e2.message}`, e2);
    }
  }
  if (st.isSymbolicLink()) {
    throw leakguardError('LEAKGUARD_DIR_SYMLINK', `leakguard: snapshot directory ${abs} is a symbolic link; refusing to write through it (pass the real path)`);
  }
  if (!st.isDirectory()) {
    throw leakguardError('LEAKGUARD_DIR_UNWRITABLE', `leakguard: snapshot directory ${abs} is not a directory`);
  }
  // Whoever can rename entries in the directory could swap the temporary file for a
  // symlink between our O_EXCL create and V8's open of it by name (V8 follows
  // symlinks), so the directory must not be writable by another user: owned by us,
  // not world-writable, unless the sticky bit stops others renaming our files (/tmp).
  const euid = typeof process.geteuid === 'function' ? process.geteuid() : null;
  const sticky = (st.mode & 0o1000) !== 0;
  if (euid !== null && !sticky && st.uid !== euid) {
    throw leakguardError('LEAKGUARD_DIR_NOT_OWNED', `leakguard: snapshot directory ${abs} belongs to uid ${st.uid}, not to this process (uid ${euid}); refusing to write where another user can replace files`);
  }
  if (euid !== null && !sticky && (st.mode & 0o002) !== 0) {
    throw leakguardError('LEAKGUARD_DIR_NOT_OWNED', `leakguard: snapshot directory ${abs} is writable by every user (mode ${(st.mode & 0o7777).toString(8)}) without the sticky bit; refusing to write where another user can replace files`);
  }
  try {
    fs.accessSync(abs, fs.constants.W_OK | fs.constants.X_OK);
  } catch (e) {
    throw leakguardError('LEAKGUARD_DIR_UNWRITABLE', `leakguard: snapshot directory ${abs} is not writable: ${e.message}`, e);
  }
  return abs;
}

/** ISO 8601 basic format, safe in file names: 20261122T024105.123Z */
function isoStamp(date) {
  return date.toISOString().replace(/[-:]/g, '');
}

/**
 * Creates a new, empty temporary file in `dir` with O_EXCL|O_NOFOLLOW and mode
 * 0600. Returns { path, fd }.
 */
function createTemp(dir, suffix) {
  for (let attempt = 0; ; attempt++) {
    const p = path.join(dir, `.leakguard-${process.pid}-${crypto.randomBytes(6).toString('hex')}${suffix}.tmp`);
    try {
      const fd = fs.openSync(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, FILE_MODE);
      // umask cannot widen 0600, but make the mode explicit anyway.
      fs.fchmodSync(fd, FILE_MODE);
      return { path: p, fd };
    } catch (e) {
      if (e.code === 'EEXIST' && attempt < 5) continue;
      throw leakguardError(noSpace(e) ? 'LEAKGUARD_DISK_FULL' : 'LEAKGUARD_WRITE_FAILED',
        `leakguard: cannot create a file in ${dir}: ${e.message}`, e);
    }
  }
}

/** True if `tempPath` still names the file open as `fd` (nobody swapped it). */
function sameFile(fd, tempPath) {
  try {
    const a = fs.fstatSync(fd);
    const b = fs.lstatSync(tempPath);
    return b.isFile() && a.ino === b.ino && a.dev === b.dev;
  } catch {
    return false;
  }
}

/**
 * Gives a complete temporary file its final name without replacing anything
 * already there: hard link (fails with EEXIST) then unlink; rename after an
 * lstat check where hard links are not supported.
 */
function publish(tempPath, finalPath) {
  try {
    fs.linkSync(tempPath, finalPath);
    fs.unlinkSync(tempPath);
    return;
  } catch (e) {
    if (e.code === 'EEXIST') {
      throw leakguardError('LEAKGUARD_FILE_EXISTS', `leakguard: ${finalPath} already exists; not overwriting it`, e);
    }
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EMLINK', 'ENOSYS'].includes(e.code)) {
      throw leakguardError('LEAKGUARD_WRITE_FAILED', `leakguard: cannot publish ${finalPath}: ${e.message}`, e);
    }
  }
  let exists = true;
  try {
    fs.lstatSync(finalPath);
  } catch (e) {
    if (e.code === 'ENOENT') exists = false;
  }
  if (exists) throw leakguardError('LEAKGUARD_FILE_EXISTS', `leakguard: ${finalPath} already exists; not overwriting it`);
  fs.renameSync(tempPath, finalPath);
}

function unlinkQuiet(p) {
  try {
    fs.unlinkSync(p);
  } catch {
    /* already gone */
  }
}

function closeQuiet(fd) {
  try {
    fs.closeSync(fd);
  } catch {
    /* already closed */
  }
}

/** Writes `text` to `finalPath` via an exclusive 0600 temp file. */
function writeFileAtomic(finalPath, text) {
  const dir = path.dirname(finalPath);
  const tmp = createTemp(dir, '.json');
  try {
    fs.writeFileSync(tmp.fd, text);
    fs.fsyncSync(tmp.fd);
    fs.closeSync(tmp.fd);
    publish(tmp.path, finalPath);
  } catch (e) {
    closeQuiet(tmp.fd);
    unlinkQuiet(tmp.path);
    if (e.code && String(e.code).startsWith('LEAKGUARD_')) throw e;
    throw leakguardError(noSpace(e) ? 'LEAKGUARD_DISK_FULL' : 'LEAKGUARD_WRITE_FAILED', `leakguard: cannot write ${finalPath}: ${e.message}`, e);
  }
  return finalPath;
}

/**
 * Checks that a file holds a complete V8 heap snapshot: it starts with
 * `{"snapshot":` and ends with `]}` (the end of the `strings` array). Returns
 * { complete, bytes, nodeCount, edgeCount } (counts read from the header).
 */
function inspectSnapshotFile(p) {
  const fd = fs.openSync(p, fs.constants.O_RDONLY | O_NOFOLLOW);
  try {
    const bytes = fs.fstatSync(fd).size;
    if (bytes < 16) return { complete: false, bytes };
    const head = Buffer.alloc(Math.min(bytes, 4096));
    fs.readSync(fd, head, 0, head.length, 0);
    const tail = Buffer.alloc(8);
    fs.readSync(fd, tail, 0, 8, bytes - 8);
    const headText = head.toString('latin1');
    const tailText = tail.toString('latin1').trimEnd();
    const nodeCount = Number((/"node_count":(\d+)/.exec(headText) || [])[1]);
    const edgeCount = Number((/"edge_count":(\d+)/.exec(headText) || [])[1]);
    return {
      complete: headText.startsWith('{"snapshot":') && tailText.endsWith(']}'),
      bytes,
      nodeCount: Number.isFinite(nodeCount) ? nodeCount : undefined,
      edgeCount: Number.isFinite(edgeCount) ? edgeCount : undefined,
    };
  } finally {
    fs.closeSync(fd);
  }
}

module.exports = {
  FILE_MODE,
  DIR_MODE,
  leakguardError,
  noSpace,
  ensureDir,
  isoStamp,
  createTemp,
  sameFile,
  publish,
  unlinkQuiet,
  closeQuiet,
  writeFileAtomic,
  inspectSnapshotFile,
};
