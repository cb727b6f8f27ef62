// ESM entry (`import leakguard, { start } from 'leakguard'`): the CommonJS entry's one
// instance (no second copy of the state), with every export named. Node's CommonJS
// named-export detection cannot see exports added with Object.assign, hence this file;
// __tests__/esm.test.js checks that it names every export of index.js.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const leakguard = require('./index.js');

export default leakguard;
export const {
  start,
  stop,
  findings,
  report,
  getMonitor,
  trackEmitter,
  untrackEmitter,
  trackStream,
  diagnoseHeap,
  history,
  writeReport,
  analyzeSnapshot,
  analyzeSnapshotSync,
  diffSnapshots,
  diffSnapshotsSync,
  snapshotNearLimit,
  writeSnapshot,
  memoryLimits,
  NearLimitHandle,
  nearLimitFiles,
  assertNoLeak,
  checkLeaks,
  assertCollected,
  checkCollected,
  LeakError,
  formatFindings,
  DEFAULTS,
  registerMetrics,
  combinedReport,
} = leakguard;
