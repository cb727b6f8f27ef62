'use strict';
// Peer for bench/overhead: the "what keeps my process alive" approach. An async_hooks
// hook records every async resource as it is created, with the stack that created it,
// and forgets it when it is destroyed; at any time the live resources can be listed by
// type and creation stack. (Written for this bench; the same approach as tools like
// why-is-node-running, not their code.)
//
// Cost model kept honest: one structured stack capture (Error.captureStackTrace, 10
// frames, formatted lazily on first read) per resource, one Map entry per live
// resource. Promises are skipped (they are not handles) but enabling init hooks still
// turns on V8's promise hooks, as it does for any tool built this way.
const asyncHooks = require('node:async_hooks');

function start() {
  const live = new Map(); // asyncId -> { type, holder }
  let created = 0;
  function init(asyncId, type) {
    if (type === 'PROMISE') return;
    created++;
    const holder = {};
    Error.captureStackTrace(holder, init);
    live.set(asyncId, { type, holder });
  }
  function destroy(asyncId) {
    live.delete(asyncId);
  }
  const hook = asyncHooks.createHook({ init, destroy });
  hook.enable();
  return {
    /** Live resources by type, and the most common creation stacks. */
    report(limit = 5) {
      const byStack = new Map();
      const byType = {};
      for (const { type, holder } of live.values()) {
        byType[type] = (byType[type] || 0) + 1;
        const key = `${type}\n${holder.stack}`;
        byStack.set(key, (byStack.get(key) || 0) + 1);
      }
      const top = [...byStack].sort((a, b) => b[1] - a[1]).slice(0, limit);
      return { byType, top };
    },
    stats() {
      return { created, live: live.size };
    },
    stop() {
      hook.disable();
      live.clear();
    },
  };
}

module.exports = { start };
