'use strict';
// Healthy: each task arms a 1 s timeout; most tasks finish first and clear it, the
// slow ones hit it. The task rate follows a 20 s wave (20-200 tasks/s), and a debounce
// timer is re-armed on every task.
const tasks = new Set();
let timedOut = 0;
let flushed = 0;
let debounce = null;
const t0 = Date.now();

function runTask() {
  const task = { started: Date.now() };
  tasks.add(task);
  task.timer = setTimeout(() => { timedOut++; tasks.delete(task); }, 1000);
  setTimeout(() => {
    if (!tasks.has(task)) return;
    clearTimeout(task.timer);
    tasks.delete(task);
  }, Math.random() < 0.9 ? Math.random() * 300 : 1500);
  clearTimeout(debounce);
  debounce = setTimeout(() => { flushed++; }, 250);
}

function pump() {
  const phase = ((Date.now() - t0) % 20000) / 20000;
  const perTick = Math.round(2 + 18 * (0.5 - 0.5 * Math.cos(2 * Math.PI * phase)));
  for (let i = 0; i < perTick; i++) runTask();
}

setInterval(pump, 100);
