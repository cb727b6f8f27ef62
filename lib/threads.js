'use strict';
// Worker threads: each thread runs its own monitor (module state and the native
// detector are per thread: every worker loads its own copy of lib/ and its own
// napi instance of the addon; no state is process-global). combinedReport() asks
// every thread's running monitor for its report over a BroadcastChannel and gathers
// the answers.
//
// Protocol on the channel `leakguard:threads:v1` (structured-clone messages):
//   { t: 'hello', threadId }                  a monitor started in threadId
//   { t: 'bye', threadId }                    it stopped
//   { t: 'who' }                              roster refresh: running monitors say hello
//   { t: 'request', id, reply, from }         every running monitor posts
//                                             { threadId, isMainThread, report } on the
//                                             channel named `reply` (only the asker listens)
// Every channel is unref'd except the asker's reply channel and its timeout, which
// live for at most timeoutMs.
const { BroadcastChannel, isMainThread, threadId } = require('node:worker_threads');
const { typeError, rangeError } = require('./errors');

const CHANNEL = 'leakguard:threads:v1';
const EMPTY_ROSTER_GRACE_MS = 100;

let responder = null; // this thread's channel while its monitor runs
let rosterChannel = null; // listens to hello/bye to know which threads run a monitor
const roster = new Set(); // threadIds with a running monitor (other threads)
let sequence = 0;

function orig() {
  const t = require('./timers')._orig();
  return t || globalThis;
}

// The roster channel is open while this thread's monitor runs or a combinedReport()
// is under way (a count of holders), so that loading leakguard opens nothing.
let rosterHolders = 0;

/** Opens the roster if needed; true when it opened just now (it knows nobody yet). */
function holdRoster() {
  rosterHolders++;
  if (rosterChannel) return false;
  rosterChannel = new BroadcastChannel(CHANNEL);
  rosterChannel.onmessage = (e) => {
    const m = e.data;
    if (!m || typeof m !== 'object' || m.threadId === threadId) return;
    if (m.t === 'hello') roster.add(m.threadId);
    else if (m.t === 'bye') roster.delete(m.threadId);
  };
  rosterChannel.unref();
  rosterChannel.postMessage({ t: 'who' });
  return true;
}

function releaseRoster() {
  if (--rosterHolders > 0 || !rosterChannel) return;
  rosterHolders = 0;
  rosterChannel.close();
  rosterChannel = null;
  roster.clear();
}

function post(channel, message) {
  try {
    channel.postMessage(message);
  } catch {
    /* a closed channel or an uncloneable value: the asker times out on this thread */
  }
}

/** Called when this thread's monitor starts: answers report requests until unlisten(). */
function listen(getReport) {
  if (responder) return;
  const ch = new BroadcastChannel(CHANNEL);
  ch.onmessage = (e) => {
    const m = e.data;
    if (!m || typeof m !== 'object') return;
    if (m.t === 'who') post(ch, { t: 'hello', threadId });
    else if (m.t === 'request' && typeof m.reply === 'string' && m.from !== threadId) {
      const out = new BroadcastChannel(m.reply);
      let report;
      try {
        report = getReport();
      } catch (err) {
        report = { running: true, error: String(err && err.message) };
      }
      post(out, { id: m.id, threadId, isMainThread, report });
      out.close();
    }
  };
  ch.unref();
  responder = ch;
  holdRoster();
  post(ch, { t: 'hello', threadId });
  // A worker that ends on its own (or by process.exit()) says bye; one ended by
  // worker.terminate() cannot, and is reported missing once.
  if (!isMainThread) process.once('exit', unlisten);
}

/** Called when this thread's monitor stops. */
function unlisten() {
  if (!responder) return;
  if (!isMainThread) process.removeListener('exit', unlisten);
  post(responder, { t: 'bye', threadId });
  responder.close();
  responder = null;
  releaseRoster();
}

/**
 * Reports of every thread that runs a monitor: this thread's own report() and the
 * answers of the others within `timeoutMs`. Resolves (never rejects) to
 * `{ main: Report | null, workers: { threadId, report }[], missing: number[] }`.
 * It waits for the threads its roster knows (monitors that said hello); the roster runs
 * while this thread's own monitor runs. Without one, the call waits the whole timeout.
 * `missing`: known threads that did not answer in time.
 */
function combinedReport(options) {
  let timeoutMs = 2000;
  if (options !== undefined) {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw typeError('LEAKGUARD_INVALID_ARG', 'combinedReport(options): options must be an object');
    }
    for (const key of Object.keys(options)) {
      if (key !== 'timeoutMs') throw typeError('LEAKGUARD_UNKNOWN_OPTION', `combinedReport: unknown option "${key}" (expected timeoutMs)`);
    }
    if (options.timeoutMs !== undefined) {
      if (typeof options.timeoutMs !== 'number') throw typeError('LEAKGUARD_INVALID_ARG', `combinedReport: options.timeoutMs must be a number, got ${typeof options.timeoutMs}`);
      if (!Number.isFinite(options.timeoutMs) || options.timeoutMs < 1 || options.timeoutMs > 600000) {
        throw rangeError('LEAKGUARD_INVALID_ARG', `combinedReport: options.timeoutMs must be between 1 and 600000, got ${options.timeoutMs}`);
      }
      timeoutMs = options.timeoutMs;
    }
  }
  // A roster opened just now knows nobody yet: wait the whole timeout for answers.
  const fresh = holdRoster();
  const leakguard = require('../index.js');
  const own = leakguard.report();
  const id = ++sequence;
  const replyName = `leakguard:threads:reply:${process.pid}:${threadId}:${id}`;
  const reply = new BroadcastChannel(replyName);
  const expected = new Set(roster);
  const answers = new Map();
  return new Promise((resolve) => {
    const t = orig();
    let timer = null;
    const finish = () => {
      if (timer === null) return;
      t.clearTimeout(timer);
      timer = null;
      reply.close();
      releaseRoster();
      const workers = [];
      let main = isMainThread ? own : null;
      for (const a of answers.values()) {
        if (a.isMainThread) main = a.report;
        else workers.push({ threadId: a.threadId, report: a.report });
      }
      if (!isMainThread && own.running) workers.push({ threadId, report: own });
      workers.sort((a, b) => a.threadId - b.threadId);
      const missing = [...expected].filter((tid) => !answers.has(tid)).sort((a, b) => a - b);
      // A thread that did not answer (ended without stop(), or blocked) is not waited for again
      // until it says hello or answers.
      for (const tid of missing) roster.delete(tid);
      resolve({ main, workers, missing });
    };
    reply.onmessage = (e) => {
      const a = e.data;
      if (!a || a.id !== id || typeof a.threadId !== 'number') return;
      answers.set(a.threadId, a);
      roster.add(a.threadId);
      expected.delete(a.threadId);
      if (expected.size === 0 && !fresh) finish();
    };
    timer = t.setTimeout(finish, timeoutMs);
    post(rosterChannel, { t: 'request', id, reply: replyName, from: threadId });
    // Nobody else known to run a monitor: a short grace for a hello still in flight
    // (a monitor started in the last moments), then done.
    if (expected.size === 0 && !fresh) t.setTimeout(finish, Math.min(timeoutMs, EMPTY_ROSTER_GRACE_MS));
  });
}

module.exports = { listen, unlisten, combinedReport, _roster: roster };
