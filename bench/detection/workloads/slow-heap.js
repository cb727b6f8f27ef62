'use strict';
// Leaky, slowly: a telemetry pipeline parses and aggregates ~10 MB/s of short-lived
// objects, and keeps one ~10 KB summary (with a sample of raw points) per batch in a history that is never trimmed
// (10 batches/s: ~100 KB/s retained).
const history = [];

function makeBatch(n) {
  return Array.from({ length: 250 }, (_, i) => ({ id: n * 1000 + i, name: `metric.${i % 40}`, value: Math.random(), tags: [`host-${i % 8}`, `region-${i % 3}`] }));
}

function summarize(batch) { // LEAK-FN
  const names = {};
  for (const p of batch) names[p.name] = (names[p.name] || 0) + p.value;
  return { at: Date.now(), names, sample: JSON.stringify(batch.slice(0, 100)) };
}

function tick(n) {
  // Garbage: serialize and parse the raw batch a few times (~1 MB per batch).
  let raw = makeBatch(n);
  for (let k = 0; k < 12; k++) raw = JSON.parse(JSON.stringify(raw));
  history.push(summarize(raw)); // LEAK-SITE
}

let n = 0;
setInterval(() => tick(n++), 100);
