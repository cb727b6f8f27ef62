'use strict';
// Zero-code start: `node -r leakguard/register app.js` or
// `NODE_OPTIONS="-r leakguard/register"`. Settings: LEAKGUARD_* environment
// variables (docs/production.md). Exports the register state of this thread.
module.exports = require('./lib/register').register();
