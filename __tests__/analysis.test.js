'use strict';
// Heap snapshot analysis (issue 5): retained sizes, aggregates, diff and retainer
// paths on snapshots of known object graphs, written by v8.writeHeapSnapshot in a
// child process at test time; errors, argument validation, AbortSignal, workers.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const { pathToFileURL } = require('node:url');
const { Worker } = require('node:worker_threads');

const analysis = require('../lib/analysis.js');

const MAKE = path.join(__dirname, 'fixtures', 'analysis', 'make-snapshot.js');
let dir;
let graphFile;
let beforeFile;
let afterFile;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-analysis-'));
  graphFile = path.join(dir, 'graph.heapsnapshot');
  beforeFile = path.join(dir, 'before.heapsnapshot');
  afterFile = path.join(dir, 'after.heapsnapshot');
  execFileSync(process.execPath, [MAKE, 'graph', graphFile]);
  execFileSync(process.execPath, [MAKE, 'leak', beforeFile, afterFile]);
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Reference retained size by definition: the bytes that become unreachable from the
 * root when `target` is removed, over the same essential edges (no weak edges,
 * shortcut edges only from the root, no edge from a non-page-owned object into the
 * page-owned part reachable from the global objects). Independent of the native
 * dominator algorithm.
 */
function loadGraph(file) {
  const snap = JSON.parse(fs.readFileSync(file, 'utf8'));
  const meta = snap.snapshot.meta;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const f = (name) => meta.node_fields.indexOf(name);
  const g = (name) => meta.edge_fields.indexOf(name);
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const n = snap.nodes.length / nf;
  const first = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) first[i + 1] = first[i] + snap.nodes[i * nf + f('edge_count')];
  const node = (i) => ({
    type: nodeTypes[snap.nodes[i * nf + f('type')]],
    name: snap.strings[snap.nodes[i * nf + f('name')]],
    id: snap.nodes[i * nf + f('id')],
    self: snap.nodes[i * nf + f('self_size')],
  });
  const edge = (e) => ({
    type: edgeTypes[snap.edges[e * ef + g('type')]],
    nameOrIndex: snap.edges[e * ef + g('name_or_index')],
    to: snap.edges[e * ef + g('to_node')] / nf,
  });
  const weak = edgeTypes.indexOf('weak');
  const shortcut = edgeTypes.indexOf('shortcut');
  const page = new Uint8Array(n);
  const stack = [];
  for (let e = first[0]; e < first[1]; e++) {
    if (edge(e).type === 'shortcut') {
      page[edge(e).to] = 1;
      stack.push(edge(e).to);
    }
  }
  while (stack.length) {
    const v = stack.pop();
    for (let e = first[v]; e < first[v + 1]; e++) {
      const to = snap.edges[e * ef + g('to_node')] / nf;
      if (page[to] || snap.edges[e * ef + g('type')] === weak) continue;
      page[to] = 1;
      stack.push(to);
    }
  }
  const reachable = (excluded) => {
    const seen = new Uint8Array(n);
    seen[0] = 1;
    const queue = [0];
    while (queue.length) {
      const v = queue.pop();
      for (let e = first[v]; e < first[v + 1]; e++) {
        const t = snap.edges[e * ef + g('type')];
        const w = snap.edges[e * ef + g('to_node')] / nf;
        if (w === excluded || seen[w] || t === weak) continue;
        if (v !== 0 && (t === shortcut || (page[w] && !page[v]))) continue;
        seen[w] = 1;
        queue.push(w);
      }
    }
    return seen;
  };
  const all = reachable(-1);
  const retained = (x) => {
    const without = reachable(x);
    let sum = node(x).self;
    for (let i = 0; i < n; i++) if (i !== x && all[i] && !without[i]) sum += node(i).self;
    return sum;
  };
  const byName = (name) => {
    const out = [];
    for (let i = 0; i < n; i++) if (node(i).type === 'object' && node(i).name === name) out.push(i);
    return out;
  };
  return { n, node, edge, first, retained, byName };
}

function aggregate(result, name) {
  const a = result.aggregates.find((x) => x.name === name);
  if (!a) throw new Error(`no aggregate ${name}`);
  return a;
}

describe('analyzeSnapshot on a known object graph', () => {
  let result;
  let graph;
  beforeAll(async () => {
    result = await analysis.analyzeSnapshot(graphFile, { top: 0, largest: 2000 });
    graph = loadGraph(graphFile);
  });

  test('statistics count every node and edge of the file', () => {
    expect(result.statistics.nodeCount).toBe(graph.n);
    expect(result.statistics.edgeCount).toBe(graph.first[graph.n]);
    let total = 0;
    for (let i = 0; i < graph.n; i++) total += graph.node(i).self;
    expect(result.statistics.total).toBe(total);
    expect(result.classCount).toBe(result.aggregates.length);
  });

  test('a holder retains its array and its leaves; leaves retain only themselves', () => {
    const [holder] = graph.byName('Holder');
    const leaves = graph.byName('Leaf');
    expect(leaves).toHaveLength(3);
    const leafSelf = leaves.reduce((s, i) => s + graph.node(i).self, 0);
    const h = aggregate(result, 'Holder');
    expect(h.count).toBe(1);
    expect(h.retained).toBe(graph.retained(holder));
    expect(h.retained).toBeGreaterThanOrEqual(h.self + leafSelf);
    const l = aggregate(result, 'Leaf');
    expect(l).toMatchObject({ count: 3, self: leafSelf, retained: leafSelf });
    for (const i of leaves) expect(graph.retained(i)).toBe(graph.node(i).self);
  });

  test('an object shared by two owners is retained by neither owner', () => {
    const owners = graph.byName('Owner');
    const [shared] = graph.byName('Shared');
    const o = aggregate(result, 'Owner');
    expect(o.count).toBe(2);
    expect(o.retained).toBe(o.self);
    expect(o.maxRetained).toBe(Math.max(...owners.map((i) => graph.node(i).self)));
    expect(aggregate(result, 'Shared').retained).toBe(graph.retained(shared));
  });

  test('class retained size of a chain counts nested instances once', () => {
    const links = graph.byName('Link');
    expect(links).toHaveLength(5);
    const each = links.map((i) => graph.retained(i));
    const head = Math.max(...each);
    const l = aggregate(result, 'Link');
    expect(l.count).toBe(5);
    expect(l.maxRetained).toBe(head);
    expect(l.retained).toBe(head);
    expect(l.retained).toBeLessThan(each.reduce((a, b) => a + b, 0));
    expect(l.distance).toBe(2);
  });

  test('largest objects carry shortest retainer paths from the GC roots', () => {
    const holder = result.largest.find((x) => x.className === 'Holder');
    expect(holder).toBeDefined();
    expect(holder.retainerPath).toBe('(GC roots) → global → holder (Holder)');
    expect(holder.distance).toBe(2);
    expect(holder.retainers.map((s) => s.edgeName).slice(-1)).toEqual(['holder']);
    expect(holder.retainers.at(-1).nodeId).toBe(holder.id);
    for (const n of result.largest) expect(n.retainedSize).toBeGreaterThanOrEqual(n.selfSize);
  });

  test('aggregates are sorted by class retained size and cut by top', () => {
    const top3 = analysis.analyzeSnapshotSync(graphFile, { top: 3, largest: 0 });
    expect(top3.aggregates).toHaveLength(3);
    expect(top3.largest).toHaveLength(0);
    const sorted = [...result.aggregates].sort((a, b) => b.retained - a.retained);
    expect(top3.aggregates.map((a) => a.retained)).toEqual(sorted.slice(0, 3).map((a) => a.retained));
  });

  test('gzip-compressed snapshots and file: URLs give the same result', async () => {
    const gz = path.join(dir, 'graph.heapsnapshot.gz');
    fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(graphFile)));
    const r = await analysis.analyzeSnapshot(pathToFileURL(gz), { top: 0, largest: 2000 });
    expect(r.aggregates).toEqual(result.aggregates);
    expect(r.statistics).toEqual(result.statistics);
  });

  test('sync and async variants agree; onProgress sees every stage', () => {
    const stages = new Set();
    const r = analysis.analyzeSnapshotSync(graphFile, {
      top: 0,
      largest: 2000,
      onProgress: (stage, fraction) => {
        expect(fraction).toBeGreaterThanOrEqual(0);
        expect(fraction).toBeLessThanOrEqual(1);
        stages.add(stage);
      },
    });
    expect(r.aggregates).toEqual(result.aggregates);
    expect([...stages]).toEqual(['parse', 'distances', 'dominators', 'retainedSizes', 'aggregates', 'retainerPaths']);
  });
});

test('async variants report progress on the JS thread before they settle', async () => {
  const seen = [];
  let settled = false;
  const r = await analysis.analyzeSnapshot(graphFile, {
    top: 1,
    largest: 0,
    onProgress: (stage, fraction) => {
      expect(settled).toBe(false);
      seen.push([stage, fraction]);
    },
  });
  settled = true;
  expect(r.aggregates).toHaveLength(1);
  const stages = [...new Set(seen.map((x) => x[0]))];
  expect(stages[0]).toBe('parse');
  expect(stages).toContain('aggregates');
  const d = [];
  await analysis.diffSnapshots(beforeFile, afterFile, { onProgress: (stage) => d.push(stage) });
  expect(d).toContain('diff');
});

test('an exception in onProgress becomes one warning and does not stop the work', () => {
  const spy = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
  try {
    let calls = 0;
    const boom = () => {
      calls += 1;
      throw new Error('progress boom');
    };
    const r = analysis.analyzeSnapshotSync(graphFile, { top: 1, largest: 0, onProgress: boom });
    expect(r.aggregates).toHaveLength(1);
    expect(calls).toBeGreaterThan(3);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0][0]).toBe('onProgress threw: progress boom');
    expect(spy.mock.calls[0][1]).toMatchObject({ code: 'LEAKGUARD_PROGRESS_CALLBACK' });
  } finally {
    spy.mockRestore();
  }
});

describe('diffSnapshots', () => {
  test('finds the leaking class by object id with counts, sizes and a retainer path', async () => {
    const d = await analysis.diffSnapshots(beforeFile, afterFile, { top: 0 });
    const leak = d.classes.find((c) => c.name === 'LeakedSession');
    expect(leak).toMatchObject({ addedCount: 500, removedCount: 0, countDelta: 500 });
    expect(leak.sizeDelta).toBe(leak.addedSize);
    expect(leak.addedSize % 500).toBe(0);
    expect(leak.representative.className).toBe('LeakedSession');
    expect(leak.representative.retainerPath).toMatch(/^\(GC roots\) → global → sessionCache \(Map\) → .* \(LeakedSession\)$/);
    const leaf = d.classes.find((c) => c.name === 'Leaf');
    // 50 Leaf objects were dropped between the snapshots; V8 may keep a few alive
    // (e.g. from inline caches): those must still be counted in the second snapshot.
    const after = analysis.analyzeSnapshotSync(afterFile, { top: 0, largest: 0 });
    const leftInAfter = after.aggregates.find((a) => a.name === 'Leaf')?.count ?? 0;
    expect(leaf.addedCount).toBe(0);
    expect(leaf.removedCount + leftInAfter).toBe(50);
    expect(leaf.removedCount).toBeGreaterThanOrEqual(40);
    expect(leaf.sizeDelta).toBe(-leaf.removedSize);
    for (const c of d.classes) {
      expect(c.countDelta).toBe(c.addedCount - c.removedCount);
      expect(c.sizeDelta).toBe(c.addedSize - c.removedSize);
    }
    const deltas = d.classes.map((c) => c.sizeDelta);
    expect(deltas).toEqual([...deltas].sort((a, b) => b - a));
    expect(d.totals.addedCount).toBe(d.classes.reduce((s, c) => s + c.addedCount, 0));
    expect(d.changedClassCount).toBe(d.classes.length);
    expect(d.after.nodeCount).toBeGreaterThan(d.before.nodeCount);
  });

  test('a snapshot compared with itself has no changes', () => {
    const d = analysis.diffSnapshotsSync(afterFile, afterFile);
    expect(d.classes).toEqual([]);
    expect(d.totals).toMatchObject({ addedCount: 0, removedCount: 0, sizeDelta: 0 });
  });

  test('top and paths limit the output', () => {
    const d = analysis.diffSnapshotsSync(beforeFile, afterFile, { top: 2, paths: 1 });
    expect(d.classes).toHaveLength(2);
    expect(d.classes[0].representative).toBeDefined();
    expect(d.classes[1].representative).toBeUndefined();
    expect(d.changedClassCount).toBeGreaterThan(2);
  });
});

describe('errors', () => {
  test('a missing file rejects with LEAKGUARD_SNAPSHOT_IO naming the file', async () => {
    const missing = path.join(dir, 'missing.heapsnapshot');
    await expect(analysis.analyzeSnapshot(missing)).rejects.toMatchObject({
      code: 'LEAKGUARD_SNAPSHOT_IO',
      message: expect.stringContaining(missing),
    });
    expect(() => analysis.diffSnapshotsSync(missing, afterFile)).toThrow(expect.objectContaining({ code: 'LEAKGUARD_SNAPSHOT_IO' }));
  });

  test('a truncated file names the byte offset and the array being read', () => {
    const cut = path.join(dir, 'cut.heapsnapshot');
    const text = fs.readFileSync(graphFile);
    const at = text.indexOf('"edges"') + 1000;
    fs.writeFileSync(cut, text.subarray(0, at));
    let err;
    try {
      analysis.analyzeSnapshotSync(cut);
    } catch (e) {
      err = e;
    }
    expect(err.code).toBe('LEAKGUARD_SNAPSHOT_FORMAT');
    expect(err.message).toContain(cut);
    expect(err.message).toContain(`at byte ${at}`);
    expect(err.message).toContain('`edges`');
  });

  test('a file that is not a heap snapshot is rejected clearly', async () => {
    const bad = path.join(dir, 'bad.heapsnapshot');
    fs.writeFileSync(bad, '[1, 2, 3]');
    await expect(analysis.analyzeSnapshot(bad)).rejects.toMatchObject({
      code: 'LEAKGUARD_SNAPSHOT_FORMAT',
      message: expect.stringMatching(/bad\.heapsnapshot: not a valid heap snapshot at byte 0: not a heap snapshot/),
    });
    fs.writeFileSync(bad, '{"snapshot":{"meta":{"node_fields":["type"],"node_types":[[]],"edge_fields":[],"edge_types":[[]]}}}');
    await expect(analysis.analyzeSnapshot(bad)).rejects.toThrow(/node_fields has no `name` field/);
  });

  test('a truncated or corrupt gzip file is a format error naming the file', async () => {
    const gz = zlib.gzipSync(fs.readFileSync(graphFile));
    const cut = path.join(dir, 'cut.heapsnapshot.gz');
    fs.writeFileSync(cut, gz.subarray(0, Math.floor(gz.length / 2)));
    await expect(analysis.analyzeSnapshot(cut)).rejects.toMatchObject({
      code: 'LEAKGUARD_SNAPSHOT_FORMAT',
      message: expect.stringContaining(cut),
    });
    const bad = path.join(dir, 'bad.heapsnapshot.gz');
    fs.writeFileSync(bad, Buffer.concat([gz.subarray(0, 20), Buffer.alloc(200, 0xff)]));
    await expect(analysis.analyzeSnapshot(bad)).rejects.toMatchObject({ code: 'LEAKGUARD_SNAPSHOT_FORMAT' });
  });

  test('arguments are validated with TypeError/RangeError naming the argument', async () => {
    await expect(analysis.analyzeSnapshot(42)).rejects.toThrow(TypeError);
    await expect(analysis.analyzeSnapshot('')).rejects.toThrow(/path must be a non-empty path/);
    await expect(analysis.analyzeSnapshot(graphFile, { top: -1 })).rejects.toThrow(RangeError);
    await expect(analysis.analyzeSnapshot(graphFile, { top: 1.5 })).rejects.toThrow(/options.top must be an integer/);
    await expect(analysis.analyzeSnapshot(graphFile, { signal: {} })).rejects.toThrow(/options.signal must be an AbortSignal/);
    await expect(analysis.analyzeSnapshot(graphFile, { onProgress: 'x' })).rejects.toThrow(/options.onProgress must be a function/);
    expect(() => analysis.diffSnapshotsSync(graphFile, null)).toThrow(/after must be a path/);
    expect(() => analysis.diffSnapshotsSync(graphFile, graphFile, { paths: 'x' })).toThrow(/options.paths must be an integer/);
    expect(() => analysis.analyzeSnapshotSync(graphFile, 'x')).toThrow(/options must be an object/);
  });
});

describe('AbortSignal', () => {
  test('an already aborted signal rejects with its reason without starting', async () => {
    const reason = new Error('stop');
    await expect(analysis.analyzeSnapshot(graphFile, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  test('aborting while running rejects with an AbortError', async () => {
    const ac = new AbortController();
    const p = analysis.diffSnapshots(beforeFile, afterFile, { signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    // The native side stays usable afterwards.
    const r = await analysis.analyzeSnapshot(graphFile, { top: 1, largest: 0 });
    expect(r.aggregates).toHaveLength(1);
  });
});

test('the package entry exports the analysis API', () => {
  const pkg = require('..');
  for (const name of ['analyzeSnapshot', 'analyzeSnapshotSync', 'diffSnapshots', 'diffSnapshotsSync']) {
    expect(pkg[name]).toBe(analysis[name]);
  }
});

test('works inside a worker thread', async () => {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const a = require(workerData.lib);
    a.analyzeSnapshot(workerData.file, { top: 1, largest: 0 }).then(
      (r) => parentPort.postMessage(r.aggregates[0].name),
      (e) => parentPort.postMessage('error: ' + e.message));`;
  const w = new Worker(code, { eval: true, workerData: { lib: require.resolve('..'), file: graphFile } });
  const msg = await new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  await w.terminate();
  const main = analysis.analyzeSnapshotSync(graphFile, { top: 1, largest: 0 });
  expect(msg).toBe(main.aggregates[0].name);
});
