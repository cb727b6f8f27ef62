#!/usr/bin/env node
'use strict';
// leakguard CLI (docs/cli.md):
//   leakguard analyze FILE              heap snapshot summary
//   leakguard diff BEFORE AFTER         what grew between two heap snapshots
//   leakguard report SAVED.json         HTML report from a saved report({ history: true })
//   leakguard run [options] -- CMD...   run an app with leakguard preloaded
// Results go to stdout (tables, or JSON with --json), progress and logs to stderr.
// Exit codes: 0 ok, 1 error, 2 usage error, 3 leak found (run).
const { parseArgs } = require('node:util');

const EXIT = { OK: 0, ERROR: 1, USAGE: 2, LEAK: 3 };

const EXIT_CODES = `Exit codes:
  0  done; for run: the app exited 0 and leakguard found no leak
  1  error (unreadable or invalid input file, output not writable, app not started)
  2  usage error (unknown command or option, bad value)
  3  run: leakguard found at least one leak
  run otherwise exits with the app's own code (128 + signal number when a signal ended it).`;

const USAGES = {
  main: `Usage: leakguard <command> [options]

Commands:
  analyze FILE            summarise a heap snapshot: classes, retained sizes, largest objects
  diff BEFORE AFTER       what grew between two heap snapshots, with retainer paths
  report SAVED.json       write the HTML report of a saved leakguard.report({ history: true })
  run [options] -- CMD    run CMD (e.g. node app.js) with leakguard preloaded; print its findings

Run 'leakguard <command> --help' for a command's options.

${EXIT_CODES}`,
  analyze: `Usage: leakguard analyze FILE [--top N] [--largest N] [--json] [--quiet] [--progress]

FILE: a .heapsnapshot file (gzip accepted), e.g. from v8.writeHeapSnapshot().
  --top N       classes to list (default 20, 0 = all)
  --largest N   largest objects to list with retainer paths (default 10)
  --json        print the full result as JSON
  -q, --quiet   no progress on stderr
  --progress    draw the progress bar even when stderr is not a terminal
                (on a terminal it appears when the work takes over a second)

${EXIT_CODES}`,
  diff: `Usage: leakguard diff BEFORE AFTER [--top N] [--paths N] [--json] [--quiet] [--progress]

BEFORE, AFTER: .heapsnapshot files (gzip accepted) of the same process.
  --top N       classes to list (default 20, 0 = all)
  --paths N     growing classes to show a retainer path for (default 5)
  --json        print the full result as JSON
  -q, --quiet   no progress on stderr
  --progress    draw the progress bar even when stderr is not a terminal

${EXIT_CODES}`,
  report: `Usage: leakguard report SAVED.json [-o OUT.html] [--title TEXT] [--json]

SAVED.json: JSON.stringify(leakguard.report({ history: true })) saved by the app
(or by 'leakguard run --save'). Writes one self-contained HTML page (0600).
  -o, --output FILE  the HTML file (default: SAVED with .html instead of .json)
  --title TEXT       page title (default 'leakguard report')
  --json             print { output, bytes, findings } as JSON instead of text

${EXIT_CODES}`,
  run: `Usage: leakguard run [options] -- CMD [ARGS...]

Runs CMD (e.g. 'node app.js') with leakguard/register preloaded through NODE_OPTIONS,
so every Node process CMD starts is monitored (settings: LEAKGUARD_* variables, see
docs/production.md). When the app exits, prints leakguard's findings.
  --interval-ms N      sampling tick, ms (LEAKGUARD_INTERVAL_MS; default 1000)
  --warmup-ms N        no finding before this, ms (LEAKGUARD_WARMUP_MS; default 30000)
  --sensitivity X      < 1 more sensitive, > 1 more conservative (LEAKGUARD_SENSITIVITY)
  --snapshot-dir DIR   heap snapshots near the memory limit go here (LEAKGUARD_SNAPSHOT_DIR)
  --no-snapshots       no near-limit heap snapshots (LEAKGUARD_SNAPSHOTS=false)
  --log FORMAT         json | pretty | off: leakguard's own log lines on stderr (LEAKGUARD_LOG)
  --report FILE.html   write the HTML report when the app exits
  --save FILE.json     save the report JSON (for 'leakguard report')
  --json               print a JSON summary on stdout; the app's stdout goes to stderr

${EXIT_CODES}`,
};

class UsageError extends Error {}

function usageFail(cmd, msg) {
  const hint = cmd === 'main' ? USAGES.main : `Run 'leakguard ${cmd} --help' for its options.`;
  throw new UsageError(`${msg}\n${hint}`);
}

function intOption(cmd, values, key, def) {
  if (values[key] === undefined) return def;
  const n = Number(values[key]);
  if (!Number.isInteger(n) || n < 0) usageFail(cmd, `--${key} must be a non-negative integer (got ${values[key]})`);
  return n;
}

function parse(cmd, args, options) {
  try {
    return parseArgs({ args, allowPositionals: true, options: { ...options, help: { type: 'boolean', short: 'h', default: false } } });
  } catch (err) {
    return usageFail(cmd, err.message);
  }
}

const SNAPSHOT_OPTIONS = {
  top: { type: 'string' },
  largest: { type: 'string' },
  paths: { type: 'string' },
  json: { type: 'boolean', default: false },
  quiet: { type: 'boolean', short: 'q', default: false },
  progress: { type: 'boolean', default: false },
};

function snapshotCommand(cmd, args) {
  const { values, positionals } = parse(cmd, args, SNAPSHOT_OPTIONS);
  if (values.help) return help(cmd);
  const { makeProgress } = require('../lib/cli/progress');
  const { printAnalysis, printDiff } = require('../lib/cli/snapshot-print');
  const analysis = require('../lib/analysis.js');
  if (cmd === 'analyze' && positionals.length !== 1) usageFail(cmd, 'analyze takes one FILE');
  if (cmd === 'diff' && positionals.length !== 2) usageFail(cmd, 'diff takes BEFORE and AFTER');
  if (cmd === 'analyze' && values.paths !== undefined) usageFail(cmd, '--paths is a diff option');
  if (cmd === 'diff' && values.largest !== undefined) usageFail(cmd, '--largest is an analyze option');
  const top = intOption(cmd, values, 'top', 20);
  const second = cmd === 'analyze' ? intOption(cmd, values, 'largest', 10) : intOption(cmd, values, 'paths', 5);
  const progress = makeProgress({ quiet: values.quiet, force: values.progress });
  try {
    const r = cmd === 'analyze'
      ? analysis.analyzeSnapshotSync(positionals[0], { top, largest: second, onProgress: progress })
      : analysis.diffSnapshotsSync(positionals[0], positionals[1], { top, paths: second, onProgress: progress });
    if (progress) progress.finish();
    if (values.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    else if (cmd === 'analyze') printAnalysis(positionals[0], r);
    else printDiff(positionals[0], positionals[1], r);
  } catch (err) {
    if (progress) progress.abort();
    throw err;
  }
  return EXIT.OK;
}

function help(cmd) {
  process.stdout.write(`${USAGES[cmd] || USAGES.main}\n`);
  return EXIT.OK;
}

function main(argv) {
  const [cmd, ...rest] = argv;
  if (cmd === undefined) usageFail('main', 'missing command');
  if (cmd === '-h' || cmd === '--help') return help('main');
  if (cmd === 'help') return help(rest[0] && USAGES[rest[0]] ? rest[0] : 'main');
  switch (cmd) {
    case 'analyze':
    case 'diff':
      return snapshotCommand(cmd, rest);
    case 'report': {
      const { values, positionals } = parse(cmd, rest, {
        output: { type: 'string', short: 'o' },
        title: { type: 'string' },
        json: { type: 'boolean', default: false },
      });
      if (values.help) return help(cmd);
      if (positionals.length !== 1) usageFail(cmd, 'report takes one SAVED.json');
      return require('../lib/cli/commands').report(positionals[0], values, EXIT);
    }
    case 'run': {
      const sep = rest.indexOf('--');
      const own = sep === -1 ? rest : rest.slice(0, sep);
      const command = sep === -1 ? [] : rest.slice(sep + 1);
      const { values, positionals } = parse(cmd, own, {
        'interval-ms': { type: 'string' },
        'warmup-ms': { type: 'string' },
        sensitivity: { type: 'string' },
        'snapshot-dir': { type: 'string' },
        'no-snapshots': { type: 'boolean', default: false },
        log: { type: 'string' },
        report: { type: 'string' },
        save: { type: 'string' },
        json: { type: 'boolean', default: false },
      });
      if (values.help) return help(cmd);
      if (positionals.length) usageFail(cmd, `unexpected '${positionals[0]}': put the command after '--' (leakguard run -- node app.js)`);
      if (!command.length) usageFail(cmd, "run needs a command after '--' (leakguard run -- node app.js)");
      return require('../lib/cli/commands').run(command, values, EXIT, (msg) => usageFail(cmd, msg));
    }
    default:
      return usageFail('main', `unknown command '${cmd}'`);
  }
}

// `leakguard analyze f | head`: a closed pipe ends the output quietly.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

function finish(code) {
  process.exitCode = code;
}

try {
  const r = main(process.argv.slice(2));
  if (r && typeof r.then === 'function') {
    r.then(finish, (err) => {
      process.stderr.write(`leakguard: ${err && err.message ? err.message : String(err)}\n`);
      finish(err instanceof UsageError ? EXIT.USAGE : EXIT.ERROR);
    });
  } else {
    finish(r);
  }
} catch (err) {
  process.stderr.write(`leakguard: ${err && err.message ? err.message : String(err)}\n`);
  finish(err instanceof UsageError ? EXIT.USAGE : EXIT.ERROR);
}
