'use strict';
// Chart history (report({ history: true }), kept in Rust), the HTML report
// (writeReport/renderReport: escaping, 0600 atomic write, bounded size), and the page
// rendered by a real headless Chromium (screenshot in .ci/artifacts/report.png).
const { EventEmitter } = require('node:events');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const leakguard = require('..');
const { renderReport } = require('../lib/html-report');

const CHROMIUM = '/usr/bin/chromium';
const FIXTURE = path.join(__dirname, 'fixtures', 'html-report', 'leaky-app.js');
const ARTIFACTS = path.join(__dirname, '..', '.ci', 'artifacts');
const HOSTILE = '<img src=x onerror=alert(1)>';
let dir;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-html-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => leakguard.stop());

let drives = 0;
// A fresh emitter per call (tracked emitters outlive stop()): 5 listeners per tick.
function drive(ticks) {
  const name = `bus${++drives}`;
  const monitor = leakguard.start({ intervalMs: 3_600_000, warmupMs: 0, timers: false, streams: false, handles: false, heapSites: false, forcedGc: false });
  const bus = leakguard.trackEmitter(new EventEmitter(), { name });
  bus.setMaxListeners(0);
  const t0 = Date.now();
  for (let i = 0; i < ticks; i++) {
    for (let j = 0; j < 5; j++) bus.on('config', () => {});
    monitor.tick(t0 + i * 1000);
  }
  return { monitor, bus, target: `${name}:config` };
}

test('report({ history: true }) charts the whole run, bounded, with the detector\'s Theil-Sen line', () => {
  const { target } = drive(300);
  const r = leakguard.report({ history: true });
  expect(JSON.parse(JSON.stringify(r))).toEqual(r); // JSON-safe
  const f = r.findings.find((x) => x.target === target);
  expect(f).toBeDefined();
  const s = r.history.series.find((x) => x.target === target);
  expect(s).toMatchObject({ kind: 'listeners', unit: 'listeners', findingId: f.id });
  // 300 ticks thinned to at most 120 points (+ the newest), evenly, first and last kept.
  expect(s.points.length).toBeLessThanOrEqual(121);
  expect(s.points.length).toBeGreaterThanOrEqual(60);
  expect(s.points[0].v).toBe(5);
  expect(s.points[s.points.length - 1].v).toBe(1500);
  expect(s.stride).toBeGreaterThan(1);
  const gaps = new Set(s.points.slice(0, -1).map((p, i) => s.points[i + 1].t - p.t).slice(0, -1));
  expect(gaps.size).toBe(1);
  // The window at full resolution and the line the decision used: 5 per second.
  expect(s.window).toHaveLength(30);
  expect(s.fit.slopePerMinute).toBeCloseTo(300, 6);
  expect(f.growthPerMinute).toBeCloseTo(300, 6);
  expect(s.fit.intercept).toBeCloseTo(s.window[0].v, 6);
  expect(s.fit.t0).toBe(s.window[0].t);
  // Memory floors come first; the history's own size is reported and small.
  expect(r.history.series.findIndex((x) => x.kind === 'listeners')).toBeGreaterThanOrEqual(
    r.history.series.filter((x) => ['heap', 'external', 'arrayBuffers', 'rss'].includes(x.kind)).length,
  );
  expect(r.history.maxPointsPerSeries).toBe(120);
  expect(r.history.approxBytes).toBeLessThan(64 * 1024);
  expect(Array.isArray(r.nearLimit)).toBe(true);
  expect(leakguard.history({ maxSeries: 1 }).series).toHaveLength(1);
  // Without the option the report is unchanged.
  expect(leakguard.report().history).toBeUndefined();
});

test('history options are validated', () => {
  drive(2);
  expect(() => leakguard.report({ histroy: true })).toThrow(expect.objectContaining({ code: 'LEAKGUARD_UNKNOWN_OPTION' }));
  expect(() => leakguard.report({ history: 'yes' })).toThrow(TypeError);
  expect(() => leakguard.report({ history: { maxSeries: 0 } })).toThrow(RangeError);
  expect(() => leakguard.history({ maxSeries: 129 })).toThrow(RangeError);
  leakguard.stop();
  expect(leakguard.history()).toBeNull();
  expect(leakguard.report({ history: true })).toMatchObject({ running: false, history: null });
});

test('writeReport writes one self-contained page, 0600, atomically, replacing the old one', () => {
  const { target } = drive(60);
  const file = path.join(dir, 'report.html');
  fs.writeFileSync(file, 'old', { mode: 0o644 });
  const out = leakguard.writeReport(path.relative(process.cwd(), file));
  expect(out).toBe(file);
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect(fs.readdirSync(dir)).toEqual(['report.html']); // no temp file left
  const html = fs.readFileSync(file, 'utf8');
  expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
  expect(html).toContain("Content-Security-Policy\" content=\"default-src 'none'");
  expect(/<script|<link|src=["']?https?:|url\(/i.test(html)).toBe(false);
  expect(html.includes(`<code class="target">${target}</code>`)).toBe(true);
  expect((html.match(/<svg class="chart"/g) || []).length).toBeGreaterThanOrEqual(2);
  expect(html.includes('<line class="fit leak"')).toBe(true);
  expect(html.includes('+300 listeners/min')).toBe(true);
});

test('every string from the report is escaped', () => {
  const evil = `${HOSTILE}"'&</code><script>alert(2)</script>`;
  const report = {
    running: true,
    pid: 1,
    findings: [{
      id: 1, kind: 'listeners', target: evil, unit: 'listeners', baseline: 1, current: 50, growthPerMinute: 10, confidence: 0.99,
      timeToLimitMs: null, since: Date.now(), closedAt: null, message: evil,
      sites: [{ stack: `${evil}\n${evil}`, count: 49, holder: evil }],
      diagnosis: { classes: [{ name: evil, countDelta: 3, sizeDelta: 10, retainerPath: evil }] },
    }],
    history: { series: [{ kind: 'listeners', target: evil, unit: 'listeners', points: [{ t: 1, v: 1 }, { t: 2, v: 2 }], window: [], fit: null, findingId: 1 }] },
    nearLimit: [{ kind: 'skipped', path: evil, time: evil, reason: evil, skipReason: evil, message: evil, heapUsed: 1, bytes: null }],
  };
  const html = renderReport(report, { title: evil });
  expect(/<script|<img/i.test(html)).toBe(false);
  expect(html.includes(evil)).toBe(false);
  expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;&lt;/code&gt;&lt;script&gt;');
  expect(() => renderReport({ nope: 1 })).toThrow(TypeError);
});

test('the page stays bounded for huge reports', () => {
  const sites = Array.from({ length: 100 }, (_, i) => ({ stack: `app.js:${i}:1\n${'x'.repeat(5000)}`, count: i }));
  const findings = Array.from({ length: 1000 }, (_, i) => ({
    id: i, kind: 'listeners', target: `t${i}`.repeat(1000), unit: 'listeners', baseline: 0, current: 10, growthPerMinute: 1, confidence: 1, timeToLimitMs: null, since: 0, closedAt: null, message: 'm'.repeat(100000), sites,
  }));
  const html = renderReport({ running: true, findings });
  expect(Buffer.byteLength(html)).toBeLessThan(2 * 1024 * 1024);
  expect(html.includes('950 more findings not shown')).toBe(true);
});

test('writeReport validates its arguments and reports write failures', () => {
  expect(() => leakguard.writeReport('')).toThrow(expect.objectContaining({ code: 'LEAKGUARD_INVALID_ARG' }));
  expect(() => leakguard.writeReport(42)).toThrow(TypeError);
  expect(() => leakguard.writeReport(path.join(dir, 'x.html'), { colour: 'red' })).toThrow(expect.objectContaining({ code: 'LEAKGUARD_UNKNOWN_OPTION' }));
  expect(() => leakguard.writeReport(path.join(dir, 'x.html'), { report: [] })).toThrow(TypeError);
  const missing = path.join(dir, 'no', 'such', 'dir', 'r.html');
  expect(() => leakguard.writeReport(missing, { report: { findings: [] } })).toThrow(expect.objectContaining({ code: 'LEAKGUARD_WRITE_FAILED' }));
  // Not running: still a page (the monitor state says so).
  const idle = leakguard.writeReport(path.join(dir, 'idle.html'));
  expect(fs.readFileSync(idle, 'utf8')).toContain('monitor not running');
});

test('real headless Chromium renders the report of a leaking app: charts, findings, no console errors; screenshot', async () => {
  const html = path.join(dir, 'leaky.html');
  const json = path.join(dir, 'leaky.json');
  const out = JSON.parse(execFileSync(process.execPath, [FIXTURE, html, json, '30000'], { encoding: 'utf8' }));
  expect(out.findings).toEqual(expect.arrayContaining(['timers Timeout', `listeners ${HOSTILE}:config"&`]));
  const { chromium } = require('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems = [];
    const requests = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('dialog', (d) => { problems.push(`dialog: ${d.message()}`); d.dismiss(); });
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${html}`, { waitUntil: 'load' });
    const facts = await page.evaluate(() => ({
      charts: document.querySelectorAll('svg.chart').length,
      lines: document.querySelectorAll('svg.chart path.line').length,
      fits: document.querySelectorAll('svg.chart line.fit').length,
      findings: [...document.querySelectorAll('.finding .target')].map((e) => e.textContent),
      sites: document.querySelectorAll('.finding table.sites tbody tr').length,
      imgs: document.querySelectorAll('img').length,
      title: document.title,
      chartWidth: document.querySelector('svg.chart').getBoundingClientRect().width,
    }));
    expect(facts.charts).toBeGreaterThanOrEqual(6);
    expect(facts.lines).toBe(facts.charts);
    expect(facts.fits).toBeGreaterThanOrEqual(3);
    expect(facts.findings).toEqual(expect.arrayContaining(['Timeout', `${HOSTILE}:config"&`]));
    expect(facts.sites).toBeGreaterThanOrEqual(3);
    expect(facts.imgs).toBe(0); // the hostile emitter name stayed text
    expect(facts.title).toBe('leakguard report: leaky-app <test>');
    expect(facts.chartWidth).toBeGreaterThan(400);
    expect(problems).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const png = path.join(ARTIFACTS, 'report.png');
    await page.screenshot({ path: png, fullPage: true });
    const buf = fs.readFileSync(png);
    expect(buf.subarray(1, 4).toString()).toBe('PNG');
    expect(buf.length).toBeGreaterThan(20_000);
  } finally {
    await browser.close();
  }
});
