'use strict';
// Source maps: a TypeScript app compiled with an inline source map and run with
// --enable-source-maps. Listener sites (stack traces) and heap sites (V8's sampling heap
// profiler, then the growth-line scan of the generated JavaScript) point at the .ts lines.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFile } = require('node:child_process');
const ts = require('typescript');
const { lineOf } = require('./fixtures/core/drive');

const SOURCE = path.join(__dirname, 'fixtures', 'source-maps', 'app.ts');
let dir;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-sourcemaps-'));
  const ts2 = path.join(dir, 'app.ts');
  fs.copyFileSync(SOURCE, ts2);
  const out = ts.transpileModule(fs.readFileSync(SOURCE, 'utf8'), {
    fileName: 'app.ts',
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, inlineSourceMap: true },
  });
  fs.writeFileSync(path.join(dir, 'app.js'), out.outputText);
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('sites of a TypeScript app point at its .ts lines', async () => {
  const js = fs.readFileSync(path.join(dir, 'app.js'), 'utf8');
  const heapLine = lineOf(SOURCE, '// LEAK:heap');
  const listenerLine = lineOf(SOURCE, '// LEAK:listener');
  // the generated JavaScript has these on other lines
  expect(js.split('\n').findIndex((l) => l.includes('// LEAK:heap')) + 1).not.toBe(heapLine);

  const stdout = await new Promise((resolve, reject) => {
    execFile(process.execPath, ['--enable-source-maps', path.join(dir, 'app.js')], {
      cwd: dir, timeout: 55_000, env: { ...process.env, LEAKGUARD_ENTRY: path.join(__dirname, '..', 'index.js') },
    }, (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${out}\n${errOut}`)) : resolve(out)));
  });
  const r = JSON.parse(stdout.trim().split('\n').pop());
  expect(r.listeners[0].stack.split('\n')[0]).toBe(`app.ts:${listenerLine}:7`);
  const push = r.heap.find((s) => s.stack.startsWith('history.push()'));
  expect(push.stack.split('\n')[0]).toBe(`history.push() (app.ts:${heapLine}:3)`);
  // the allocating function's frame is mapped too
  expect(push.stack.split('\n')[1]).toMatch(/\(app\.ts:\d+:\d+\)$|^app\.ts:\d+:\d+$/);
}, 60_000);
