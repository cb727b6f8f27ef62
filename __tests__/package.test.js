'use strict';
// The package as users get it: `npm pack` gives a tarball that installs into an empty
// folder and works there without a Rust toolchain; a fresh clone's `npm install`
// builds the addon from source.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const ROOT = path.join(__dirname, '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
// A PATH with node and npm but no cargo/rustc: proof that installing needs no Rust.
const NO_RUST_PATH = [path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter);

jest.setTimeout(600_000);

let tmp;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-pkg-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(cmd, args, opts) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

test('npm pack yields a tarball that installs into an empty folder and works without cargo', () => {
  const [info] = JSON.parse(run(NPM, ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], { cwd: ROOT }));
  const files = info.files.map((f) => f.path);
  expect(files).toEqual(expect.arrayContaining(['index.js', 'index.d.ts', 'binding.js', 'leakguard.linux-x64-gnu.node', 'lib/monitor.js']));
  expect(files.some((f) => f.startsWith('src/') || f.startsWith('target/') || f.startsWith('__tests__/'))).toBe(false);

  const app = path.join(tmp, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  const env = { ...process.env, PATH: NO_RUST_PATH, npm_config_audit: 'false', npm_config_fund: 'false' };
  expect(() => run('cargo', ['--version'], { env })).toThrow();
  run(NPM, ['install', path.join(tmp, info.filename)], { cwd: app, env });
  const out = run(process.execPath, ['-e', `
    const { EventEmitter } = require('events');
    const lg = require('leakguard');
    const m = lg.start({ intervalMs: 3600000, warmupMs: 0, heapSites: false });
    const bus = lg.trackEmitter(new EventEmitter(), { name: 'bus' });
    bus.setMaxListeners(0);
    const t0 = Date.now();
    for (let i = 0; i < 20; i++) { for (let k = 0; k < 5; k++) bus.on('x', () => {}); m.tick(t0 + i * 1000); }
    console.log(JSON.stringify(lg.findings().filter((f) => f.kind === 'listeners').map((f) => f.target)));
    lg.stop();
  `], { cwd: app, env });
  expect(JSON.parse(out)).toEqual(['bus:x']);
  expect(fs.existsSync(path.join(app, 'node_modules', 'leakguard', 'leakguard.linux-x64-gnu.node'))).toBe(true);
});

test('a fresh clone builds the addon from source with npm install', () => {
  const clone = path.join(tmp, 'clone');
  run('git', ['clone', '--quiet', ROOT, clone]);
  expect(fs.existsSync(path.join(clone, 'leakguard.linux-x64-gnu.node'))).toBe(false);
  // Reuse this checkout's cargo target dir so the build is incremental, not from scratch.
  const env = { ...process.env, CARGO_TARGET_DIR: path.join(ROOT, 'target'), npm_config_audit: 'false', npm_config_fund: 'false' };
  run(NPM, ['install', '--prefer-offline'], { cwd: clone, env });
  expect(fs.existsSync(path.join(clone, 'leakguard.linux-x64-gnu.node'))).toBe(true);
  expect(fs.existsSync(path.join(clone, 'binding.js'))).toBe(true);
  const out = run(process.execPath, ['-e', "const lg = require('.'); const m = lg.start(); console.log(typeof m.tick, Array.isArray(lg.findings())); lg.stop()"], { cwd: clone });
  expect(out.trim()).toBe('function true');
});
