'use strict';
// Debug output (NODE_DEBUG=leakguard) and the one place where a failing hook is
// swallowed: leakguard never throws into application code from a hook.
const util = require('node:util');

const debug = util.debuglog('leakguard');
let hookErrors = 0;

/** Runs `fn`; on error, counts and logs it instead of throwing into the caller. */
function guard(where, fn) {
  try {
    return fn();
  } catch (err) {
    hookErrors++;
    debug('%s failed: %s', where, err && err.stack);
    return undefined;
  }
}

module.exports = { debug, guard, hookErrorCount: () => hookErrors };
