'use strict';
// Preloaded by `leakguard run` after leakguard/register: when the app exits (or gets
// SIGINT/SIGTERM/SIGHUP), writes `leakguard.report({ history: true })` as JSON to
// $_LEAKGUARD_RUN_REPORT (a file in a private directory the CLI made). Never throws
// into the app; changes nothing else about how it exits.
const fs = require('node:fs');
const path = require('node:path');
const { isMainThread } = require('node:worker_threads');

const target = process.env._LEAKGUARD_RUN_REPORT;
if (isMainThread && target) {
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    try {
      const leakguard = require(path.join(__dirname, '..', '..', 'index.js'));
      const report = leakguard.report({ history: true });
      const tmp = `${target}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(report), { mode: 0o600 });
      fs.renameSync(tmp, target);
    } catch (err) {
      try {
        process.stderr.write(`leakguard run: could not save the report: ${err && err.message}\n`);
      } catch {
        /* nothing more to do */
      }
    }
  };
  process.on('exit', write);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    const onSignal = () => {
      write();
      // Then the signal's usual effect, unless the app handles it itself.
      process.removeListener(sig, onSignal);
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}
