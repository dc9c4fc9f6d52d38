// Intervals and verdicts for the reproduction report.
export * from './intervals.ts';
export * from './verdict.ts';
