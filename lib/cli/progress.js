'use strict';
// Progress of snapshot analysis on stderr. On a terminal (or with --progress) a
// cli-progress bar per stage, shown once the work has run for a second (at once with
// --progress); otherwise one line per finished stage. Never on stdout.
const cliProgress = require('cli-progress');

const STAGE_LABELS = {
  parse: 'parse',
  distances: 'distances',
  dominators: 'dominators',
  retainedSizes: 'retained sizes',
  aggregates: 'aggregates',
  diff: 'diff',
  retainerPaths: 'retainer paths',
};
const SHOW_AFTER_MS = 1000;

/**
 * Returns an `onProgress(stage, fraction)` callback with `.finish()`, or undefined
 * when `quiet`. `force`: draw the bar even when stderr is not a terminal.
 */
function makeProgress({ quiet, force, stream = process.stderr }) {
  if (quiet) return undefined;
  const barMode = Boolean(force || stream.isTTY);
  const t0 = Date.now();
  let bar = null;
  let current = null;
  let started = 0;
  let parseCount = 0;
  const lines = [];
  const endStage = () => {
    if (current === null) return;
    const line = `${current.padEnd(16)} done in ${((Date.now() - started) / 1000).toFixed(2)} s`;
    if (barMode) lines.push(line);
    else stream.write(`leakguard: ${line}\n`);
    current = null;
  };
  const cb = (stage, fraction) => {
    if (stage === 'parse' && fraction === 0) parseCount += 1;
    let label = STAGE_LABELS[stage] || String(stage);
    if (stage === 'parse' && parseCount > 1) label = `parse #${parseCount}`;
    if (current !== label) {
      endStage();
      current = label;
      started = Date.now();
    }
    if (!barMode) return;
    if (!bar && (force || Date.now() - t0 >= SHOW_AFTER_MS)) {
      bar = new cliProgress.SingleBar(
        {
          stream,
          format: 'leakguard {stage} [{bar}] {percentage}% | {elapsed}s',
          barsize: 30,
          hideCursor: true,
          clearOnComplete: false,
          noTTYOutput: Boolean(force && !stream.isTTY),
          notTTYSchedule: 250,
          fps: 10,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(100, Math.round(Math.min(1, Math.max(0, fraction)) * 100), { stage: label.padEnd(14), elapsed: ((Date.now() - t0) / 1000).toFixed(1) });
    }
    if (bar) bar.update(Math.round(Math.min(1, Math.max(0, fraction)) * 100), { stage: label.padEnd(14), elapsed: ((Date.now() - t0) / 1000).toFixed(1) });
  };
  cb.finish = () => {
    endStage();
    if (bar) {
      bar.update(100);
      bar.stop();
      bar = null;
    }
    if (barMode && (force || Date.now() - t0 >= SHOW_AFTER_MS)) for (const l of lines) stream.write(`leakguard: ${l}\n`);
  };
  cb.abort = () => {
    if (bar) bar.stop();
    bar = null;
  };
  return cb;
}

module.exports = { makeProgress };
