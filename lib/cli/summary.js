'use strict';
// Findings of a report as text for the terminal (`leakguard run`, `leakguard report`).
const F = require('../html-report/format');

function indent(lines, pad) {
  return lines.map((l) => `${pad}${l}`);
}

/** Lines describing `report.findings` and leakguard's own cost. */
function summaryLines(report) {
  const findings = Array.isArray(report.findings) ? report.findings : [];
  const out = [];
  if (!findings.length) out.push('leakguard: no leak found.');
  else out.push(`leakguard: ${findings.length} leak finding${findings.length === 1 ? '' : 's'}`);
  for (const f of findings) {
    out.push('');
    out.push(`  ${String(f.kind).padEnd(12)} ${f.target}`);
    const rows = [
      ['growth', `${F.rate(f.unit, f.growthPerMinute)}  (${F.value(f.unit, f.baseline)} -> ${F.value(f.unit, f.current)}, confidence ${F.pct(f.confidence).replace(' ', '')})`],
    ];
    if (F.finite(f.timeToLimitMs)) rows.push(['limit in', `~${F.duration(f.timeToLimitMs)} at this rate`]);
    const sites = Array.isArray(f.sites) ? f.sites.slice(0, 3) : [];
    sites.forEach((s, i) => {
      const frames = String(s.stack || '').split('\n');
      const n = f.unit === 'bytes' ? `${F.bytes(s.count)} sampled` : `${F.count(s.count)} live`;
      rows.push([i === 0 ? 'sites' : '', `${frames[0]}  (${n})${frames[1] ? `  <- ${frames[1]}` : ''}`]);
    });
    out.push(...indent(rows.map(([k, v]) => `${k.padEnd(12)} ${v}`), '    '));
  }
  const l = report.leakguard;
  if (l && typeof l === 'object') {
    const d = l.detector || {};
    out.push('');
    out.push(`leakguard itself: ${F.count(l.ticks)} ticks, last tick ${F.finite(l.lastTickMs) ? l.lastTickMs.toFixed(2) : '?'} ms, ${F.count(d.series)} series, ~${F.bytes(d.approxBytes)} detector state${report.history ? `, ~${F.bytes(report.history.approxBytes)} chart history` : ''}, ${F.count(l.hookErrors)} hook errors`);
  }
  return out;
}

module.exports = { summaryLines };
