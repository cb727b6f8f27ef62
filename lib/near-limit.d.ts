// Types for lib/near-limit.js (issue 4).
export {};
