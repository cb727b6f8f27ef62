'use strict';
// Inline SVG line charts for the HTML report: one series over time, the detector's
// window shaded, and the Theil-Sen line it decided on drawn over that window.
// Static markup only (no script): hover titles come from <title> elements.
const { esc, finite, clock } = require('./format');

const W = 560;
const H = 210;
const M = { l: 70, r: 14, t: 14, b: 30 };
const PW = W - M.l - M.r;
const PH = H - M.t - M.b;

/** 1, 2, 2.5, 5 × 10^k steps giving about `target` intervals over `span`. */
function niceStep(span, target) {
  if (!(span > 0)) return 1;
  const raw = span / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400].map((s) => s * 1000);

function timeStep(span) {
  for (const s of TIME_STEPS) if (span / s <= 5) return s;
  return Math.ceil(span / 5 / 86400000) * 86400000;
}

/** Axis label formatter for a value range in `unit`: bytes in one binary unit for the whole axis. */
function axisFormatter(unit, max) {
  if (unit === 'bytes') {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (i < units.length - 1 && Math.abs(max) >= 1024 ** (i + 1)) i++;
    const div = 1024 ** i;
    return { div, fmt: (v, step) => `${trim(v / div, step / div)} ${units[i]}` };
  }
  return { div: 1, fmt: (v, step) => trim(v, step) };
}

function trim(v, step) {
  const decimals = step >= 1 || step <= 0 ? 0 : Math.min(3, Math.ceil(-Math.log10(step)));
  return Number(v.toFixed(decimals)).toLocaleString('en-US', { maximumFractionDigits: decimals });
}

/**
 * The points to draw: the thinned run history before the window, then the window at
 * full resolution. Non-finite values are dropped; times strictly increase.
 */
function mergePoints(points, window) {
  const w = (window || []).filter((p) => p && finite(p.t) && finite(p.v));
  const start = w.length ? w[0].t : Infinity;
  const out = [];
  for (const p of points || []) if (p && finite(p.t) && finite(p.v) && p.t < start) out.push(p);
  out.push(...w);
  out.sort((a, b) => a.t - b.t);
  return out.filter((p, i) => i === 0 || p.t > out[i - 1].t);
}

/**
 * An SVG line chart. `s`: `{ unit, points: {t, v}[], window?: {t, v}[], fit?: { t0, t1,
 * intercept, slopePerMs } | null, leaking?: boolean, label: string }`. Returns markup,
 * or a short placeholder when there are fewer than 2 points.
 */
function lineChart(s) {
  const pts = mergePoints(s.points, s.window);
  if (pts.length < 2) {
    return `<div class="nochart">not enough points yet (${pts.length})</div>`;
  }
  const fit = s.fit && finite(s.fit.t0) && finite(s.fit.t1) && finite(s.fit.intercept) && finite(s.fit.slopePerMs) ? s.fit : null;
  const t0 = pts[0].t;
  const t1 = pts[pts.length - 1].t;
  const vals = pts.map((p) => p.v);
  if (fit) vals.push(fit.intercept, fit.intercept + fit.slopePerMs * (fit.t1 - fit.t0));
  let lo = Math.min(...vals);
  let hi = Math.max(...vals);
  // Start at 0 unless the values sit high above it (then the shape would flatten).
  if (lo >= 0 && lo < 0.35 * hi) lo = 0;
  if (hi === lo) hi = lo + (lo === 0 ? 1 : Math.abs(lo) * 0.1);
  const { fmt, div } = axisFormatter(s.unit, hi);
  // Counts are whole: integer steps, and a flat count still gets a readable axis.
  const counts = s.unit !== 'bytes';
  if (counts && hi - lo < 2) {
    lo = Math.max(0, Math.floor((hi + lo) / 2) - 1);
    hi = lo + 2;
  }
  let step = niceStep((hi - lo) / div, 4) * div;
  if (counts) step = Math.max(1, Math.round(step));
  const yMin = Math.floor(lo / step) * step;
  const yMax = Math.ceil(hi / step) * step;
  const span = Math.max(1, t1 - t0);
  const x = (t) => M.l + ((t - t0) / span) * PW;
  const y = (v) => M.t + PH - ((v - yMin) / (yMax - yMin)) * PH;
  const f = (n) => n.toFixed(1);
  const parts = [];
  parts.push(`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(s.label)}" xmlns="http://www.w3.org/2000/svg">`);
  // Horizontal grid and y labels.
  for (let v = yMin, i = 0; v <= yMax + step / 2 && i < 12; v += step, i++) {
    const yy = f(y(v));
    parts.push(`<line class="gl" x1="${M.l}" x2="${W - M.r}" y1="${yy}" y2="${yy}"/>`);
    parts.push(`<text class="ylab" x="${M.l - 8}" y="${yy}" dy="0.32em" text-anchor="end">${esc(fmt(v, step))}</text>`);
  }
  // Time axis.
  const ts = timeStep(span);
  for (let t = Math.ceil(t0 / ts) * ts, i = 0; t <= t1 && i < 8; t += ts, i++) {
    const xx = f(x(t));
    parts.push(`<line class="tick" x1="${xx}" x2="${xx}" y1="${M.t + PH}" y2="${M.t + PH + 4}"/>`);
    parts.push(`<text class="xlab" x="${xx}" y="${M.t + PH + 18}" text-anchor="middle">${clock(t)}</text>`);
  }
  parts.push(`<line class="axis" x1="${M.l}" x2="${W - M.r}" y1="${M.t + PH}" y2="${M.t + PH}"/>`);
  // The detector's window.
  if (fit) {
    const wx0 = Math.max(M.l, x(fit.t0));
    const wx1 = Math.min(W - M.r, x(fit.t1));
    if (wx1 > wx0) {
      parts.push(`<rect class="window" x="${f(wx0)}" y="${M.t}" width="${f(wx1 - wx0)}" height="${PH}"><title>detector window: ${clock(fit.t0)}–${clock(fit.t1)} UTC</title></rect>`);
      parts.push(`<text class="wlab" x="${f(wx0 + 4)}" y="${M.t + 11}">window</text>`);
    }
  }
  // The series.
  const d = pts.map((p, i) => `${i ? 'L' : 'M'}${f(x(p.t))} ${f(y(p.v))}`).join('');
  const area = `${d}L${f(x(t1))} ${f(M.t + PH)}L${f(x(t0))} ${f(M.t + PH)}Z`;
  parts.push(`<path class="area${s.leaking ? ' leak' : ''}" d="${area}"/>`);
  parts.push(`<path class="line${s.leaking ? ' leak' : ''}" d="${d}"/>`);
  if (pts.length <= 160) {
    for (const p of pts) {
      parts.push(`<circle class="pt${s.leaking ? ' leak' : ''}" cx="${f(x(p.t))}" cy="${f(y(p.v))}" r="1.8"><title>${clock(p.t)} UTC: ${esc(fmt(p.v, step / 100))}</title></circle>`);
    }
  }
  // The Theil-Sen line the detector decided on.
  if (fit) {
    const a = { t: Math.max(fit.t0, t0), v: 0 };
    const b = { t: Math.min(fit.t1, t1), v: 0 };
    a.v = fit.intercept + fit.slopePerMs * (a.t - fit.t0);
    b.v = fit.intercept + fit.slopePerMs * (b.t - fit.t0);
    parts.push(`<line class="fit${s.leaking ? ' leak' : ''}" x1="${f(x(a.t))}" y1="${f(y(a.v))}" x2="${f(x(b.t))}" y2="${f(y(b.v))}"><title>Theil-Sen trend over the window</title></line>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

module.exports = { lineChart, mergePoints, niceStep };
