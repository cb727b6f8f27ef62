'use strict';
// Healthy: each job is an EventEmitter, tracked with trackEmitter, with progress and
// done listeners; the job finishes after 50-500 ms and is dropped. 100 jobs/s.
const { EventEmitter } = require('node:events');
const { leakguard } = require('../harness');

let completed = 0;
let progress = 0;

class Job extends EventEmitter {
  constructor(id) {
    super();
    this.id = id;
  }
}

function startJob(id) {
  const job = leakguard.trackEmitter(new Job(id), { name: 'job' });
  job.on('progress', (p) => { progress += p; });
  job.on('progress', () => {});
  job.once('done', () => { completed++; });
  const steps = 1 + Math.floor(Math.random() * 5);
  for (let i = 1; i <= steps; i++) setTimeout(() => job.emit('progress', i / steps), i * 50 + Math.random() * 50);
  setTimeout(() => { job.emit('done'); job.removeAllListeners(); }, steps * 100);
}

let id = 0;
setInterval(() => { for (let i = 0; i < 10; i++) startJob(id++); }, 100);
