'use strict';
// Leaky: a job runner that reports each job's progress every second with setInterval,
// and forgets to clear the interval when the job completes. 5 jobs/s.
const jobs = new Map();
let nextId = 1;
let reported = 0;

function reportProgress(job) {
  reported += job.done ? 0 : 1;
}

function runJob() {
  const job = { id: nextId++, done: false, items: Array.from({ length: 16 }, (_, i) => i) };
  jobs.set(job.id, job);
  setInterval(() => reportProgress(job), 1000); // LEAK-SITE
  setTimeout(() => {
    job.done = true;
    jobs.delete(job.id);
  }, 50 + Math.random() * 400);
}

setInterval(runJob, 200);
setInterval(() => reported, 10000);
