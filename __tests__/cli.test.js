'use strict';
// The `leakguard` CLI as users run it (real child processes): help texts, exit codes,
// `run -- node app.js` on an app that leaks (no leakguard code in it), `report` from
// the saved JSON, and the progress bar of analyze/diff.
const { spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const BIN = path.join(__dirname, '..', 'bin', 'leakguard.js');
const APP = path.join(__dirname, 'fixtures', 'cli', 'leaky-app.js');
const MAKE = path.join(__dirname, 'fixtures', 'analysis', 'make-snapshot.js');
const FAST = ['--interval-ms', '100', '--warmup-ms', '0', '--log', 'off'];
let dir;

function cli(args, opts = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', ...opts, env: { ...process.env, ...(opts.env || {}) } });
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-cli2-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('--help for the CLI and each command, exit 0', () => {
  const main = cli(['--help']);
  expect(main.status).toBe(0);
  for (const c of ['analyze FILE', 'diff BEFORE AFTER', 'report SAVED.json', 'run [options] -- CMD']) expect(main.stdout).toContain(c);
  expect(main.stdout).toMatch(/Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 .*\n {2}3 /);
  for (const cmd of ['analyze', 'diff', 'report', 'run']) {
    for (const args of [[cmd, '--help'], [cmd, '-h'], ['help', cmd]]) {
      const r = cli(args);
      expect(r.status).toBe(0);
      expect(r.stdout.startsWith(`Usage: leakguard ${cmd} `)).toBe(true);
      expect(r.stdout).toContain('Exit codes:');
    }
  }
  expect(cli(['run', '--help']).stdout).toContain('--interval-ms N');
  expect(cli(['report', '--help']).stdout).toContain('-o, --output FILE');
});

test('usage errors exit 2 and say what is wrong', () => {
  const cases = [
    [[], /missing command/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['report'], /report takes one SAVED\.json/],
    [['report', 'a.json', '--bogus'], /Unknown option '--bogus'/],
    [['run', 'node', 'app.js'], /put the command after '--'/],
    [['run', '--interval-ms', '100'], /run needs a command after '--'/],
    [['run', '--log', 'xml', '--', 'node', '-e', '1'], /--log must be json, pretty or off/],
    [['run', '--interval-ms', '5', '--', 'node', '-e', '1'], /LEAKGUARD_INTERVAL_MS="5": must be a finite number between 10 and 3600000/],
    [['analyze', 'a', '--paths', '3'], /--paths is a diff option/],
  ];
  for (const [args, re] of cases) {
    const r = cli(args);
    expect({ args, status: r.status }).toEqual({ args, status: 2 });
    expect(r.stderr).toMatch(re);
  }
});

test('run -- node app.js: the leaking app is caught with its line, exit 3, report JSON and HTML saved', () => {
  const json = path.join(dir, 'saved.json');
  const html = path.join(dir, 'run.html');
  const r = cli(['run', ...FAST, '--save', json, '--report', html, '--', process.execPath, APP], { env: { LEAKGUARD_RUN_MS: '3000' } });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(3);
  expect(r.stdout).toMatch(/^app done after \d+ iterations\n/); // the app's own output
  expect(r.stdout).toMatch(/leakguard: \d+ leak findings?\n/);
  expect(r.stdout).toMatch(/ {2}timers {7}Timeout\n {4}growth {7}\+[\d,]+ timers\/min/);
  expect(r.stdout).toMatch(/sites {8}__tests__\/fixtures\/cli\/leaky-app\.js:10:13 {2}\(\d+ live\)/);
  expect(r.stdout).toMatch(/leakguard itself: \d+ ticks/);
  const saved = JSON.parse(fs.readFileSync(json, 'utf8'));
  expect(saved.findings.map((f) => f.target)).toContain('Timeout');
  expect(saved.history.series.length).toBeGreaterThan(0);
  expect(fs.statSync(json).mode & 0o777).toBe(0o600);
  expect(fs.statSync(html).mode & 0o777).toBe(0o600);
  expect(fs.readFileSync(html, 'utf8')).toContain('<code class="target">Timeout</code>');
});

test('report SAVED.json writes the HTML page; --json; bad input exits 1', () => {
  const json = path.join(dir, 'saved.json');
  const r = cli(['report', json]);
  expect(r.status).toBe(0);
  const out = path.join(dir, 'saved.html');
  expect(r.stdout).toContain(`wrote ${out} (`);
  expect(r.stdout).toMatch(/ {2}timers {7}Timeout/);
  const page = fs.readFileSync(out, 'utf8');
  expect(page.includes('<svg class="chart"')).toBe(true);
  expect(page.includes('<code class="target">Timeout</code>')).toBe(true);
  expect(fs.statSync(out).mode & 0o777).toBe(0o600);
  const j = cli(['report', json, '-o', path.join(dir, 'x.html'), '--title', 'nightly <soak>', '--json']);
  expect(j.status).toBe(0);
  const info = JSON.parse(j.stdout);
  expect(info).toMatchObject({ output: path.join(dir, 'x.html'), findings: expect.any(Number) });
  expect(info.findings).toBeGreaterThan(0);
  expect(info.bytes).toBe(fs.statSync(info.output).size);
  expect(fs.readFileSync(info.output, 'utf8')).toContain('<title>nightly &lt;soak&gt;</title>');
  // Errors: exit 1 with the reason.
  const notJson = path.join(dir, 'bad.json');
  fs.writeFileSync(notJson, '{"findings": [');
  const other = path.join(dir, 'other.json');
  fs.writeFileSync(other, '{"a": 1}');
  for (const [args, re] of [
    [['report', path.join(dir, 'missing.json')], /cannot read .*missing\.json: no such file/],
    [['report', notJson], /bad\.json is not valid JSON/],
    [['report', other], /other\.json is not a leakguard report/],
    [['report', json, '-o', path.join(dir, 'no', 'dir', 'r.html')], /cannot write .*r\.html/],
  ]) {
    const e = cli(args);
    expect({ args, status: e.status }).toEqual({ args, status: 1 });
    expect(e.stderr).toMatch(re);
  }
});

test('run: a healthy app exits 0; --json keeps stdout for the summary', () => {
  const r = cli(['run', ...FAST, '--json', '--', process.execPath, APP, 'healthy'], { env: { LEAKGUARD_RUN_MS: '1500' } });
  expect(r.status).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out).toMatchObject({ app: { exitCode: 0, signal: null }, report: 'ok', findings: [] });
  expect(out.leakguard.ticks).toBeGreaterThan(0);
  expect(r.stderr).toMatch(/^app done after \d+ iterations$/m); // the app's stdout, moved
  const text = cli(['run', ...FAST, '--', process.execPath, APP, 'healthy'], { env: { LEAKGUARD_RUN_MS: '500' } });
  expect(text.status).toBe(0);
  expect(text.stdout).toContain('leakguard: no leak found.');
});

test('run monitors every Node process CMD starts and reports the leaking one', () => {
  const wrapper = `require('node:child_process').execFileSync(process.execPath, [${JSON.stringify(APP)}], { stdio: 'inherit' })`;
  const r = cli(['run', ...FAST, '--json', '--', process.execPath, '-e', wrapper], { env: { LEAKGUARD_RUN_MS: '3000' } });
  expect(r.status).toBe(3);
  const out = JSON.parse(r.stdout);
  expect(out.findings.map((f) => f.target)).toContain('Timeout');
  expect(out.otherProcesses).toHaveLength(1);
  expect(out.otherProcesses[0]).toMatchObject({ argv: ['-e', wrapper], findings: [] });
  expect(out.pid).not.toBe(out.otherProcesses[0].pid);
});

test("run passes the app's exit code and signal through (no leak found)", () => {
  const code = cli(['run', '--log', 'off', '--', process.execPath, '-e', 'process.exitCode = 7']);
  expect(code.status).toBe(7);
  expect(code.stdout).toContain('leakguard: no leak found.');
  const sig = cli(['run', '--log', 'off', '--', process.execPath, '-e', "setTimeout(() => {}, 60000); process.kill(process.pid, 'SIGTERM')"]);
  expect(sig.status).toBe(128 + os.constants.signals.SIGTERM);
  expect(sig.stdout).toContain('leakguard: no leak found.'); // saved before the signal took effect
  const missing = cli(['run', '--', 'leakguard-no-such-command']);
  expect(missing.status).toBe(1);
  expect(missing.stderr).toContain('cannot start leakguard-no-such-command: command not found');
});

test('analyze/diff --progress draws a progress bar on stderr; stdout keeps the table', () => {
  const before = path.join(dir, 'b.heapsnapshot');
  const after = path.join(dir, 'a.heapsnapshot');
  execFileSync(process.execPath, [MAKE, 'leak', before, after]);
  const r = cli(['analyze', after, '--progress', '--top', '3']);
  expect(r.status).toBe(0);
  expect(r.stderr).toMatch(/leakguard parse +\[[░█]{30}\] \d+% \| \d+\.\ds/);
  expect(r.stderr).toMatch(/leakguard: dominators +done in \d+\.\d\d s/);
  expect(r.stdout).toMatch(/^Heap snapshot a\.heapsnapshot: /);
  const d = cli(['diff', before, after, '--progress', '--json']);
  expect(d.status).toBe(0);
  expect(d.stderr).toMatch(/\[[░█]{30}\] 100%/);
  expect(JSON.parse(d.stdout).classes[0].name).toBe('LeakedSession');
  expect(cli(['diff', before, after, '--progress', '-q']).stderr).toBe('');
});
