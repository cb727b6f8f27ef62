'use strict';
// ESM and CommonJS apps: `import leakguard, { start, ... } from 'leakguard'` gives every
// export by name (index.mjs), the same instance as require('leakguard'), and sites in
// an ES module are reported as paths with line and column like in CommonJS.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const FIXTURES = path.join(__dirname, 'fixtures', 'esm');

function run(file) {
  const r = spawnSync(process.execPath, [path.join(FIXTURES, file)], { cwd: path.join(__dirname, '..'), encoding: 'utf8', timeout: 60000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout.trim());
}

test('ESM app: default and named imports, one instance with require(), the leak found at its line', () => {
  const out = run('app.mjs');
  expect(out.sameInstance).toBe(true);
  expect(out.namedMissing).toEqual([]);
  expect(out.finding).toEqual({ kind: 'listeners', current: 200, site: `${path.join('__tests__', 'fixtures', 'esm', 'app.mjs')}:14:36` });
});

test('CommonJS app: the same leak found at its line', () => {
  const out = run('app.cjs');
  expect(out.finding).toEqual({ kind: 'listeners', current: 200, site: `${path.join('__tests__', 'fixtures', 'esm', 'app.cjs')}:10:36` });
});
