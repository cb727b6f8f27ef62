'use strict';
// registerMetrics() (issue 7): a real /metrics endpoint (node:http + prom-client's
// register.metrics(), with collectDefaultMetrics in the same registry) scraped over
// 127.0.0.1, values checked against what the test created.
const http = require('node:http');
const os = require('node:os');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { EventEmitter } = require('node:events');
const { PassThrough } = require('node:stream');
const client = require('prom-client');
const leakguard = require('..');
const { startManual, drive } = require('./fixtures/core/drive');

let server;
let register;
let url;

beforeEach(async () => {
  register = new client.Registry();
  client.collectDefaultMetrics({ register });
  server = http.createServer(async (req, res) => {
    if (req.url !== '/metrics') {
      res.statusCode = 404;
      return res.end();
    }
    res.setHeader('Content-Type', register.contentType);
    res.end(await register.metrics());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${server.address().port}/metrics`;
});

afterEach(async () => {
  leakguard.stop();
  await new Promise((resolve) => server.close(resolve));
});

// Prometheus text format -> { samples: Map('name{labels}' -> number), types: Map(name -> type) }.
function parse(text) {
  const samples = new Map();
  const types = new Map();
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      expect(types.has(name)).toBe(false); // every metric once
      types.set(name, type);
    } else if (line && !line.startsWith('#')) {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?) (\S+)$/.exec(line);
      expect(m).not.toBeNull();
      samples.set(m[1], Number(m[2]));
    }
  }
  return { samples, types };
}

// Post-GC floors need a major GC: one forced here, its perf_hooks 'gc' entry awaited
// (the monitor's sampler records memory then; the next tick makes it a floor).
async function untilMajorGc(m) {
  const seen = m.memory.majorGcs;
  require('../lib/gc').forceGc();
  for (let i = 0; i < 10000 && m.memory.majorGcs === seen; i++) await new Promise((resolve) => setImmediate(resolve));
  expect(m.memory.majorGcs).toBeGreaterThan(seen);
}

async function scrape(target = url) {
  const res = await fetch(target);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parse(await res.text());
}

test('a scrape shows listeners, timers, streams, handles, floors and findings, next to the default Node metrics', async () => {
  const m = startManual();
  leakguard.registerMetrics(register);
  const bus = leakguard.trackEmitter(new EventEmitter(), { name: 'bus' });
  bus.setMaxListeners(0);
  const upstream = leakguard.trackStream(new PassThrough(), { name: 'upstream' });
  const before = await scrape();
  const timers = [];
  for (let i = 0; i < 7; i++) timers.push(setTimeout(() => {}, 3600000));
  await untilMajorGc(m);
  // A listener leak on simulated time: 5 more listeners per tick.
  drive(m, 20, () => {
    for (let k = 0; k < 5; k++) bus.on('config', () => {});
  });
  const { samples, types } = await scrape();

  // Default metrics are there, and no name is shared.
  expect(types.get('process_cpu_user_seconds_total')).toBe('counter');
  expect(types.get('nodejs_heap_size_used_bytes')).toBe('gauge');
  const ours = [...types.keys()].filter((n) => n.startsWith('leakguard_'));
  const defaults = [...types.keys()].filter((n) => !n.startsWith('leakguard_'));
  expect(defaults.every((n) => /^(process|nodejs)_/.test(n))).toBe(true);
  expect(ours.sort()).toEqual(
    [
      'leakguard_running', 'leakguard_listeners', 'leakguard_timers', 'leakguard_streams_open', 'leakguard_streams_abandoned', 'leakguard_handles',
      'leakguard_workers', 'leakguard_memory_floor_bytes', 'leakguard_memory_floor_growth_bytes_per_second', 'leakguard_findings_open',
      'leakguard_findings_opened_total', 'leakguard_findings_resolved_total', 'leakguard_snapshots_written_total', 'leakguard_snapshots_skipped_total',
      'leakguard_dropped_total', 'leakguard_ticks_total', 'leakguard_tick_duration_seconds', 'leakguard_forced_gcs_total', 'leakguard_forced_gc_seconds_total',
      'leakguard_detector_state_bytes', 'leakguard_hook_errors_total', 'leakguard_metrics_folded_series',
    ].sort(),
  );
  for (const n of ours) expect(types.get(n)).toBe(n.endsWith('_total') ? 'counter' : 'gauge');

  expect(samples.get('leakguard_running')).toBe(1);
  expect(samples.get('leakguard_listeners{emitter="bus",event="config"}')).toBe(100);
  expect(samples.get('leakguard_timers{type="Timeout"}') - before.samples.get('leakguard_timers{type="Timeout"}')).toBe(7);
  expect(samples.get('leakguard_streams_open{stream="upstream"}')).toBe(1);
  expect(samples.get('leakguard_streams_abandoned{stream="upstream"}')).toBe(0);
  // The server this test scrapes is a listening TCP handle.
  expect(samples.get('leakguard_handles{type="TCPServerWrap"}')).toBeGreaterThanOrEqual(1);
  const floors = leakguard.report().memory.floors;
  expect(floors.map((f) => f.kind)).toContain('heap');
  for (const f of floors) {
    expect(samples.get(`leakguard_memory_floor_bytes{kind="${f.kind}"}`)).toBe(f.current);
    expect(f.current).toBeGreaterThan(0);
  }
  expect(samples.get('leakguard_findings_open{kind="listeners"}')).toBe(1);
  expect(samples.get('leakguard_findings_opened_total{kind="listeners"}')).toBe(1);
  expect(samples.get('leakguard_findings_opened_total{kind="timers"}')).toBe(0);
  expect(samples.get('leakguard_findings_resolved_total{kind="listeners"}')).toBe(0);
  expect(samples.get('leakguard_snapshots_written_total')).toBe(0);
  expect(samples.get('leakguard_ticks_total')).toBe(20);
  expect(samples.get('leakguard_dropped_total{what="series"}')).toBe(0);
  expect(samples.get('leakguard_hook_errors_total')).toBe(0);
  expect(samples.get('leakguard_detector_state_bytes')).toBeGreaterThan(0);
  expect(samples.get('leakguard_metrics_folded_series{metric="leakguard_listeners"}')).toBe(0);

  // The growth stops (a plateau): resolved is counted; then the listeners go.
  drive(m, 40, () => {}, { startAt: 20 });
  bus.removeAllListeners('config');
  leakguard.untrackEmitter(bus);
  const after = await scrape();
  expect(after.samples.get('leakguard_findings_resolved_total{kind="listeners"}')).toBe(1);
  expect(after.samples.get('leakguard_findings_open{kind="listeners"}')).toBe(0);
  expect(after.samples.has('leakguard_listeners{emitter="bus",event="config"}')).toBe(false);
  for (const t of timers) clearTimeout(t);
  upstream.destroy();
  await new Promise((resolve) => upstream.once('close', resolve));
  const closed = await scrape();
  expect(closed.samples.get('leakguard_timers{type="Timeout"}')).toBe(before.samples.get('leakguard_timers{type="Timeout"}'));
  expect(closed.samples.get('leakguard_streams_open{stream="upstream"}')).toBe(0);

  // Stopped: running 0, the counters keep their values.
  leakguard.stop();
  const stopped = await scrape();
  expect(stopped.samples.get('leakguard_running')).toBe(0);
  expect(stopped.samples.get('leakguard_findings_opened_total{kind="listeners"}')).toBe(1);
});

test('emitter names are user input: at most maxLabelValues series, the rest folded into "other" and counted', async () => {
  startManual();
  leakguard.registerMetrics(register, { maxLabelValues: 3 });
  const keep = [];
  for (let i = 0; i < 6; i++) {
    const e = leakguard.trackEmitter(new EventEmitter(), { name: `tenant-${i}` });
    e.setMaxListeners(0);
    for (let k = 0; k <= i; k++) e.on('data', () => {});
    keep.push(e);
  }
  const { samples } = await scrape();
  const listeners = [...samples.entries()].filter(([k]) => k.startsWith('leakguard_listeners{'));
  expect(listeners).toHaveLength(4);
  // Tracked order: the first three names keep their series; 4 + 5 + 6 listeners fold.
  expect(samples.get('leakguard_listeners{emitter="tenant-0",event="data"}')).toBe(1);
  expect(samples.get('leakguard_listeners{emitter="tenant-2",event="data"}')).toBe(3);
  expect(samples.get('leakguard_listeners{emitter="other",event="other"}')).toBe(4 + 5 + 6);
  expect(samples.get('leakguard_metrics_folded_series{metric="leakguard_listeners"}')).toBe(3);
  // A kept series stays kept: the cap does not re-rank between scrapes.
  keep[0].removeAllListeners('data');
  for (let k = 0; k < 50; k++) keep[5].on('data', () => {});
  const next = await scrape();
  expect(next.samples.has('leakguard_listeners{emitter="tenant-0",event="data"}')).toBe(false);
  expect(next.samples.get('leakguard_listeners{emitter="other",event="other"}')).toBe(4 + 5 + 56);
  expect(keep).toHaveLength(6);
});

test('options are checked; registering twice returns the same handle; unregister() removes every metric', () => {
  expect(() => leakguard.registerMetrics({})).toThrow(expect.objectContaining({ name: 'TypeError', code: 'LEAKGUARD_INVALID_ARG' }));
  expect(() => leakguard.registerMetrics(register, { prefix: 'bad prefix' })).toThrow(expect.objectContaining({ name: 'RangeError', code: 'LEAKGUARD_INVALID_ARG' }));
  expect(() => leakguard.registerMetrics(register, { maxLabelValues: 0 })).toThrow(/maxLabelValues must be an integer from 1 to 10000, got 0/);
  expect(() => leakguard.registerMetrics(register, { labels: 1 })).toThrow(expect.objectContaining({ code: 'LEAKGUARD_UNKNOWN_OPTION' }));
  const h = leakguard.registerMetrics(register);
  expect(leakguard.registerMetrics(register)).toBe(h);
  expect(h.names).toContain('leakguard_findings_opened_total');
  const other = leakguard.registerMetrics(register, { prefix: 'app_leakguard_' });
  expect(other.names).toContain('app_leakguard_findings_opened_total');
  h.unregister();
  other.unregister();
  expect(register.getMetricsAsArray().filter((m) => /leakguard/.test(m.name))).toEqual([]);
});

test('snapshots written by snapshotNearLimit() are counted (served by another process)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-metrics-'));
  const child = spawn(process.execPath, [path.join(__dirname, 'fixtures', 'metrics', 'snapshot-server.js'), dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const port = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /port (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    const { samples, types } = await scrape(`http://127.0.0.1:${port}/metrics`);
    expect(samples.get('leakguard_snapshots_written_total')).toBe(1);
    expect(types.get('process_resident_memory_bytes')).toBe('gauge');
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot'))).toHaveLength(1);
  } finally {
    child.stdin.end();
    await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
