/**
 * AlgoPerf-style scoring as pure functions over times in seconds (Infinity = missed):
 * trial times → workload times (aggregate) → performance profiles and benchmark
 * scores (profile), speedups against a reference (speedup), bootstrap intervals and
 * a paired test (bootstrap), AlgoPerf v0.5's held-out-workload rule (variant_rule), and
 * the times file → JSON-ready report (table).
 */
export { bestTime, median, workloadTime } from './aggregate.ts';
export {
  DEFAULT_MAX_TAU,
  benchmarkScore,
  performanceProfile,
  performanceRatios,
  profileSteps,
  rho,
} from './profile.ts';
export type {
  PerformanceProfile,
  ProfileOptions,
  ProfileStep,
  RatiosBySubmission,
  TimesBySubmission,
} from './profile.ts';
export { geomeanSpeedup } from './speedup.ts';
export type { SpeedupInput, SpeedupResult } from './speedup.ts';
export { binomialUpperTail, bootstrapScores, pairTrials, pairedSignTest, quantile } from './bootstrap.ts';
export type {
  BootstrapOptions,
  BootstrapResult,
  Interval,
  SignTestResult,
  StudyTimes,
  SubmissionIntervals,
  TrialPairs,
  TrialTables,
} from './bootstrap.ts';
export { parseTimesTable, scoreTable } from './table.ts';
export { VARIANT_RULE_FACTOR, applyVariantRule } from './variant_rule.ts';
export type { BaseVoid, VariantFailure, VariantRuleResult } from './variant_rule.ts';
export type { JsonTime, ScoreReport, ScoreTableOptions, ScoredSubmission, TimesTable } from './table.ts';
