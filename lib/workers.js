'use strict';
// Worker threads: a `new Worker()` is live from construction until its 'exit' event.
// Workers do not show in process.getActiveResourcesInfo(), so the Worker class of
// node:worker_threads is replaced, while a monitor runs with `handles: true`, by a
// subclass that counts instances and their creation sites (every worker is
// captured: creating one costs milliseconds, a stack microseconds). Code that took
// `Worker` before start() is not seen. Workers are held weakly.
const workerThreads = require('node:worker_threads');
const { captureSite } = require('./sites');
const { SiteTable } = require('./site-table');
const { guard } = require('./debug');

const PATCH = Symbol.for('leakguard.workers.patched');

const state = { live: 0, created: 0, lastCreated: 0, sites: new SiteTable(500), generation: 0 };
let installed = null;

function install() {
  if (installed || globalThis[PATCH]) return;
  const Original = workerThreads.Worker;
  if (typeof Original !== 'function') return;
  const gen = ++state.generation;
  class Worker extends Original {
    constructor(...args) {
      super(...args);
      guard('Worker hook', () => {
        if (gen !== state.generation) return;
        const site = state.sites.get(captureSite(Worker) || '(unknown site)');
        site.live++;
        state.live++;
        state.created++;
        this.once('exit', () => {
          if (gen !== state.generation) return;
          site.live--;
          state.live--;
        });
      });
    }
  }
  const desc = Object.getOwnPropertyDescriptor(workerThreads, 'Worker');
  if (!desc || !desc.configurable) return;
  Object.defineProperty(workerThreads, 'Worker', { ...desc, value: Worker });
  globalThis[PATCH] = true;
  installed = { desc, Worker };
}

function uninstall() {
  if (!installed) return;
  if (workerThreads.Worker === installed.Worker) Object.defineProperty(workerThreads, 'Worker', installed.desc);
  delete globalThis[PATCH];
  installed = null;
  state.generation++;
  state.live = state.created = state.lastCreated = 0;
  state.sites.clear();
}

/** Per-tick sample: live workers with their sites. */
function collect(out) {
  if (!installed) return;
  if (state.created === 0) return;
  out.push({ kind: 'handles', target: 'Worker', value: state.live, adds: state.created - state.lastCreated, sites: state.sites.top(32) });
  state.lastCreated = state.created;
  state.sites.prune();
}

function summary() {
  return installed ? { live: state.live, created: state.created } : null;
}

module.exports = { install, uninstall, collect, summary };
