'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const zlib = require('node:zlib');
const { PassThrough, pipeline } = require('node:stream');
const leakguard = require('..');
const { startManual, drive, lineOf } = require('./fixtures/core/drive');

afterEach(() => leakguard.stop());

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-streams-'));
const file = path.join(tmp, 'data.txt');
fs.writeFileSync(file, 'x'.repeat(1000));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function open(target) {
  const s = leakguard.report().streams[target];
  return s ? s.open : 0;
}

test('trackStream() counts a stream open until it closes, under its name', async () => {
  startManual({ streams: false });
  const s = leakguard.trackStream(new PassThrough(), { name: 'upload' });
  expect(open('upload')).toBe(1);
  s.destroy();
  await new Promise((resolve) => s.once('close', resolve));
  expect(open('upload')).toBe(0);
});

test('a stream tracked twice, or tracked by hand after the automatic hook, counts once', async () => {
  startManual();
  const s = leakguard.trackStream(new PassThrough(), { name: 'twice' });
  leakguard.trackStream(s, { name: 'twice' });
  expect(open('twice')).toBe(1);
  const gz = zlib.createGzip();
  expect(open('Gzip')).toBe(1);
  leakguard.trackStream(gz, { name: 'gzip-by-hand' });
  expect(open('Gzip')).toBe(1);
  expect(open('gzip-by-hand')).toBe(0);
  const closed = [s, gz].map((x) => new Promise((resolve) => x.once('close', resolve)));
  s.destroy();
  gz.destroy();
  await Promise.all(closed);
  expect(open('twice')).toBe(0);
  expect(open('Gzip')).toBe(0);
});

test('zlib streams created and never ended open a streams finding with the creating line', () => {
  const m = startManual();
  const kept = [];
  const { opened } = drive(m, 20, () => {
    for (let k = 0; k < 3; k++) kept.push(zlib.createGzip()); // SITE: gzip-leak
  });
  expect(opened).toHaveLength(1);
  expect(opened[0]).toMatchObject({ kind: 'streams', target: 'Gzip', unit: 'streams' });
  expect(opened[0].sites[0].stack.split('\n')[0]).toMatch(new RegExp(`streams\\.test\\.js:${lineOf(__filename, 'SITE: gzip-leak')}:\\d+$`));
  kept.forEach((z) => z.destroy());
});

test('fs read streams are tracked automatically; consumed ones close', async () => {
  startManual();
  const rs = fs.createReadStream(file);
  expect(open('ReadStream')).toBe(1);
  for await (const _ of rs) { /* consume */ }
  await new Promise((resolve) => (rs.closed ? resolve() : rs.once('close', resolve)));
  expect(open('ReadStream')).toBe(0);
  const ws = fs.createWriteStream(path.join(tmp, 'out.txt'));
  expect(open('WriteStream')).toBe(1);
  await new Promise((resolve) => ws.end('done', resolve));
  await new Promise((resolve) => (ws.closed ? resolve() : ws.once('close', resolve)));
  expect(open('WriteStream')).toBe(0);
});

test('streams through pipeline() close and are not flagged', async () => {
  const m = startManual();
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve, reject) => pipeline(fs.createReadStream(file), zlib.createGzip(), new PassThrough().resume(), (err) => (err ? reject(err) : resolve())));
    m.tick(Date.now() + i * 1000);
  }
  expect(open('ReadStream')).toBe(0);
  expect(open('Gzip')).toBe(0);
  expect(leakguard.findings().filter((f) => f.kind === 'streams')).toEqual([]);
});

test('client sockets and accepted sockets are tracked through diagnostics_channel', async () => {
  startManual();
  const server = net.createServer((c) => c.end());
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sock = net.connect(server.address().port, '127.0.0.1');
  await new Promise((resolve) => sock.once('connect', resolve));
  expect(open('Socket')).toBe(1);
  await new Promise((resolve) => sock.once('close', resolve).resume());
  expect(open('Socket')).toBe(0);
  await new Promise((resolve) => server.close(resolve));
  expect(leakguard.report().streams['Socket (accepted)'].opened).toBe(1);
});

test('a tracked stream the app drops is collected; an fd-backed one stays counted as abandoned', () => {
  // In a fresh process, so that nothing another test file left behind can hold them.
  const out = require('node:child_process').execFileSync(process.execPath, [path.join(__dirname, 'fixtures', 'core', 'weak.js'), 'streams'], { encoding: 'utf8' });
  const r = JSON.parse(out);
  expect(r.error).toBeUndefined();
  expect(r.collected).toBe(1);
  expect(r.dropped).toEqual({ open: 0, abandoned: 0, opened: 1 });
  expect(r.unconsumed).toEqual({ open: 1, abandoned: 1, opened: 1 });
});

test('new streams are held at most until the next tick, and the report counts them', async () => {
  const m = startManual();
  const pending = () => leakguard.report().leakguard.pendingStreams;
  expect(pending()).toBe(0);
  const open1 = zlib.createGzip();
  const closed = zlib.createGzip();
  expect(pending()).toBe(2);
  const done = new Promise((resolve) => closed.once('close', resolve));
  closed.destroy();
  await done;
  // The closed one is out of the batch at once: neither it nor its record is held.
  expect(pending()).toBe(1);
  m.tick();
  expect(pending()).toBe(0);
  expect(open('Gzip')).toBe(1);
  open1.destroy();
});
