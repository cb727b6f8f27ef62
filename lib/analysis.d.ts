// Types for lib/analysis.js (issue 5).
export {};
