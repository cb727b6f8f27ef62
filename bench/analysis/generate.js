'use strict';
// Writes realistic heap snapshots for the analysis benchmark.
//   node --max-old-space-size=8192 generate.js SIZE_MB OUT.heapsnapshot
//   node --max-old-space-size=8192 generate.js SIZE_MB BEFORE.heapsnapshot AFTER.heapsnapshot
// SIZE_MB is the approximate snapshot file size. The heap holds a mix of plain
// objects, strings, closures, Maps, arrays, Buffers and a leaking class
// (LeakedSession instances kept in a module-level Map cache). With two output
// files, the second is written after more sessions leaked and part of the other
// data was dropped and replaced.
const v8 = require('node:v8');
const fs = require('node:fs');

const [sizeArg, out1, out2] = process.argv.slice(2);
const sizeMB = Number(sizeArg);
if (!Number.isFinite(sizeMB) || sizeMB <= 0 || !out1) {
  process.stderr.write('usage: generate.js SIZE_MB OUT [AFTER]\n');
  process.exit(2);
}

// About 75 bytes of snapshot text per node (7 node fields plus ~3 edges of 3 fields).
const BYTES_PER_NODE = 75;
// Measured nodes per unit of `makeUnit` (objects, strings, arrays, closures, contexts, ...).
const NODES_PER_UNIT = 29;

class LeakedSession {
  constructor(i, user) {
    this.id = i;
    this.user = user;
    this.createdAt = Date.now();
    this.history = [`login ${i}`];
  }
}

class Order {
  constructor(i) {
    this.orderId = i;
    this.lines = [{ sku: `sku-${i % 997}`, qty: (i % 5) + 1 }];
    this.note = `order note ${i} ${'x'.repeat(i % 40)}`;
  }
}

let seed = 12345;
function rand(n) {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
}

function makeUnit(i) {
  const user = { name: `user-${i}`, email: `u${i}@example.com`, roles: ['reader', i % 7 === 0 ? 'admin' : 'user'] };
  const order = new Order(i);
  const price = 1.5 + (i % 100); // heap number when stored in an array of doubles mix
  const handler = () => order.orderId + price; // closure with a context
  return { user, order, handler, stats: [i, i * 2, price], label: `unit ${i} ${rand(1e6)}` };
}

const world = { units: [], maps: [], buffers: [] };
globalThis.world = world;
const sessionCache = new Map();
globalThis.sessionCache = sessionCache;

function grow(units, startAt) {
  let map = null;
  for (let i = startAt; i < startAt + units; i++) {
    world.units.push(makeUnit(i));
    if (i % 100 === 0) {
      map = new Map();
      world.maps.push(map);
    }
    if (map) map.set(`k${i}`, { v: i });
    if (i % 50 === 0) world.buffers.push(Buffer.alloc(64 + (i % 512)));
    if (i % 8 === 0) sessionCache.set(i, new LeakedSession(i, world.units[world.units.length - 1].user));
  }
}

function write(file) {
  const t = Date.now();
  v8.writeHeapSnapshot(file);
  const size = fs.statSync(file).size;
  process.stderr.write(`wrote ${file}: ${(size / 1e6).toFixed(0)} MB in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
}

const units = Math.round((sizeMB * 1e6) / BYTES_PER_NODE / NODES_PER_UNIT);
if (!out2) {
  grow(units, 0);
  write(out1);
} else {
  grow(Math.round(units * 0.9), 0);
  write(out1);
  // Drop a slice of the data (collected between the snapshots) and add new units
  // and leaked sessions.
  world.units.splice(0, Math.round(units * 0.1));
  world.maps.splice(0, Math.round(world.maps.length * 0.1));
  grow(Math.round(units * 0.15), units * 2);
  write(out2);
}
