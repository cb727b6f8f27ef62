'use strict';
// `leakguard report` and `leakguard run` (bin/leakguard.js parses the arguments).
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { renderReport, writeFileAtomic } = require('../html-report');
const { summaryLines } = require('./summary');
const F = require('../html-report/format');

const REGISTER = path.join(__dirname, '..', '..', 'register.js');
const PRELOAD = path.join(__dirname, 'run-preload.js');

function readReport(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  }
  let report;
  try {
    report = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${err.message})`);
  }
  if (!report || typeof report !== 'object' || !Array.isArray(report.findings)) {
    throw new Error(`${file} is not a leakguard report (expected the JSON of leakguard.report({ history: true }): an object with a findings array)`);
  }
  return report;
}

function writeHtml(out, report, title) {
  const html = renderReport(report, { title });
  writeFileAtomic(out, html);
  return Buffer.byteLength(html);
}

/** `leakguard report SAVED.json [-o OUT.html] [--title T] [--json]`. */
function report(file, values, EXIT) {
  const r = readReport(file);
  const out = path.resolve(values.output || (/\.json$/i.test(file) ? file.replace(/\.json$/i, '.html') : `${file}.html`));
  if (values.title !== undefined && values.title.length > 200) throw new Error('--title must be at most 200 characters');
  const bytes = writeHtml(out, r, values.title);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ output: out, bytes, findings: r.findings.length })}\n`);
  } else {
    process.stdout.write(`${summaryLines(r).join('\n')}\n\nwrote ${out} (${F.bytes(bytes)})\n`);
  }
  return EXIT.OK;
}

// NODE_OPTIONS value for a path (quoted when it has spaces or quotes).
function nodeOptionPath(p) {
  return /[\s"\\]/.test(p) ? `"${p.replace(/["\\]/g, '\\$&')}"` : p;
}

/** The child's environment: LEAKGUARD_* settings and the two preloads in NODE_OPTIONS. */
function childEnv(values, dir, usage) {
  const env = { ...process.env };
  const set = (name, v) => {
    if (v !== undefined) env[name] = String(v);
  };
  set('LEAKGUARD_INTERVAL_MS', values['interval-ms']);
  set('LEAKGUARD_WARMUP_MS', values['warmup-ms']);
  set('LEAKGUARD_SENSITIVITY', values.sensitivity);
  set('LEAKGUARD_SNAPSHOT_DIR', values['snapshot-dir']);
  if (values['no-snapshots']) env.LEAKGUARD_SNAPSHOTS = 'false';
  set('LEAKGUARD_LOG', values.log);
  if (env.LEAKGUARD_ENABLED !== undefined) delete env.LEAKGUARD_ENABLED;
  // The same checks register.js makes, before anything runs.
  try {
    require('../env-options').readEnvOptions(env, { isTTY: Boolean(process.stderr.isTTY) });
  } catch (err) {
    usage(err.message);
  }
  env._LEAKGUARD_RUN_DIR = dir;
  env.NODE_OPTIONS = `${env.NODE_OPTIONS ? `${env.NODE_OPTIONS} ` : ''}-r ${nodeOptionPath(REGISTER)} -r ${nodeOptionPath(PRELOAD)}`;
  return env;
}

// The reports the preload saved, one per Node process CMD started.
function readRunReports(dir) {
  const out = [];
  for (const name of fs.readdirSync(dir)) {
    if (!/^report-\d+\.json$/.test(name)) continue;
    try {
      const r = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
      if (r && r.report && Array.isArray(r.report.findings)) out.push(r);
    } catch {
      /* a process killed while writing: its temporary file is not a report-*.json */
    }
  }
  return out;
}

function ticks(p) {
  return (p.report.leakguard && p.report.leakguard.ticks) || 0;
}

function clipArgv(argv) {
  const s = (Array.isArray(argv) ? argv : []).map((a) => path.basename(String(a)) === String(a) ? a : path.relative(process.cwd(), String(a)) || a).join(' ');
  return s.length > 80 ? `${s.slice(0, 79)}…` : s;
}

/** `leakguard run [options] -- CMD ARGS...`. Resolves to the exit code. */
async function run(command, values, EXIT, usage) {
  if (values.log !== undefined && !['json', 'pretty', 'off'].includes(values.log)) usage(`--log must be json, pretty or off (got ${values.log})`);
  for (const k of ['interval-ms', 'warmup-ms', 'sensitivity']) {
    if (values[k] !== undefined && !/^\d+(\.\d+)?$/.test(values[k])) usage(`--${k} must be a number (got ${values[k]})`);
  }
  if (!fs.existsSync(REGISTER)) throw new Error(`leakguard/register not found at ${REGISTER}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakguard-run-'));
  try {
    const env = childEnv(values, dir, usage);
    const stdio = values.json ? ['inherit', process.stderr, 'inherit'] : 'inherit';
    const child = spawn(command[0], command.slice(1), { stdio, env });
    const forward = (sig) => () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    };
    const handlers = ['SIGINT', 'SIGTERM', 'SIGHUP'].map((sig) => [sig, forward(sig)]);
    for (const [sig, h] of handlers) process.on(sig, h);
    const { code, signal, error } = await new Promise((resolve) => {
      child.once('error', (err) => resolve({ error: err }));
      child.once('exit', (c, s) => resolve({ code: c, signal: s }));
    });
    for (const [sig, h] of handlers) process.removeListener(sig, h);
    if (error) throw new Error(`cannot start ${command[0]}: ${error.code === 'ENOENT' ? 'command not found' : error.message}`);
    const appStatus = signal ? 128 + (os.constants.signals[signal] || 0) : code;
    const processes = readRunReports(dir);
    // The process to report on: the one with the most findings, then the longest monitored
    // (CMD may be a wrapper such as npm: every Node process it starts is monitored).
    const main = processes.slice().sort((x, y) => y.report.findings.length - x.report.findings.length || ticks(y) - ticks(x))[0];
    const report = main ? main.report : null;
    const others = processes.filter((p) => p !== main).map((p) => ({ pid: p.pid, argv: p.argv, findings: p.report.findings }));
    const out = { app: { command, exitCode: code, signal }, report: report ? 'ok' : 'missing', pid: main ? main.pid : null, findings: report ? report.findings : [], otherProcesses: others, html: null, saved: null };
    if (report && values.save) {
      out.saved = path.resolve(values.save);
      writeFileAtomic(out.saved, JSON.stringify(report));
    }
    if (report && values.report) {
      out.html = path.resolve(values.report);
      writeHtml(out.html, report, `leakguard report: ${command.join(' ').slice(0, 150)}`);
    }
    if (report) out.leakguard = report.leakguard || null;
    if (values.json) {
      process.stdout.write(`${JSON.stringify(out)}\n`);
    } else {
      const lines = [''];
      if (!report) {
        lines.push(`leakguard: no report: the app ended (${signal || `exit code ${code}`}) before leakguard could save one${signal === 'SIGKILL' ? ' (SIGKILL cannot be caught)' : ''}, or leakguard did not start (see its log line above).`);
      } else if (report.running === false) {
        lines.push('leakguard: the monitor did not run in this app (see its log line above).');
      } else {
        if (processes.length > 1) lines.push(`leakguard: ${processes.length} Node processes monitored; findings of pid ${main.pid} (${clipArgv(main.argv)}):`, '');
        lines.push(...summaryLines(report));
        for (const o of others) {
          lines.push(`also monitored: pid ${o.pid} (${clipArgv(o.argv)}): ${o.findings.length ? `${o.findings.length} finding(s): ${o.findings.map((f) => `${f.kind} ${f.target}`).join(', ')}` : 'no leak found'}`);
        }
      }
      if (out.saved) lines.push(`report JSON: ${out.saved}`);
      if (out.html) lines.push(`HTML report: ${out.html}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    if (processes.some((p) => p.report.findings.length > 0)) return EXIT.LEAK;
    if (!report && appStatus === 0) return EXIT.ERROR;
    return appStatus;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { report, run, readReport };
