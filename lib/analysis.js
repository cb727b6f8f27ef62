'use strict';
// Heap snapshot analysis (issue 5): analyzeSnapshot, diffSnapshots and their Sync variants.
module.exports = {};
