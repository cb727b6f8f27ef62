// Zero-code start for ES module apps: `node --import leakguard/register app.mjs`.
// Same as register.js (one start per thread, however often it is loaded).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const state = require('./register.js');

export default state;
