'use strict';
// Errors thrown by leakguard carry a stable `code` (LEAKGUARD_...) and name the argument.

function typeError(code, message) {
  const err = new TypeError(message);
  err.code = code;
  return err;
}

function rangeError(code, message) {
  const err = new RangeError(message);
  err.code = code;
  return err;
}

module.exports = { typeError, rangeError };
