'use strict';
// A bounded cache (evicts the oldest entry past `max`).
class BoundedCache {
  constructor(max) {
    this.max = max;
    this.map = new Map();
  }

  set(key, value) {
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value);
  }
}

function createClient(name) {
  return { name, cache: new BoundedCache(16), createdAt: Date.now() };
}

module.exports = { BoundedCache, createClient };
