'use strict';
// The native addon (built by napi-rs into binding.js + leakguard.<platform>.node).
module.exports = require('../binding.js');
