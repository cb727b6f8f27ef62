'use strict';
// Healthy: a report generator with a high allocation rate (~20 MB/s of short-lived
// objects) and bursts that hold 20-60 MB for a few seconds before releasing them, so
// heapUsed saws up and down while the live set stays bounded.
let held = null;
let checksum = 0;

function churn() {
  const rows = [];
  for (let i = 0; i < 2000; i++) rows.push({ i, label: `row-${i}`, v: Math.random() });
  checksum += JSON.stringify(rows).length;
}

function burst() {
  const mb = 20 + Math.floor(Math.random() * 40);
  held = Array.from({ length: mb * 64 }, (_, i) => new Array(2000).fill(i));
  setTimeout(() => { held = null; }, 1000 + Math.random() * 3000);
}

setInterval(churn, 10);
setInterval(burst, 6000);
setInterval(() => checksum + (held ? held.length : 0), 10000);
