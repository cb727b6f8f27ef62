'use strict';
// Preloaded by `leakguard run` after leakguard/register: when the app exits (or gets
// SIGINT/SIGTERM/SIGHUP), writes `{ pid, argv, report: leakguard.report({ history:
// true }) }` as JSON to report-<pid>.json in $_LEAKGUARD_RUN_DIR (a private directory
// the CLI made; every Node process the command starts writes its own). Never throws
// into the app; changes nothing else about how it exits.
const fs = require('node:fs');
const path = require('node:path');
const { isMainThread } = require('node:worker_threads');

const dir = process.env._LEAKGUARD_RUN_DIR;
if (isMainThread && dir) {
  const target = path.join(dir, `report-${process.pid}.json`);
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    try {
      const leakguard = require(path.join(__dirname, '..', '..', 'index.js'));
      const report = leakguard.report({ history: true });
      const tmp = `${target}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify({ pid: process.pid, argv: process.argv.length > 1 ? process.argv.slice(1) : process.execArgv.slice(0, 2), report }), { mode: 0o600 });
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
