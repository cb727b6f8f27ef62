'use strict';
// The `leakguard` CLI (bin/leakguard.js): analyze and diff with tables on stdout,
// progress on stderr, JSON output, exit codes.
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const BIN = path.join(__dirname, '..', 'bin', 'leakguard.js');
const MAKE = path.join(__dirname, 'fixtures', 'analysis', 'make-snapshot.js');
let dir;
let before;
let after;

function run(...args) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-cli-'));
  before = path.join(dir, 'before.heapsnapshot');
  after = path.join(dir, 'after.heapsnapshot');
  execFileSync(process.execPath, [MAKE, 'leak', before, after]);
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('analyze prints a class table on stdout and stage progress on stderr', () => {
  const r = run('analyze', after, '--top', '5', '--largest', '2');
  expect(r.status).toBe(0);
  const lines = r.stdout.split('\n');
  expect(lines[0]).toMatch(/^Heap snapshot after\.heapsnapshot: [\d,]+ nodes, [\d,]+ edges/);
  const header = lines.findIndex((l) => /^Class\s+Count\s+Distance\s+Self size\s+Retained size\s+Max retained$/.test(l));
  expect(header).toBeGreaterThan(0);
  expect(lines[header + 1]).toMatch(/^-+( +-+){5}$/);
  const rows = lines.slice(header + 2, lines.indexOf('', header));
  expect(rows).toHaveLength(5);
  expect(r.stdout).toContain('Largest objects');
  for (const stage of ['parse', 'distances', 'dominators', 'retained sizes', 'aggregates']) {
    expect(r.stderr).toMatch(new RegExp(`leakguard: ${stage} +done in \\d+\\.\\d\\d s`));
  }
});

test('analyze --json prints the API result', () => {
  const r = run('analyze', after, '--json', '--quiet', '--top', '3');
  expect(r.status).toBe(0);
  expect(r.stderr).toBe('');
  const j = JSON.parse(r.stdout);
  expect(j.aggregates).toHaveLength(3);
  expect(j.statistics.nodeCount).toBeGreaterThan(1000);
});

test('diff shows the leaking class first with a retainer path', () => {
  const r = run('diff', before, after, '--top', '3', '-q');
  expect(r.status).toBe(0);
  const lines = r.stdout.split('\n');
  const header = lines.findIndex((l) => l.startsWith('Class'));
  expect(lines[header]).toMatch(/# New\s+# Deleted\s+# Delta\s+Alloc\. size\s+Freed size\s+Size delta/);
  expect(lines[header + 2]).toMatch(/^LeakedSession\s+500\s+0\s+\+500\s/);
  expect(r.stdout).toMatch(/LeakedSession \(\+500, \+[\d.]+ kB\): @\d+ retains/);
  expect(r.stdout).toMatch(/\(GC roots\) → global → sessionCache \(Map\) → .*\(LeakedSession\)/);
  const j = JSON.parse(run('diff', before, after, '--json', '-q').stdout);
  expect(j.classes[0].name).toBe('LeakedSession');
});

test('errors exit 1 with the message; usage errors exit 2', () => {
  const missing = run('analyze', path.join(dir, 'nope.heapsnapshot'), '-q');
  expect(missing.status).toBe(1);
  expect(missing.stderr).toMatch(/^leakguard: .*nope\.heapsnapshot: No such file/);
  const bad = path.join(dir, 'bad.heapsnapshot');
  fs.writeFileSync(bad, 'not json');
  const notSnap = run('analyze', bad, '-q');
  expect(notSnap.status).toBe(1);
  expect(notSnap.stderr).toContain('not a valid heap snapshot at byte 0');
  expect(run().status).toBe(2);
  expect(run('analyze').status).toBe(2);
  expect(run('diff', before).status).toBe(2);
  expect(run('analyze', after, '--top', 'x').stderr).toContain('--top must be a non-negative integer');
  expect(run('frobnicate').stderr).toContain("unknown command 'frobnicate'");
  expect(run('--help').stdout).toContain('Usage:');
});
