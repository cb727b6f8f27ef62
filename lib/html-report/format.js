'use strict';
// Formatting and escaping for the HTML report (and the CLI's text output).

const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** HTML-escapes any value for element text or a quoted attribute. */
function esc(value) {
  return String(value === undefined || value === null ? '' : value).replace(/[&<>"']/g, (c) => ESC[c]);
}

/** Cuts a user string to `max` characters (the page stays bounded). */
function clip(value, max) {
  const s = String(value === undefined || value === null ? '' : value);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function finite(n) {
  return typeof n === 'number' && Number.isFinite(n);
}

/** Bytes in binary units: `56.4 MiB`. */
function bytes(n) {
  if (!finite(n)) return '–';
  const sign = n < 0 ? '-' : '';
  let v = Math.abs(n);
  if (v < 1024) return `${sign}${Math.round(v)} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let i = -1;
  do {
    v /= 1024;
    i++;
  } while (v >= 1024 && i < units.length - 1);
  return `${sign}${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

function count(n) {
  if (!finite(n)) return '–';
  return Math.round(n).toLocaleString('en-US');
}

/** A value in a series' unit: bytes in binary units, counts with the unit name. */
function value(unit, n) {
  return unit === 'bytes' ? bytes(n) : `${count(n)} ${unit || ''}`.trim();
}

/** A growth rate per minute with its sign: `+108.3 MiB/min`, `+3,037 timers/min`. */
function rate(unit, perMinute) {
  if (!finite(perMinute)) return '–';
  const sign = perMinute > 0 ? '+' : perMinute < 0 ? '-' : '';
  const a = Math.abs(perMinute);
  if (unit === 'bytes') return `${sign}${bytes(a)}/min`;
  const shown = a >= 100 ? count(a) : a.toFixed(a >= 10 ? 1 : 2);
  return `${sign}${shown} ${unit || ''}/min`.replace(' /min', '/min');
}

/** A duration: `850 ms`, `45 s`, `38 min`, `12.8 h`, `3.2 d`. */
function duration(ms) {
  if (!finite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

function pct(x) {
  return finite(x) ? `${(x * 100).toFixed(1)} %` : '–';
}

/** Epoch ms as `2026-11-22 05:22:43 UTC`. */
function dateTime(ms) {
  if (!finite(ms)) return '–';
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Epoch ms as a clock time `05:22:43` (UTC). */
function clock(ms) {
  return new Date(ms).toISOString().slice(11, 19);
}

module.exports = { esc, clip, finite, bytes, count, value, rate, duration, pct, dateTime, clock };
