'use strict';
// Live counts per creation site, for one tracker. Bounded: past `maxSites`
// distinct sites, new ones are counted under one overflow record.
const OVERFLOW = '(other sites: site table full)';
const MAX_SITES_DEFAULT = 2000;
let overflowTotal = 0; // sites merged into OVERFLOW, all tables (report().leakguard.caps)

class SiteTable {
  constructor(maxSites = MAX_SITES_DEFAULT) {
    this.maxSites = maxSites;
    this.sites = new Map();
    this.overflowed = 0;
  }

  /** The record for a site string; `{ stack, live }`. */
  get(stack) {
    let rec = this.sites.get(stack);
    if (rec === undefined) {
      if (this.sites.size >= this.maxSites) {
        this.overflowed++;
        overflowTotal++;
        stack = OVERFLOW;
        rec = this.sites.get(stack);
        if (rec) return rec;
      }
      rec = { stack, live: 0 };
      this.sites.set(stack, rec);
    }
    return rec;
  }

  /** Sites with live objects, as `{ stack, count }`, largest first, at most `limit`. */
  top(limit = 64) {
    const out = [];
    for (const rec of this.sites.values()) {
      if (rec.live > 0) out.push({ stack: rec.stack, count: rec.live });
    }
    out.sort((a, b) => b.count - a.count);
    return out.length > limit ? out.slice(0, limit) : out;
  }

  /** Drops sites with nothing live (keeps the table small). */
  prune() {
    for (const [k, rec] of this.sites) if (rec.live <= 0) this.sites.delete(k);
  }

  clear() {
    this.sites.clear();
  }
}

module.exports = { SiteTable, MAX_SITES_DEFAULT, overflowCount: () => overflowTotal };
