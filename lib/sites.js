'use strict';
// Creation sites: the app frames of the stack that created a listener, timer or stream.
// Capturing a stack costs microseconds, so captures are sampled: a Sampler lets
// at most `budget` captures through per tick and gives each one a weight (the number
// of events it stands for), so per-site counts stay unbiased estimates.
const path = require('node:path');

const OWN_DIR = path.resolve(__dirname, '..');
const OWN_FILES = [path.join(OWN_DIR, 'lib') + path.sep, path.join(OWN_DIR, 'index.js')];
const MAX_FRAMES = 4;
const CAPTURE_LIMIT = 24;

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
function captureSite(skipFn) {
  const holder = {};
  const prevLimit = Error.stackTraceLimit;
  const prevPrepare = Error.prepareStackTrace;
  let frames;
  try {
    Error.stackTraceLimit = CAPTURE_LIMIT;
    Error.prepareStackTrace = structured;
    Error.captureStackTrace(holder, skipFn);
    frames = holder.stack;
  } finally {
    Error.prepareStackTrace = prevPrepare;
    Error.stackTraceLimit = prevLimit;
  }
  return formatFrames(frames);
}

function formatFrames(frames) {
  if (!Array.isArray(frames)) return '';
  const app = [];
  const deps = [];
  for (const f of frames) {
    const file = f.getFileName && f.getFileName();
    if (!file || isInternal(file) || isOwn(file)) continue;
    let where = `${displayPath(file)}:${f.getLineNumber()}:${f.getColumnNumber()}`;
    const mapped = mapSource(file, f.getLineNumber(), f.getColumnNumber());
    if (mapped) where = mapped;
    (file.includes(`${path.sep}node_modules${path.sep}`) ? deps : app).push(where);
    if (app.length >= MAX_FRAMES) break;
  }
  return app.concat(deps).slice(0, MAX_FRAMES).join('\n');
}

// Source maps: when the app runs with --enable-source-maps (or registered maps),
// module.findSourceMap gives the original position.
let findSourceMap = null;
try {
  findSourceMap = require('node:module').findSourceMap || null;
} catch { /* not available */ }

function mapSource(file, line, column) {
  if (!findSourceMap || !process.execArgv.includes('--enable-source-maps')) return null;
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

/** Lets a bounded number of stack captures through per tick, each weighted. */
class Sampler {
  constructor(budgetPerTick) {
    this.budget = budgetPerTick;
    this.every = 1;
    this.skip = 0;
    this.events = 0;
    this.captures = 0;
  }

  /** 0: don't capture; otherwise the weight of this capture. */
  next() {
    this.events++;
    if (++this.skip < this.every) return 0;
    this.skip = 0;
    // A burst within one tick: halve the rate each time the budget is spent.
    if (++this.captures >= this.budget) {
      this.captures = 0;
      this.every *= 2;
      return this.every / 2;
    }
    return this.every;
  }

  /** Adapts the rate to the events seen since the last tick. */
  retune() {
    this.every = Math.max(1, Math.ceil(this.events / this.budget));
    this.events = 0;
    this.captures = 0;
  }
}

module.exports = { captureSite, formatFrames, Sampler, displayPath, isOwn, isInternal, OWN_DIR };
