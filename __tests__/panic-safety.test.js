'use strict';
// Issue 8: no Rust panic crosses into Node. Every #[napi] entry point carries
// catch_unwind and off-thread work goes through src/binding/safety.rs `guard`; here a
// panic is injected through the always-compiled hooks `__testPanic` (synchronous
// call) and `__testPanicAsync` (libuv worker thread / promise settlement), and
// malformed snapshots (including the inputs the fuzzer found) go to the analysis API.
// Everything runs in a real child process: an escaped panic would abort it.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');

const binding = require('../lib/native.js');

const CHILD = path.join(__dirname, 'fixtures', 'panic-safety', 'child.js');
const META = '"meta":{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["hidden","object","synthetic"]],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["context","element","property","internal","hidden","shortcut","weak"]]}';
const GOOD = `{"snapshot":{${META},"node_count":2,"edge_count":1},"nodes":[2,0,1,0,1,1,1,3,16,0],"edges":[2,1,5],"strings":["","Thing"]}`;

// name -> [file contents, expected error code]
const MALFORMED = {
  'empty.heapsnapshot': ['', 'LEAKGUARD_SNAPSHOT_FORMAT'],
  'garbage.heapsnapshot': ['\u0000\u00ff not json at all', 'LEAKGUARD_SNAPSHOT_FORMAT'],
  'truncated.heapsnapshot': [GOOD.slice(0, GOOD.indexOf('"edges"') + 12), 'LEAKGUARD_SNAPSHOT_FORMAT'],
  'truncated-gzip.heapsnapshot.gz': [zlib.gzipSync(GOOD).subarray(0, 30), 'LEAKGUARD_SNAPSHOT_FORMAT'],
  // Found by the fuzzer (analyze_structured/duplicate-node-field-type): used to panic
  // in the dominator pass, which on the worker thread would have aborted the process.
  'duplicate-node-field.heapsnapshot': [GOOD.replace('"node_fields":["type",', '"node_fields":["type","type",').replace('"nodes":[2,0,1,0,1,1,1,3,16,0]', '"nodes":[2,2,0,1,0,1,1,1,1,3,16,0]'), 'LEAKGUARD_SNAPSHOT_FORMAT'],
  'edge-past-last-node.heapsnapshot': [GOOD.replace('"edges":[2,1,5]', '"edges":[2,1,500]'), 'LEAKGUARD_SNAPSHOT_INVALID'],
  'bad-string-index.heapsnapshot': [GOOD.replace('"nodes":[2,0,', '"nodes":[2,9,'), 'LEAKGUARD_SNAPSHOT_INVALID'],
  'edge-count-mismatch.heapsnapshot': [GOOD.replace('"nodes":[2,0,1,0,1,', '"nodes":[2,0,1,0,7,'), 'LEAKGUARD_SNAPSHOT_INVALID'],
};

let dir;
let result;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-panic-'));
  for (const [name, [text]] of Object.entries(MALFORMED)) fs.writeFileSync(path.join(dir, name), text);
  // Header counts far beyond the file: parsed by the real arrays, allocation capped.
  fs.writeFileSync(path.join(dir, 'huge-header-counts.heapsnapshot'), GOOD.replace('"node_count":2,"edge_count":1', '"node_count":4000000000000,"edge_count":4000000000000'));
  const r = spawnSync(process.execPath, [CHILD, dir], { encoding: 'utf8', timeout: 60000 });
  result = { status: r.status, signal: r.signal, stderr: r.stderr, out: r.status === 0 ? JSON.parse(r.stdout) : null };
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the child process survives every injected panic and malformed input', () => {
  expect({ status: result.status, signal: result.signal }).toEqual({ status: 0, signal: null });
  expect(result.out.afterwards).toEqual({ cancelled: true });
  // The panic message reached stderr through Rust's hook; the process went on.
  expect(result.stderr).toContain('injected panic (sync)');
});

test('a panic in a synchronous entry point is thrown as an Error with the panic message', () => {
  expect(result.out.sync).toEqual({ error: true, name: 'Error', message: 'injected panic (sync)', code: 'GenericFailure' });
});

test('a panic on the worker thread or while settling rejects the promise with an Error', () => {
  expect(result.out.compute).toEqual({
    error: true,
    name: 'Error',
    message: 'leakguard internal error in __testPanicAsync: injected panic (compute)',
    code: 'GenericFailure',
  });
  expect(result.out.resolve).toEqual({
    error: true,
    name: 'Error',
    message: 'leakguard internal error in __testPanicAsync: injected panic (resolve)',
    code: 'GenericFailure',
  });
});

test.each(Object.entries(MALFORMED))('malformed snapshot %s: sync, async and diff all give a coded Error', (name, [, code]) => {
  const r = result.out.files[name];
  for (const how of ['sync', 'async', 'diff']) {
    expect({ how, error: r[how].error, code: r[how].code }).toEqual({ how, error: true, code });
    expect(r[how].message).toContain(name);
  }
});

test('a header claiming trillions of nodes is analysed from the real arrays', () => {
  expect(result.out.files['huge-header-counts.heapsnapshot']).toEqual({ sync: 'ok', async: 'ok', diff: 'ok' });
});

test('in this process too, the panic hook throws and the addon keeps working', () => {
  expect(() => binding.__testPanic('in-process panic')).toThrow(new Error('in-process panic'));
  const token = new binding.HeapAnalysisCancelToken();
  expect(token.cancelled).toBe(false);
});

test('every #[napi] function, method, constructor and getter in src/binding carries catch_unwind', () => {
  const dir = path.join(__dirname, '..', 'src', 'binding');
  const missing = [];
  let entryPoints = 0;
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.rs'))) {
    const lines = fs.readFileSync(path.join(dir, f), 'utf8').split('\n');
    lines.forEach((line, i) => {
      const m = /^\s*#\[napi(?:\((.*)\))?\]\s*$/.exec(line);
      if (!m) return;
      // The item the attribute applies to: the next line that is not an attribute or doc comment.
      let j = i + 1;
      while (j < lines.length && /^\s*(#\[|\/\/\/)/.test(lines[j])) j++;
      if (!/^\s*(pub(\([a-z]+\))? )?fn /.test(lines[j])) return; // struct, impl or object
      entryPoints++;
      if (!/\bcatch_unwind\b/.test(m[1] || '')) missing.push(`${f}:${i + 1}: ${lines[j].trim()}`);
    });
  }
  expect(missing).toEqual([]);
  expect(entryPoints).toBeGreaterThanOrEqual(20);
});
