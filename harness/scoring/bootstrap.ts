/**
 * How sure is a leaderboard? Bootstrap intervals for workload times and benchmark
 * scores, and a paired test of "A is faster than B".
 *
 * With 3–5 studies of 5–20 trials, a workload time is a median of a handful of
 * minima, and two submissions a few percent apart may swap places on a rerun. The
 * intervals make that visible. Everything is seeded, so a report is reproducible.
 */
import { AlgobenchError } from '../core/errors.ts';
import { createRng } from '../core/rng.ts';
import type { Rng } from '../spec.ts';
import { bestTime, median } from './aggregate.ts';
import { DEFAULT_MAX_TAU, performanceProfile } from './profile.ts';

/** Times of one submission on one workload: `[study][trial]`, Infinity = missed. */
export type StudyTimes = readonly (readonly number[])[];

/** Study × trial tables by submission, then workload. A missing workload = missed. */
export type TrialTables = Readonly<Record<string, Readonly<Record<string, StudyTimes>>>>;

export interface BootstrapOptions {
  /** Seed of the resampling. @default 0 */
  readonly seed?: number;
  /** Number of bootstrap resamples. @default 1000 */
  readonly resamples?: number;
  /** Coverage of the two-sided percentile interval. @default 0.95 */
  readonly confidence?: number;
  /** τ_max of the performance profile. @default 4 */
  readonly maxTau?: number;
}

/** A point estimate (from the data as measured) and its percentile interval. */
export interface Interval {
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
}

export interface SubmissionIntervals {
  readonly score: Interval;
  readonly workloadTimes: Readonly<Record<string, Interval>>;
}

export interface BootstrapResult {
  readonly confidence: number;
  readonly resamples: number;
  readonly submissions: Readonly<Record<string, SubmissionIntervals>>;
}

/**
 * Two-level bootstrap: each resample draws the studies with replacement and, within
 * each drawn study, its trials with replacement (the two sources of variation: the
 * quasi-random draw of a study and the noise of single trials), recomputes every
 * workload time, then every score against the resampled times of all submissions.
 *
 * Percentile intervals, not bias-corrected: the best of resampled trials can never
 * beat the best measured trial, so the intervals of workload times lean slow. Read
 * them as a spread, not as an unbiased estimate.
 */
export function bootstrapScores(
  tables: TrialTables,
  workloads: readonly string[],
  options: BootstrapOptions = {},
): BootstrapResult {
  const resamples = options.resamples ?? 1000;
  const confidence = options.confidence ?? 0.95;
  const maxTau = options.maxTau ?? DEFAULT_MAX_TAU;
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new AlgobenchError('E_USAGE', `bootstrap: resamples must be a positive integer, got ${resamples}`);
  }
  if (!(confidence > 0 && confidence < 1)) {
    throw new AlgobenchError('E_USAGE', `bootstrap: confidence must be between 0 and 1 (e.g. 0.95), got ${confidence}`);
  }
  const rng = createRng(options.seed ?? 0);
  const names = Object.keys(tables);

  const timesOf = (draw: (studies: StudyTimes) => number): Record<string, Record<string, number>> => {
    const out: Record<string, Record<string, number>> = {};
    for (const s of names) {
      const row: Record<string, number> = {};
      for (const w of workloads) row[w] = draw(tables[s]?.[w] ?? []);
      out[s] = row;
    }
    return out;
  };
  const pointTimes = timesOf((studies) => median(studies.map(bestTime)));
  const pointScores = performanceProfile(pointTimes, workloads, { maxTau }).scores;

  const scoreDraws: Record<string, number[]> = {};
  const timeDraws: Record<string, Record<string, number[]>> = {};
  for (const s of names) {
    scoreDraws[s] = [];
    timeDraws[s] = Object.fromEntries(workloads.map((w) => [w, [] as number[]]));
  }
  for (let b = 0; b < resamples; b++) {
    const times = timesOf((studies) => resampledWorkloadTime(studies, rng));
    const scores = performanceProfile(times, workloads, { maxTau }).scores;
    for (const s of names) {
      scoreDraws[s]?.push(scores[s] ?? 0);
      for (const w of workloads) timeDraws[s]?.[w]?.push(times[s]?.[w] ?? Infinity);
    }
  }

  const alpha = (1 - confidence) / 2;
  const interval = (estimate: number, draws: number[]): Interval => {
    const sorted = draws.sort(ascending);
    return { estimate, lower: quantile(sorted, alpha), upper: quantile(sorted, 1 - alpha) };
  };
  const submissions: Record<string, SubmissionIntervals> = {};
  for (const s of names) {
    const workloadTimes: Record<string, Interval> = {};
    for (const w of workloads) {
      workloadTimes[w] = interval(pointTimes[s]?.[w] ?? Infinity, timeDraws[s]?.[w] ?? []);
    }
    submissions[s] = { score: interval(pointScores[s] ?? 0, scoreDraws[s] ?? []), workloadTimes };
  }
  return { confidence, resamples, submissions };
}

/** One bootstrap draw of median-over-studies of best-trial. */
function resampledWorkloadTime(studies: StudyTimes, rng: Rng): number {
  const bests: number[] = [];
  for (let i = 0; i < studies.length; i++) {
    const trials = studies[rng.int(studies.length)] ?? [];
    let best = Infinity;
    for (let j = 0; j < trials.length; j++) best = Math.min(best, trials[rng.int(trials.length)] ?? Infinity);
    bests.push(best);
  }
  return median(bests);
}

/** Sort order with Infinity last and no NaN from ∞ − ∞. */
function ascending(a: number, b: number): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

/**
 * The q-quantile of ascending values, interpolating linearly between neighbours
 * (numpy's default, "type 7"); a neighbour at Infinity makes the result Infinity.
 */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Infinity;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const frac = pos - lo;
  const a = sorted[lo] ?? Infinity;
  if (frac === 0) return a;
  const b = sorted[lo + 1] ?? Infinity;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b ? a : Infinity;
  return a + (b - a) * frac;
}

/** Paired times of two submissions: `a[i]` and `b[i]` ran the same slot. */
export interface TrialPairs {
  readonly a: number[];
  readonly b: number[];
}

/**
 * Pairs trials that share workload, study index and trial index: under external
 * tuning those share the seed and the hyperparameter draw position, so pairing removes
 * the workload and study differences that dominate unpaired comparisons. Slots present
 * for only one side are left out.
 */
export function pairTrials(
  a: Readonly<Record<string, StudyTimes>>,
  b: Readonly<Record<string, StudyTimes>>,
  workloads: readonly string[],
): TrialPairs {
  const pairs: TrialPairs = { a: [], b: [] };
  for (const w of workloads) {
    const sa = a[w] ?? [];
    const sb = b[w] ?? [];
    for (let s = 0; s < Math.min(sa.length, sb.length); s++) {
      const ta = sa[s] ?? [];
      const tb = sb[s] ?? [];
      for (let t = 0; t < Math.min(ta.length, tb.length); t++) {
        pairs.a.push(ta[t] ?? Infinity);
        pairs.b.push(tb[t] ?? Infinity);
      }
    }
  }
  return pairs;
}

export interface SignTestResult {
  /** Number of pairs. */
  readonly n: number;
  /** Pairs where A was faster (a miss is slower than any finite time). */
  readonly wins: number;
  readonly losses: number;
  /** Equal times, including both missed; each counts half a win. */
  readonly ties: number;
  /** One-sided p-value of "A is faster than B"; 1 with no pairs. */
  readonly pValue: number;
}

/**
 * Exact one-sided sign test that A is faster than B on paired trials.
 *
 * Why the sign test: times to target are heavy-tailed and often Infinity, so a mean
 * difference (t-test, or a permutation test on differences) is undefined or ruled by
 * one slow trial. The sign test uses only which side of each pair was faster, so it
 * is exact for any distribution and Infinity needs no special value.
 *
 * Statistic W = wins + ties/2; under H0 (each pair equally likely either way) the
 * p-value is P(X ≥ W) with X ~ Binomial(n, 1/2). When W is a half-integer (an odd
 * number of ties) the leftover half tie is resolved by averaging both outcomes:
 * p = (P(X ≥ ⌊W⌋) + P(X ≥ ⌈W⌉)) / 2.
 */
export function pairedSignTest(a: readonly number[], b: readonly number[]): SignTestResult {
  if (a.length !== b.length) {
    throw new RangeError(`pairedSignTest: ${a.length} times for A but ${b.length} for B; pass paired lists`);
  }
  let wins = 0;
  let losses = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? Infinity;
    const y = b[i] ?? Infinity;
    if (x < y) wins++;
    else if (y < x) losses++;
  }
  const n = a.length;
  const ties = n - wins - losses;
  const twiceW = 2 * wins + ties;
  const pValue =
    n === 0
      ? 1
      : twiceW % 2 === 0
        ? binomialUpperTail(n, twiceW / 2)
        : (binomialUpperTail(n, (twiceW - 1) / 2) + binomialUpperTail(n, (twiceW + 1) / 2)) / 2;
  return { n, wins, losses, ties, pValue };
}

/** P(X ≥ k) for X ~ Binomial(n, 1/2), summed in log space so large n does not underflow. */
export function binomialUpperTail(n: number, k: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  const logHalfN = -n * Math.LN2;
  // log C(n, j) for j = 0..n, built up term by term.
  const logC: number[] = [0];
  for (let j = 1; j <= n; j++) logC.push((logC[j - 1] ?? 0) + Math.log(n - j + 1) - Math.log(j));
  let sum = 0;
  for (let j = n; j >= k; j--) sum += Math.exp((logC[j] ?? 0) + logHalfN);
  return Math.min(1, sum);
}
