'use strict';
// Allocation sites for Buffer memory (arrayBuffers / external findings).
//
// Buffer backing stores live outside the V8 heap, so the sampling heap profiler
// barely sees them. While an arrayBuffers/external series looks suspicious, the
// Buffer factories (alloc, allocUnsafe, allocUnsafeSlow, from, concat) are wrapped
// and sampled by bytes, like V8 samples heap allocations: on average one capture
// per SAMPLE_BYTES allocated, each standing for its estimated share of bytes. A
// FinalizationRegistry takes a buffer's bytes off its site when it is collected, so
// a site's count is the estimated live bytes it allocated. Outside suspicion nothing
// is wrapped and nothing is paid.
const { captureSite } = require('./sites');
const { SiteTable } = require('./site-table');
const { guard } = require('./debug');

const SAMPLE_BYTES = 64 * 1024; // mean bytes between two samples, at least
// Captures aimed at per tick: a service that allocates Buffers fast (zlib output, say)
// would otherwise pay one 10-60 µs stack capture per 64 KiB. Above this, the mean gap
// grows with the bytes allocated in the last tick (estimates stay unbiased: each
// sample stands for its share of bytes at the gap in force when it was taken).
// While the series is only suspect, 4 a tick: enough to rank the sites by the time a
// finding opens (a capture through zlib's or a framework's frames costs up to ~100 µs).
const CAPTURES_PER_TICK = 16;
const CAPTURES_PER_TICK_SUSPECT = 4;
const FACTORIES = ['alloc', 'allocUnsafe', 'allocUnsafeSlow', 'from', 'concat'];
const PATCH = Symbol.for('leakguard.buffers.patched');

class BufferSites {
  constructor() {
    this.table = new SiteTable(500);
    this.saved = null;
    this.generation = 0;
    this.gap = SAMPLE_BYTES;
    this.countdown = this._nextGap();
    this.samples = 0;
    this.bytesSinceTick = 0;
    this.capturesPerTick = CAPTURES_PER_TICK_SUSPECT;
    this.registry = new FinalizationRegistry((rec) => {
      if (rec.gen === this.generation) rec.site.live -= rec.bytes;
    });
  }

  get active() {
    return this.saved !== null;
  }

  // Exponential gaps between samples make the estimate unbiased (as in V8's sampler).
  _nextGap() {
    return -Math.log(1 - Math.random()) * this.gap;
  }

  /** `urgent`: an arrayBuffers/external finding is open (16 captures a tick, else 4). */
  setUrgent(urgent) {
    this.capturesPerTick = urgent ? CAPTURES_PER_TICK : CAPTURES_PER_TICK_SUSPECT;
  }

  /** Once per tick: set the mean gap from the bytes allocated since the last one. */
  retune() {
    const gap = Math.max(SAMPLE_BYTES, this.bytesSinceTick / this.capturesPerTick);
    this.bytesSinceTick = 0;
    if (gap === this.gap) return;
    // The gaps are exponential, hence memoryless: drawing the countdown afresh at the
    // new mean keeps every sample weighted by the rate it was actually taken at (a
    // countdown left over from a smaller gap would take the next sample early and
    // weigh it at the larger gap: an overestimate).
    this.gap = gap;
    this.countdown = this._nextGap();
  }

  _record(buf, skipFn) {
    const size = buf && buf.byteLength;
    if (!(size > 0)) return;
    this.bytesSinceTick += size;
    this.countdown -= size;
    if (this.countdown > 0) return;
    this.countdown = this._nextGap();
    const stack = captureSite(skipFn);
    if (!stack) return;
    // An allocation of `size` bytes is sampled with probability 1 - exp(-size/SAMPLE_BYTES).
    const bytes = size / (1 - Math.exp(-size / this.gap));
    const site = this.table.get(stack);
    site.live += bytes;
    this.samples++;
    this.registry.register(buf, { site, bytes, gen: this.generation });
  }

  start() {
    if (this.saved || globalThis[PATCH]) return;
    const saved = [];
    for (const name of FACTORIES) {
      const original = Buffer[name];
      if (typeof original !== 'function') continue;
      const self = this;
      const wrapped = {
        [name](...args) {
          const buf = original.apply(this, args);
          guard('Buffer hook', () => self._record(buf, wrapped));
          return buf;
        },
      }[name];
      Buffer[name] = wrapped;
      saved.push([name, original, wrapped]);
    }
    globalThis[PATCH] = true;
    this.saved = saved;
  }

  stop() {
    if (!this.saved) return;
    for (const [name, original, wrapped] of this.saved) if (Buffer[name] === wrapped) Buffer[name] = original;
    delete globalThis[PATCH];
    this.saved = null;
    this.generation++;
    this.table.clear();
  }

  /** Estimated live bytes per allocating site, largest first. */
  sites() {
    this.retune();
    const top = this.table.top(32).map((s) => ({ stack: s.stack, count: Math.round(s.count) }));
    this.table.prune();
    return top;
  }
}

module.exports = { BufferSites, SAMPLE_BYTES, CAPTURES_PER_TICK, CAPTURES_PER_TICK_SUSPECT };
