'use strict';
// Creation sites: the app frames of the stack that created a listener, timer or stream.
// Capturing a stack costs 10-60 µs, so captures are sampled: a Sampler lets about
// 8 captures per tick through under steady load while the kind's series are flat, 16
// once one rises (the monitor sets it each tick), 32 in a burst before the rate drops,
// and gives each one a weight (the number of events it stands for), so per-site counts
// stay unbiased estimates. start({ allStacks: true }) captures every one.
const path = require('node:path');

const OWN_DIR = path.resolve(__dirname, '..');
// leakguard's own code: lib/ and the package's entry points (their frames are never a site).
const OWN_FILES = [path.join(OWN_DIR, 'lib') + path.sep, path.join(OWN_DIR, 'bin') + path.sep,
  ...['index.js', 'index.mjs', 'register.js', 'register.mjs', 'jest.js', 'binding.js'].map((f) => path.join(OWN_DIR, f))];
const MAX_FRAMES = 4;
const CAPTURE_LIMIT = 24;
const FIRST_LIMIT = 10;

function isOwn(file) {
  return OWN_FILES.some((p) => file.startsWith(p));
}

function isInternal(file) {
  if (!file || file.startsWith('node:') || file.startsWith('internal/')) return true;
  // Eval'd code ([eval], [worker eval]) is the app's; other bare names are Node's.
  return !file.includes('/') && !file.includes('\\') && !file.startsWith('[');
}

function displayPath(file) {
  if (file.startsWith('file://')) {
    try { file = require('node:url').fileURLToPath(file); } catch { /* keep the URL */ }
  }
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

function structured(_err, callSites) {
  return callSites;
}

/**
 * Captures the current stack and returns the site string: up to MAX_FRAMES app
 * frames `file:line:column`, newline-separated, project frames before node_modules
 * ones; leakguard's own and Node's internal frames removed. '' when none remain.
 */
let captures = 0; // stack captures so far (bench/overhead reads it)

function captureSite(skipFn) {
  // V8 pays about 1.2 µs per captured frame here: the first try takes the top
  // FIRST_LIMIT frames (app frames are usually there) and only a stack with no app
  // frame among them is captured again, deeper.
  const site = formatFrames(captureFrames(skipFn, FIRST_LIMIT));
  if (site !== '') return site;
  return formatFrames(captureFrames(skipFn, CAPTURE_LIMIT));
}

function captureFrames(skipFn, limit) {
  captures++;
  const holder = {};
  const prevLimit = Error.stackTraceLimit;
  const prevPrepare = Error.prepareStackTrace;
  let frames;
  try {
    Error.stackTraceLimit = limit;
    Error.prepareStackTrace = structured;
    Error.captureStackTrace(holder, skipFn);
    frames = holder.stack;
  } finally {
    Error.prepareStackTrace = prevPrepare;
    Error.stackTraceLimit = prevLimit;
  }
  return frames;
}

// Per-file facts used for every frame (app, dependency or skipped; display path),
// cached: a capture walks up to 24 frames, and path.relative() per frame was most of
// the cost of a capture. Bounded; cleared when the working directory changes.
const FILE_CACHE_MAX = 2000;
const fileCache = new Map(); // file -> { skip, dep, display }
let fileCacheCwd = null;
const DEP_MARK = `${path.sep}node_modules${path.sep}`;

function checkCwd() {
  const cwd = process.cwd();
  if (cwd !== fileCacheCwd) {
    fileCache.clear();
    fileCacheCwd = cwd;
  }
}

function fileInfo(file) {
  let info = fileCache.get(file);
  if (info === undefined) {
    const skip = isInternal(file) || isOwn(file);
    info = { skip, dep: !skip && file.includes(DEP_MARK), display: skip ? '' : displayPath(file) };
    if (fileCache.size >= FILE_CACHE_MAX) fileCache.clear();
    fileCache.set(file, info);
  }
  return info;
}

function formatFrames(frames) {
  if (!Array.isArray(frames)) return '';
  const app = [];
  const deps = [];
  const maps = sourceMapsOn();
  checkCwd();
  for (const f of frames) {
    const file = f.getFileName && f.getFileName();
    if (!file) continue;
    const info = fileInfo(file);
    if (info.skip) continue;
    const line = f.getLineNumber();
    const column = f.getColumnNumber();
    const where = (maps && mapSource(file, line, column)) || `${info.display}:${line}:${column}`;
    (info.dep ? deps : app).push(where);
    if (app.length >= MAX_FRAMES) break;
  }
  if (deps.length === 0) return app.length === 1 ? app[0] : app.join('\n');
  return app.concat(deps).slice(0, MAX_FRAMES).join('\n');
}

// Source maps: when the app runs with --enable-source-maps (or registered maps),
// module.findSourceMap gives the original position.
let findSourceMap = null;
try {
  findSourceMap = require('node:module').findSourceMap || null;
} catch { /* not available */ }

// process.sourceMapsEnabled (Node >= 20.7) also sees NODE_OPTIONS=--enable-source-maps
// and process.setSourceMapsEnabled(true).
function sourceMapsOn() {
  if (findSourceMap === null) return false;
  return typeof process.sourceMapsEnabled === 'boolean' ? process.sourceMapsEnabled : process.execArgv.includes('--enable-source-maps');
}

function mapSource(file, line, column) {
  if (!sourceMapsOn()) return null;
  try {
    const map = findSourceMap(file);
    if (!map) return null;
    const e = map.findEntry(line - 1, column - 1);
    if (!e || !e.originalSource) return null;
    return `${displayPath(e.originalSource)}:${e.originalLine + 1}:${e.originalColumn + 1}`;
  } catch {
    return null;
  }
}

// start({ allStacks: true }): every Sampler lets every capture through (weight 1).
let captureAll = false;
function setCaptureAll(on) {
  captureAll = on === true;
}

/**
 * Lets a bounded number of stack captures through per tick, each weighted. A burst
 * within a tick gets up to `budgetPerTick` captures before the rate halves; under
 * steady load the rate is set for about `steadyPerTick` captures per tick (a capture
 * costs ~10-30 µs, so at thousands of events per second the steady rate, not the
 * burst budget, is what the app pays).
 */
class Sampler {
  constructor(budgetPerTick = 32, steadyPerTick = Math.max(1, Math.floor(budgetPerTick / 2))) {
    this.budget = budgetPerTick;
    this.steady = steadyPerTick;
    this.every = 1;
    this.skip = 0;
    this.events = 0;
    this.captures = 0;
  }

  /** Captures aimed at per tick under steady load (the burst budget stays). */
  setSteady(perTick) {
    this.steady = Math.max(1, Math.min(this.budget, perTick));
  }

  /** 0: don't capture; otherwise the weight of this capture. */
  next() {
    this.events++;
    if (captureAll) return 1;
    if (++this.skip < this.every) return 0;
    this.skip = 0;
    // A burst within one tick: quarter the rate each time the budget is spent (a
    // burst of E events costs about budget * log4(E / budget) captures).
    if (++this.captures >= this.budget) {
      this.captures = 0;
      const weight = this.every;
      this.every *= 4;
      return weight;
    }
    return this.every;
  }

  /**
   * Adapts the rate to the events seen since the last tick. A tick without events
   * keeps the rate: an idle spell says nothing about the next burst (traffic that
   * pauses and resumes would otherwise pay a full burst budget on every resume).
   */
  retune() {
    if (this.events > 0) this.every = Math.max(1, Math.ceil(this.events / this.steady));
    this.events = 0;
    this.captures = 0;
  }
}

module.exports = { captureSite, formatFrames, Sampler, setCaptureAll, captureCount: () => captures, displayPath, isOwn, isInternal, OWN_DIR, mapSource };
