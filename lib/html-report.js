'use strict';
// writeReport(): one self-contained HTML page from a report (leakguard.report({ history:
// true }) or a saved JSON of it): memory floors and counts over time with the detector's
// trend line (inline SVG), the findings with their sites, the near-limit snapshots and
// leakguard's own cost. No script, no network: a strict Content-Security-Policy.
// Every string from the report (emitter names, paths, stacks) is escaped.
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { typeError, rangeError } = require('./errors');
const F = require('./html-report/format');
const { lineChart } = require('./html-report/chart');
const { STYLE } = require('./html-report/style');

const { esc, clip } = F;
const MAX_FINDINGS = 50;
const MAX_SITES = 10;
const MAX_CLASSES = 8;
const MAX_SNAPSHOTS = 64;
const MEMORY_KINDS = ['heap', 'external', 'arrayBuffers', 'rss'];
const COUNT_KINDS = ['listeners', 'timers', 'streams', 'handles'];
const KIND_TITLES = {
  heap: 'V8 heap (heapUsed)',
  external: 'external',
  arrayBuffers: 'arrayBuffers',
  rss: 'native memory (rss outside the V8 heap and external)',
  listeners: 'Listeners',
  timers: 'Timers',
  streams: 'Streams',
  handles: 'Handles',
};

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function arr(v) {
  return Array.isArray(v) ? v : [];
}

/** Checks that `r` looks like a leakguard report (throws TypeError otherwise). */
function checkReport(r, where) {
  if (!isObject(r) || !Array.isArray(r.findings)) {
    throw typeError('LEAKGUARD_INVALID_ARG', `${where}: expected a leakguard report (an object with a findings array, from leakguard.report()), got ${r === null ? 'null' : Array.isArray(r) ? 'an array' : typeof r}`);
  }
  return r;
}

/** The chart series of a report: its history, else the memory floors' window points. */
function chartSeries(r) {
  if (isObject(r.history) && Array.isArray(r.history.series)) {
    return r.history.series.filter((s) => isObject(s) && typeof s.kind === 'string').slice(0, 256);
  }
  const floors = isObject(r.memory) ? arr(r.memory.floors) : [];
  return floors
    .filter((s) => isObject(s) && Array.isArray(s.history))
    .map((s) => {
      const points = s.history.filter(Array.isArray).map(([t, v]) => ({ t, v }));
      return { kind: s.kind, target: s.target, unit: s.unit, points, window: points, fit: null, findingId: null, leaking: Boolean(s.leaking) };
    });
}

function seriesId(s) {
  return `series-${String(s.kind).replace(/[^A-Za-z]/g, '')}-${crypto.createHash('sha1').update(String(s.target)).digest('hex').slice(0, 10)}`;
}

function kv(label, valueHtml, cls) {
  return `<div class="kv${cls ? ` ${cls}` : ''}"><div class="k">${esc(label)}</div><div class="v">${valueHtml}</div></div>`;
}

function header(r, title, findings) {
  const n = findings.length;
  const status = !r.running && r.running !== undefined && !r.time
    ? '<span class="pill muted">monitor not running</span>'
    : n > 0
      ? `<span class="pill bad">${n} leak finding${n === 1 ? '' : 's'}</span>`
      : '<span class="pill good">no leak found</span>';
  const meta = [];
  if (F.finite(r.pid)) meta.push(`pid ${esc(r.pid)}`);
  if (typeof r.node === 'string') meta.push(`Node ${esc(clip(r.node, 40))}`);
  if (F.finite(r.startedAt)) meta.push(`monitoring since ${esc(F.dateTime(r.startedAt))}`);
  if (F.finite(r.uptimeMs)) meta.push(`for ${esc(F.duration(r.uptimeMs))}`);
  if (F.finite(r.time)) meta.push(`report taken ${esc(F.dateTime(r.time))}`);
  return `<header><div class="brand"><svg viewBox="0 0 24 24" class="logo" aria-hidden="true"><path d="M12 2 4 5v6c0 5 3.4 9.4 8 11 4.6-1.6 8-6 8-11V5z"/><path class="drop" d="M12 7c-1.8 2.4-3 4-3 5.5a3 3 0 0 0 6 0C15 11 13.8 9.4 12 7z"/></svg>` +
    `<h1>${esc(clip(title, 200))}</h1>${status}</div><p class="meta">${meta.join(' · ')}</p></header>`;
}

function overview(r, findings) {
  const m = isObject(r.memory) ? r.memory : {};
  const floors = arr(m.floors);
  const floorOf = (kind) => {
    const s = floors.find((x) => x && x.kind === kind);
    return s && F.finite(s.current) ? s.current : null;
  };
  const cell = (label, now, kind, extra) => {
    const fl = floorOf(kind);
    const leaking = findings.some((f) => f.kind === kind);
    const sub = fl === null ? 'no post-GC floor yet' : `post-GC floor ${esc(F.bytes(fl))}`;
    return kv(label, `${esc(F.bytes(now))}<small>${sub}${extra ? ` · ${extra}` : ''}</small>`, leaking ? 'leak' : '');
  };
  const cells = [];
  if (F.finite(m.heapUsed)) {
    const lim = F.finite(m.heapSizeLimit) ? `limit ${esc(F.bytes(m.heapSizeLimit))}` : '';
    cells.push(cell('V8 heap used', m.heapUsed, 'heap', lim));
    cells.push(cell('external', m.external, 'external'));
    cells.push(cell('array buffers', m.arrayBuffers, 'arrayBuffers'));
    cells.push(kv('resident set (rss)', `${esc(F.bytes(m.rss))}<small>heapTotal ${esc(F.bytes(m.heapTotal))}</small>`, findings.some((f) => f.kind === 'rss') ? 'leak' : ''));
  }
  const listeners = arr(r.emitters).reduce((sum, e) => sum + Object.values(isObject(e && e.listeners) ? e.listeners : {}).reduce((a, b) => a + (F.finite(b) ? b : 0), 0), 0);
  cells.push(kv('tracked emitters', `${esc(F.count(arr(r.emitters).length))}<small>${esc(F.count(listeners))} listeners</small>`));
  if (isObject(r.timers) && isObject(r.timers.live)) {
    cells.push(kv('live timers', `${esc(F.count((r.timers.live.Timeout || 0) + (r.timers.live.Immediate || 0)))}<small>${esc(F.count(r.timers.live.Timeout))} Timeout · ${esc(F.count(r.timers.live.Immediate))} Immediate</small>`));
  }
  const streams = isObject(r.streams) ? Object.values(r.streams) : [];
  cells.push(kv('open streams', `${esc(F.count(streams.reduce((a, s) => a + (isObject(s) && F.finite(s.open) ? s.open : 0), 0)))}<small>${esc(F.count(streams.reduce((a, s) => a + (isObject(s) && F.finite(s.abandoned) ? s.abandoned : 0), 0)))} abandoned</small>`));
  if (isObject(r.handles)) {
    const total = Object.values(r.handles).reduce((a, b) => a + (F.finite(b) ? b : 0), 0);
    cells.push(kv('active handles', `${esc(F.count(total))}<small>${F.finite(r.openFds) ? `${esc(F.count(r.openFds))} open fds` : `${Object.keys(r.handles).length} types`}</small>`));
  }
  return `<section class="overview">${cells.join('')}</section>`;
}

function siteRows(f) {
  const sites = arr(f.sites).slice(0, MAX_SITES);
  if (!sites.length) return '<p class="muted">No creation site recorded.</p>';
  const rows = sites.map((s) => {
    const frames = String((s && s.stack) || '').split('\n').slice(0, 8).map((l) => esc(clip(l, 400)));
    const first = frames.shift() || '';
    const rest = frames.length ? `<span class="frames">${frames.map((l) => `<br>&larr; ${l}`).join('')}</span>` : '';
    const holder = s && s.holder ? ` <span class="tag">holds ${esc(clip(s.holder, 120))}</span>` : '';
    const n = f.unit === 'bytes' ? F.bytes(s && s.count) : `${F.count(s && s.count)} live`;
    return `<tr><td class="num">${esc(n)}</td><td><code>${first}</code>${holder}${rest}</td></tr>`;
  });
  const more = arr(f.sites).length > MAX_SITES ? `<tr><td></td><td class="muted">… ${arr(f.sites).length - MAX_SITES} more</td></tr>` : '';
  return `<table class="sites"><thead><tr><th class="num">${f.unit === 'bytes' ? 'sampled' : 'count'}</th><th>site</th></tr></thead><tbody>${rows.join('')}${more}</tbody></table>`;
}

function diagnosisHtml(d) {
  if (!isObject(d)) return '';
  if (d.skipped) return `<p class="muted">Heap diagnosis skipped: ${esc(clip(d.skipped, 400))}</p>`;
  const classes = arr(d.classes).slice(0, MAX_CLASSES);
  if (!classes.length) return '';
  const items = classes.map((c) => `<li><b>${esc(clip(c && c.name, 200))}</b> ${esc(`+${F.count(c && c.countDelta)} (${F.bytes(c && c.sizeDelta)})`)}` +
    (c && c.retainerPath ? `<div class="path">${esc(clip(c.retainerPath, 1500))}</div>` : '') + '</li>');
  return `<h4>What grew between two heap snapshots</h4><ul class="classes">${items.join('')}</ul>`;
}

function findingCard(f, series) {
  const unit = typeof f.unit === 'string' ? f.unit : '';
  const s = series.find((x) => (F.finite(x.findingId) && x.findingId === f.id) || (x.kind === f.kind && x.target === f.target));
  const link = s ? ` <a href="#${seriesId(s)}">chart ↓</a>` : '';
  const stats = [
    kv('growth', esc(F.rate(unit, f.growthPerMinute))),
    kv('from → now', `${esc(F.value(unit, f.baseline))} → ${esc(F.value(unit, f.current))}<small>window start → latest</small>`),
    kv('confidence', esc(F.pct(f.confidence))),
    kv('time to limit', F.finite(f.timeToLimitMs) ? `~${esc(F.duration(f.timeToLimitMs))}` : '<span class="muted">–</span>'),
    kv('open since', F.finite(f.since) ? `${esc(F.clock(f.since))} UTC<small>${esc(new Date(f.since).toISOString().slice(0, 10))}</small>` : '–'),
  ];
  return `<article class="finding" id="finding-${esc(F.finite(f.id) ? f.id : 'x')}">` +
    `<div class="fhead"><span class="kind k-${esc(String(f.kind).replace(/[^A-Za-z]/g, ''))}">${esc(clip(f.kind, 20))}</span><code class="target">${esc(clip(f.target, 200))}</code>${link}</div>` +
    `<div class="stats">${stats.join('')}</div>` +
    (f.message ? `<p class="message">${esc(clip(f.message, 1000))}</p>` : '') +
    siteRows(f) + diagnosisHtml(f.diagnosis) + '</article>';
}

function chartCard(s) {
  const unit = typeof s.unit === 'string' ? s.unit : '';
  const pts = arr(s.points);
  const last = pts.length ? pts[pts.length - 1].v : null;
  const leaking = Boolean(s.leaking || F.finite(s.findingId));
  const fit = isObject(s.fit) ? s.fit : null;
  const title = MEMORY_KINDS.includes(s.kind) ? KIND_TITLES[s.kind] : s.target;
  const legend = [
    `<span>now <b>${esc(F.value(unit, last))}</b></span>`,
    fit ? `<span>trend <b>${esc(F.rate(unit, fit.slopePerMinute))}</b></span>` : '',
    F.finite(s.stride) && s.stride > 1 ? `<span class="muted">1 point per ${esc(s.stride)} ticks before the window</span>` : '',
    leaking ? `<span class="pill bad small">leak #${esc(s.findingId)}</span>` : '',
  ].filter(Boolean).join('');
  const chart = lineChart({ unit, points: pts, window: arr(s.window), fit, leaking, label: `${s.kind} ${s.target}` });
  return `<figure class="chartcard${leaking ? ' leak' : ''}" id="${seriesId(s)}"><figcaption><div class="chead"><span class="ctitle" title="${esc(clip(title, 400))}">${esc(clip(title, 160))}</span>${MEMORY_KINDS.includes(s.kind) ? '' : `<span class="ckind">${esc(s.kind)}</span>`}</div><div class="legend">${legend}</div></figcaption>${chart}</figure>`;
}

function chartsSection(series) {
  const memory = MEMORY_KINDS.map((k) => series.find((s) => s.kind === k)).filter(Boolean);
  const counts = series.filter((s) => COUNT_KINDS.includes(s.kind));
  counts.sort((a, b) => COUNT_KINDS.indexOf(a.kind) - COUNT_KINDS.indexOf(b.kind));
  const note = '<p class="note">Line: the series over the run (thinned to at most 120 points). Shaded: the detector\'s evaluation window. Dashed: the Theil-Sen trend it decided on.</p>';
  const mem = memory.length
    ? `<div class="grid">${memory.map(chartCard).join('')}</div>`
    : '<p class="muted">No memory floors recorded yet (they come from post-GC samples).</p>';
  const cnt = counts.length
    ? `<div class="grid">${counts.map(chartCard).join('')}</div>`
    : '<p class="muted">No count series in this report (take it with <code>report({ history: true })</code> for their history).</p>';
  return `<section><h2>Memory floors (post-GC)</h2>${note}${mem}</section><section><h2>Counts: listeners, timers, streams, handles</h2>${cnt}</section>`;
}

function snapshotsSection(r) {
  const list = arr(r.nearLimit).filter(isObject).slice(-MAX_SNAPSHOTS);
  if (!list.length) {
    return '<section><h2>Near-limit heap snapshots</h2><p class="muted">None taken (<code>snapshotNearLimit()</code> writes one while it still fits before the memory limit).</p></section>';
  }
  const rows = list.map((s) => `<tr><td>${esc(s.time ? String(s.time).replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '–')}</td>` +
    `<td>${s.kind === 'heapsnapshot' ? '<span class="pill good small">snapshot</span>' : '<span class="pill warn small">evidence</span>'}</td>` +
    `<td>${esc(clip(s.reason || '', 60))}${s.skipReason ? `<br><span class="muted">${esc(clip(s.skipReason, 60))}</span>` : ''}</td>` +
    `<td class="num">${esc(F.bytes(s.heapUsed))}</td><td class="num">${s.bytes !== null && s.bytes !== undefined ? esc(F.bytes(s.bytes)) : '–'}</td>` +
    `<td><code>${esc(clip(s.path, 500))}</code>${s.message ? `<br><span class="muted">${esc(clip(s.message, 300))}</span>` : ''}</td></tr>`);
  return `<section><h2>Near-limit heap snapshots</h2><table class="tbl"><thead><tr><th>time</th><th>kind</th><th>reason</th><th class="num">heap used</th><th class="num">file</th><th>path</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function ownSection(r) {
  const l = isObject(r.leakguard) ? r.leakguard : null;
  if (!l) return '';
  const d = isObject(l.detector) ? l.detector : {};
  const h = isObject(r.history) ? r.history : null;
  const cells = [
    kv('ticks', esc(F.count(l.ticks))),
    kv('last tick', esc(F.finite(l.lastTickMs) ? `${l.lastTickMs.toFixed(2)} ms` : '–')),
    kv('confirming GCs', `${esc(F.count(l.forcedGcs))}<small>${esc(F.finite(l.forcedGcMs) ? `${l.forcedGcMs.toFixed(0)} ms in total` : '')}</small>`),
    kv('series', `${esc(F.count(d.series))}<small>cap 4096 · ${esc(F.count(d.droppedSeries))} dropped</small>`),
    kv('detector state', `~${esc(F.bytes(d.approxBytes))}<small>${esc(F.count(d.droppedSites))} sites dropped</small>`),
    h ? kv('chart history', `~${esc(F.bytes(h.approxBytes))}<small>${esc(F.count(h.tracks))} series × ≤ ${esc(F.count(h.maxPointsPerSeries))} points</small>`) : '',
    kv('tracked emitters', `${esc(F.count(l.trackedEmitters))}<small>cap 10,000 · ${esc(F.count(l.droppedEmitters))} dropped</small>`),
    kv('hook errors', esc(F.count((l.hookErrors || 0) + (l.listenerErrors || 0))), (l.hookErrors || 0) + (l.listenerErrors || 0) > 0 ? 'leak' : ''),
  ];
  const o = isObject(r.options) ? r.options : null;
  const settings = o
    ? `<p class="note">Settings: tick ${esc(F.duration(o.intervalMs))}, warm-up ${esc(F.duration(o.warmupMs))}, sensitivity ${esc(o.sensitivity)}${['timers', 'streams', 'handles', 'heapSites', 'forcedGc', 'heapDiagnosis', 'allStacks'].filter((k) => typeof o[k] === 'boolean').map((k) => `, ${esc(k)} ${o[k] ? 'on' : 'off'}`).join('')}.</p>`
    : '';
  return `<section><h2>leakguard itself</h2>${settings}<div class="overview own">${cells.join('')}</div></section>`;
}

/**
 * Renders a report as one self-contained HTML page (a string). `report`: the object
 * from `leakguard.report({ history: true })` (or a plain `report()`: then only the
 * memory floors' windows are charted). Throws TypeError for anything else.
 */
function renderReport(report, options = {}) {
  const r = checkReport(report, 'leakguard.renderReport(report)');
  const title = typeof options.title === 'string' && options.title ? options.title : 'leakguard report';
  const findings = r.findings.filter(isObject).slice(0, MAX_FINDINGS);
  const series = chartSeries(r);
  const findingsHtml = findings.length
    ? findings.map((f) => findingCard(f, series)).join('')
    : '<p class="ok">No leak found: no series kept growing through the detector\'s window.</p>';
  const more = r.findings.length > MAX_FINDINGS ? `<p class="muted">… ${r.findings.length - MAX_FINDINGS} more findings not shown.</p>` : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="leakguard">
<title>${esc(clip(title, 200))}</title>
<style>${STYLE}</style></head>
<body><main>
${header(r, title, findings)}
${overview(r, findings)}
<section><h2>Findings</h2>${findingsHtml}${more}</section>
${chartsSection(series)}
${snapshotsSection(r)}
${ownSection(r)}
<footer>Generated by leakguard on ${esc(F.dateTime(Date.now()))}. Times in UTC. Self-contained page: no scripts, no network.</footer>
</main></body></html>
`;
}

/**
 * Writes `text` to `file` atomically: a new 0600 temporary file in the same directory
 * (O_EXCL, no symlink followed), fsync'd, then renamed over `file`.
 */
function writeFileAtomic(file, text) {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`);
  const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW || 0);
  let fd;
  try {
    fd = fs.openSync(tmp, flags, 0o600);
    fs.writeFileSync(fd, text);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) {
      try { fs.closeSync(fd); } catch { /* closed */ }
    }
    try { fs.unlinkSync(tmp); } catch { /* not created */ }
    const err = new Error(`leakguard: cannot write ${file}: ${e.message}`);
    err.code = 'LEAKGUARD_WRITE_FAILED';
    err.cause = e;
    throw err;
  }
}

const WRITE_OPTIONS = ['report', 'title'];

/**
 * Writes the HTML report to `file` (0600, atomic) and returns its absolute path.
 * `options.report`: a report to render (default: `collect()`, i.e. this thread's
 * `report({ history: true })`); `options.title`: the page title.
 */
function writeReport(file, options, collect) {
  if (typeof file === 'string' && file.length > 4096) {
    throw rangeError('LEAKGUARD_INVALID_ARG', `leakguard.writeReport(path): path must be at most 4096 characters, got ${file.length}`);
  }
  if (typeof file !== 'string' || file.length === 0 || file.includes('\0')) {
    throw typeError('LEAKGUARD_INVALID_ARG', `leakguard.writeReport(path): path must be a non-empty string, got ${file === null ? 'null' : typeof file === 'string' ? JSON.stringify(file) : typeof file}`);
  }
  if (options !== undefined && !isObject(options)) {
    throw typeError('LEAKGUARD_INVALID_ARG', `leakguard.writeReport(path, options): options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  const o = options || {};
  for (const k of Object.keys(o)) {
    if (!WRITE_OPTIONS.includes(k)) throw typeError('LEAKGUARD_UNKNOWN_OPTION', `leakguard.writeReport(path, options): unknown option "${k}" (expected one of ${WRITE_OPTIONS.join(', ')})`);
  }
  if (o.title !== undefined && typeof o.title !== 'string') {
    throw typeError('LEAKGUARD_INVALID_ARG', `leakguard.writeReport(path, options): options.title must be a string, got ${o.title === null ? 'null' : typeof o.title}`);
  }
  if (o.title !== undefined && o.title.length > 200) {
    throw rangeError('LEAKGUARD_INVALID_ARG', 'leakguard.writeReport(path, options): options.title must be at most 200 characters');
  }
  const report = o.report !== undefined ? checkReport(o.report, 'leakguard.writeReport(path, { report })') : collect();
  const abs = path.resolve(file);
  writeFileAtomic(abs, renderReport(report, { title: o.title }));
  return abs;
}

module.exports = { renderReport, writeReport, writeFileAtomic, chartSeries };
