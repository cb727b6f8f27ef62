'use strict';
// Memory sampling: process.memoryUsage() right after each major GC (perf_hooks 'gc'
// entries) and once per tick. The detector (Rust) turns them into post-GC floors.
const { PerformanceObserver, constants } = require('node:perf_hooks');
const { guard } = require('./debug');

const MAJOR = constants.NODE_PERFORMANCE_GC_MAJOR;

class MemorySampler {
  constructor(detector, onMajorGc) {
    this.detector = detector;
    this.onMajorGc = onMajorGc;
    this.majorGcs = 0;
    this.observer = null;
  }

  start() {
    this.observer = new PerformanceObserver((list) => {
      guard('gc observer', () => {
        let major = false;
        for (const e of list.getEntries()) {
          const kind = e.detail ? e.detail.kind : e.kind;
          if (kind === MAJOR) major = true;
        }
        if (major) {
          this.majorGcs++;
          this.sample(true);
          if (this.onMajorGc) this.onMajorGc();
        }
      });
    });
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** Records `process.memoryUsage()` (bytes); `postGc`: taken right after a full GC. */
  sample(postGc) {
    const m = process.memoryUsage();
    this.detector.observeMemory(m.heapUsed, m.external, m.arrayBuffers, m.rss, m.heapTotal, postGc);
    return m;
  }

  stop() {
    if (this.observer) this.observer.disconnect();
    this.observer = null;
  }
}

module.exports = { MemorySampler };
