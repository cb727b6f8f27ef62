'use strict';
// The HTML report's stylesheet (inlined into the page).
const STYLE = `
:root{--fg:#0f172a;--muted:#64748b;--line:#e2e8f0;--bg:#f8fafc;--card:#fff;--accent:#2563eb;--bad:#dc2626;--bad-bg:#fef2f2;--good:#15803d;--good-bg:#f0fdf4;--warn:#b45309;--warn-bg:#fffbeb}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1200px;margin:0 auto;padding:28px 28px 40px}
header{margin-bottom:18px}
.brand{display:flex;align-items:center;gap:12px;flex-wrap:wrap}
.logo{width:30px;height:30px;fill:var(--accent)}
.logo .drop{fill:#fff}
h1{font-size:24px;margin:0;font-weight:650;letter-spacing:-.01em}
h2{font-size:17px;margin:30px 0 10px;font-weight:650}
h4{font-size:13px;margin:14px 0 6px;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.04em}
.meta{margin:6px 0 0 42px;color:var(--muted);font-size:13px}
code,.path,.frames{font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.pill{display:inline-block;padding:3px 10px;border-radius:999px;font-size:12.5px;font-weight:600}
.pill.small{padding:1px 8px;font-size:11.5px}
.pill.bad{background:var(--bad-bg);color:var(--bad);border:1px solid #fecaca}
.pill.good{background:var(--good-bg);color:var(--good);border:1px solid #bbf7d0}
.pill.warn{background:var(--warn-bg);color:var(--warn);border:1px solid #fde68a}
.pill.muted{background:#f1f5f9;color:var(--muted);border:1px solid var(--line)}
.muted{color:var(--muted)}
.ok{background:var(--good-bg);border:1px solid #bbf7d0;color:var(--good);padding:12px 16px;border-radius:10px;margin:0}
.note{color:var(--muted);font-size:12.5px;margin:-4px 0 10px}
.overview{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:10px}
.kv{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:10px 14px}
.kv .k{color:var(--muted);font-size:12.5px}
.kv .v{font-size:18px;font-weight:620;font-variant-numeric:tabular-nums}
.kv .v small{display:block;font-size:12px;font-weight:400;color:var(--muted)}
.kv.leak{border-color:#fecaca;background:var(--bad-bg)}
.kv.leak .v{color:var(--bad)}
.finding{background:var(--card);border:1px solid var(--line);border-left:4px solid var(--bad);border-radius:10px;padding:14px 18px;margin-bottom:14px;box-shadow:0 1px 2px rgba(15,23,42,.04)}
.fhead{display:flex;align-items:center;gap:10px;flex-wrap:wrap}
.fhead a{margin-left:auto;color:var(--accent);text-decoration:none;font-size:13px}
.kind{font-size:11.5px;font-weight:700;text-transform:uppercase;letter-spacing:.05em;padding:2px 8px;border-radius:6px;background:#eef2ff;color:#3730a3}
.kind.k-heap,.kind.k-external,.kind.k-arrayBuffers,.kind.k-rss{background:#fdf2f8;color:#9d174d}
.target{font-size:15px;font-weight:600}
.stats{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:8px;margin:12px 0 8px}
.stats .kv{padding:6px 10px;border-radius:8px}
.stats .kv .v{font-size:14.5px}
.message{margin:6px 0 10px;color:#334155}
table{border-collapse:collapse;width:100%}
.sites td,.sites th,.tbl td,.tbl th{border-top:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
.sites th,.tbl th{font-size:12px;color:var(--muted);font-weight:600;border-top:0}
.tbl{background:var(--card);border:1px solid var(--line);border-radius:10px;overflow:hidden}
td.num,th.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.sites td.num{width:110px}
.frames{color:var(--muted)}
.tag{font-size:11.5px;background:#f1f5f9;border-radius:6px;padding:1px 6px;color:#334155}
.classes{margin:0;padding-left:18px}
.classes li{margin-bottom:6px}
.path{color:var(--muted);word-break:break-word}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:14px}
.chartcard{margin:0;background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 14px 6px;box-shadow:0 1px 2px rgba(15,23,42,.04)}
.chartcard.leak{border-color:#fecaca}
figcaption{margin-bottom:2px}
.chead{display:flex;align-items:baseline;gap:8px;min-width:0}
.ctitle{font-weight:620;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;min-width:0}
.ckind{font-size:11px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted)}
.legend{display:flex;gap:14px;font-size:12.5px;color:#475569;align-items:center;flex-wrap:wrap;min-height:22px}
.legend .pill{margin-left:auto}
.chart{width:100%;height:auto;display:block}
.chart .gl{stroke:#eef2f7;stroke-width:1}
.chart .axis{stroke:#cbd5e1;stroke-width:1}
.chart .tick{stroke:#cbd5e1}
.chart text{font:11px system-ui,sans-serif;fill:#64748b}
.chart .wlab{font-size:10px;fill:#94a3b8}
.chart .window{fill:#f1f5f9}
.chart .line{fill:none;stroke:var(--accent);stroke-width:2;stroke-linejoin:round}
.chart .line.leak{stroke:var(--bad)}
.chart .area{fill:rgba(37,99,235,.07);stroke:none}
.chart .area.leak{fill:rgba(220,38,38,.07)}
.chart .pt{fill:var(--accent)}
.chart .pt.leak{fill:var(--bad)}
.chart .fit{stroke:#0f172a;stroke-width:1.6;stroke-dasharray:6 4}
.chart .fit.leak{stroke:#7f1d1d}
.nochart{color:var(--muted);padding:30px 0;text-align:center;font-size:13px}
.own .kv .v{font-size:15px}
footer{margin-top:34px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:12px}
@media (max-width:640px){main{padding:16px}.grid{grid-template-columns:1fr}.meta{margin-left:0}}
`;

module.exports = { STYLE };
