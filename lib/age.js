'use strict';
// Counts live objects by age in ticks, exactly and in O(1) per event: objects born in
// the last `ageTicks` ticks sit in a ring of per-tick counters, older ones in one
// counter. A leak keeps what it creates, so its aged count grows; load that rises and
// falls only moves the young counters.
class AgeTracker {
  constructor(ageTicks = 5) {
    this.n = ageTicks;
    this.tick = 0;
    this.ring = new Array(ageTicks).fill(0);
    this.old = 0;
  }

  /** Records a birth now; returns the birth tick to hand back to died(). */
  born(at = this.tick) {
    if (this.tick - at >= this.n) this.old++;
    else this.ring[at % this.n]++;
    return at;
  }

  died(bornAt) {
    if (this.tick - bornAt >= this.n) this.old--;
    else this.ring[bornAt % this.n]--;
  }

  /** Once per tick: the oldest young slot becomes aged. */
  advance() {
    this.tick++;
    const slot = this.tick % this.n;
    this.old += this.ring[slot];
    this.ring[slot] = 0;
  }

  /** Live objects at least `ageTicks` ticks old. */
  get aged() {
    return this.old;
  }

  reset() {
    this.tick = 0;
    this.ring.fill(0);
    this.old = 0;
  }
}

module.exports = { AgeTracker };
