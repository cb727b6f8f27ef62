'use strict';
// snapshotNearLimit and writeSnapshot (issue 4).
module.exports = {};
