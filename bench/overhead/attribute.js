'use strict';
// Where a server's CPU went, from the profiles `run.js --cpu-prof DIR` writes: the share
// of busy time (idle excluded) spent in leakguard's JavaScript and in the Node internals
// it calls (events, WeakMap/FinalizationRegistry builtins, stack capture...), and in GC.
// Unlike throughput on a shared machine, this share does not move with outside load.
//
//   node bench/overhead/attribute.js DIR
//
// A sample counts for leakguard when the nearest frame with a source file above it
// (Node's own `node:` files skipped) is one of leakguard's files (lib/, bin/ and the
// entry points of this repository). Samples inside the original function that a leakguard wrapper
// calls through (the app's setTimeout, zlib.createGzip...) count for the app.
const fs = require('node:fs');
const path = require('node:path');

const { isOwn } = require('../../lib/sites'); // leakguard's own files, as its site filter sees them

const ROOT = path.resolve(__dirname, '..', '..');
const WRAPPERS = new Set(['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate',
  'close', 'addEventListener', 'wrapped', 'fire', 'run']);

function own(url) {
  return isOwn(url.startsWith('file://') ? new URL(url).pathname : url);
}

// windows: [[fromUs, toUs], ...] on the profile's clock, or null for the whole profile.
function attribute(file, windows) {
  const p = JSON.parse(fs.readFileSync(file, 'utf8'));
  let t = p.startTime;
  let w = 0;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children || []) parent.set(c, n.id);
  let busy = 0;
  let gc = 0;
  let mine = 0;
  const byFn = new Map();
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] || 0;
    t += dt;
    if (windows) {
      while (w < windows.length && windows[w][1] < t) w++;
      if (w >= windows.length || t < windows[w][0]) continue;
    }
    const leafId = p.samples[i];
    const leaf = byId.get(leafId).callFrame;
    if (leaf.functionName === '(idle)') continue;
    busy += dt;
    if (leaf.functionName === '(garbage collector)') {
      gc += dt;
      continue;
    }
    let id = leafId;
    let hit = null;
    while (id !== undefined) {
      const cf = byId.get(id).callFrame;
      if (cf.url && !cf.url.startsWith('node:')) {
        if (own(cf.url)) hit = cf;
        break;
      }
      id = parent.get(id);
    }
    if (!hit) continue;
    if (WRAPPERS.has(hit.functionName) && id !== leafId) continue; // inside the wrapped original
    mine += dt;
    const key = `${hit.functionName || '(anonymous)'} ${path.relative(ROOT, hit.url.startsWith('file://') ? new URL(hit.url).pathname : hit.url)}`;
    byFn.set(key, (byFn.get(key) || 0) + dt);
  }
  return { busy, gc, mine, top: [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 6) };
}

function main() {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node bench/overhead/attribute.js DIR (profiles from run.js --cpu-prof DIR)');
    process.exit(2);
  }
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
  // run.js records when each server was under full load (the rounds).
  const winFile = path.join(dir, 'load-windows.json');
  const loadWindows = fs.existsSync(winFile) ? JSON.parse(fs.readFileSync(winFile, 'utf8')) : null;
  console.log('| server (profile) | part | busy CPU s | leakguard code, % of busy | GC, % of busy | top leakguard functions (% of busy) |');
  console.log('|---|---|---|---|---|---|');
  for (const f of files) {
    const config = f.replace(/\.cpuprofile$/, '');
    const parts = [['whole run', null]];
    if (loadWindows && loadWindows[config]) parts.push(['under full load (rounds)', loadWindows[config]]);
    for (const [label, windows] of parts) {
      const a = attribute(path.join(dir, f), windows);
      const pc = (x) => (100 * x / a.busy).toFixed(2);
      const top = a.top.map(([k, v]) => `${k} ${pc(v)}`).join('; ');
      console.log(`| ${config} | ${label} | ${(a.busy / 1e6).toFixed(1)} | ${pc(a.mine)} | ${pc(a.gc)} | ${top || '–'} |`);
    }
  }
}

main();
