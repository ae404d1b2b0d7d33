/**
 * What `algobench compare` reports: per workload and overall, the speedup of B over A
 * with its always-valid interval, the test, its p-value, the pairs and a verdict in
 * words. Pure: built from the pairs' times (scoring/sequential.ts does the
 * statistics); the CLI prints it and the compare page renders it.
 *
 * Pooling, stated once here and in docs/compare.md: the overall speedup is the
 * geometric mean of the per-workload median speedups; its interval is the geometric
 * mean of the per-workload intervals, each taken at α / W (so all W hold at once with
 * probability ≥ 1 − α, and then so does their mean); the overall test is of the
 * global null "no difference on any workload", by the mean of the per-workload
 * e-values (the mixture likelihood ratios at their stopping times; a mean of e-values
 * is an e-value without any independence), p = min(1, 1 / mean).
 */
import {
  logRatioSpread, medianInterval, normalCdf, pairsToDetect, sequentialSignTest, MAX_PAIRS_PLANNED,
  type Direction, type PairTimes,
} from '../scoring/sequential.ts';

export const COMPARE_TEST = 'sequential sign test (uniform-mixture SPRT, always-valid)';

export interface ComparisonSettings {
  readonly a: string;
  readonly b: string;
  readonly alpha: number;
  /** The smallest speedup worth detecting, as a fraction (0.05 = 5 %), for the "more pairs" estimate. */
  readonly minEffect: number;
  /** Power of that estimate. @default 0.8 */
  readonly power?: number;
}

/** A speedup of B over A (t_A / t_B; above 1: B is faster) and its interval; bounds may be 0 or Infinity. */
export interface Speedup {
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
}

export interface WorkloadComparison {
  readonly workload: string;
  /** Pairs the test used (up to its decision). */
  readonly pairs: number;
  readonly bWins: number;
  readonly aWins: number;
  /** Ties: equal times, and pairs where both missed. */
  readonly equal: number;
  readonly bothMissed: number;
  readonly aMissed: number;
  readonly bMissed: number;
  readonly speedup: Speedup;
  readonly pValue: number;
  readonly decided: Direction | undefined;
  /** Undecided only: more pairs to detect a minEffect speedup; null when not estimable or beyond the plan's cap. */
  readonly morePairs?: number | null;
  readonly verdict: string;
}

export interface Comparison {
  readonly a: string;
  readonly b: string;
  readonly alpha: number;
  readonly minEffect: number;
  readonly test: string;
  readonly workloads: readonly WorkloadComparison[];
  readonly overall: { readonly speedup: Speedup; readonly pValue: number; readonly decided: Direction | 'mixed' | undefined; readonly verdict: string };
}

/** `pairs` by workload, in the order they ran. */
export function summarizeComparison(settings: ComparisonSettings, pairs: ReadonlyArray<{ workload: string; pairs: readonly PairTimes[] }>): Comparison {
  const { alpha } = settings;
  const workloads = pairs.map(({ workload, pairs: p }) => workloadComparison(settings, workload, p));
  const count = Math.max(1, workloads.length);
  // Per-workload intervals at α / W for the pooled interval (see the top of this file).
  const strict = pairs.map(({ pairs: p }) => medianInterval(p.slice(0, sequentialSignTest(p, alpha).pairs), alpha / count));
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const speedup: Speedup = workloads.length === 0
    ? { estimate: NaN, lower: 0, upper: Infinity }
    : {
        estimate: Math.exp(mean(workloads.map((w) => Math.log(w.speedup.estimate)))),
        lower: Math.exp(mean(strict.map((s) => s.lower))),
        upper: Math.exp(mean(strict.map((s) => s.upper))),
      };
  const eValues = pairs.map(({ pairs: p }) => Math.exp(sequentialSignTest(p, alpha).logLR));
  const pValue = eValues.length === 0 ? 1 : Math.min(1, 1 / mean(eValues));
  const directions = new Set(workloads.map((w) => w.decided).filter((d) => d !== undefined));
  let decided: Direction | 'mixed' | undefined;
  if (pValue <= alpha) decided = directions.size > 1 ? 'mixed' : speedup.estimate >= 1 ? 'b_faster' : 'a_faster';
  return {
    a: settings.a,
    b: settings.b,
    alpha,
    minEffect: settings.minEffect,
    test: COMPARE_TEST,
    workloads,
    overall: { speedup, pValue, decided, verdict: overallVerdict(settings, workloads, speedup, pValue, decided) },
  };
}

function workloadComparison(settings: ComparisonSettings, workload: string, all: readonly PairTimes[]): WorkloadComparison {
  const { alpha } = settings;
  const test = sequentialSignTest(all, alpha);
  const used = all.slice(0, test.pairs);
  const interval = medianInterval(used, alpha);
  const speedup = { estimate: Math.exp(interval.estimate), lower: Math.exp(interval.lower), upper: Math.exp(interval.upper) };
  const base = {
    workload,
    pairs: test.pairs,
    bWins: test.bWins,
    aWins: test.aWins,
    equal: test.equal,
    bothMissed: test.bothMissed,
    aMissed: test.aMissed,
    bMissed: test.bMissed,
    speedup,
    pValue: test.pValue,
    decided: test.decided,
  };
  if (test.decided !== undefined) return { ...base, verdict: decidedVerdict(settings, base) };
  const morePairs = morePairsNeeded(settings, used, test.bWins, test.aWins, interval.estimate);
  return { ...base, morePairs, verdict: undecidedVerdict(settings, base, morePairs) };
}

/**
 * More pairs to detect a speedup of minEffect, in the direction seen so far, with the
 * requested power: each new pair is a win with probability Φ(log(1 + minEffect) / σ),
 * σ the measured spread of the log ratios (a normal model of the pairs' noise); ties
 * keep their measured rate.
 */
function morePairsNeeded(settings: ComparisonSettings, used: readonly PairTimes[], bWins: number, aWins: number, estimate: number): number | null {
  const spread = logRatioSpread(used);
  if (spread === undefined) return null;
  const shift = Math.log(1 + settings.minEffect);
  const pWin = spread === 0 ? 1 : normalCdf(shift / spread);
  const towardB = !(estimate < 0);
  const extra = pairsToDetect({
    wins: towardB ? bWins : aWins,
    losses: towardB ? aWins : bWins,
    pWin,
    alpha: settings.alpha,
    power: settings.power ?? 0.8,
  });
  if (extra === undefined) return null;
  const tieRate = used.length === 0 ? 0 : (used.length - bWins - aWins) / used.length;
  return tieRate >= 1 ? null : Math.ceil(extra / (1 - tieRate));
}

/**
 * 1.3137 → "1.31×". A median that lands on a miss (0: B missed in at least half the
 * pairs with a result; ∞: A did; NaN: no ratio, or one miss of each side in the middle)
 * is no speedup at all: "unknown", which speedupText explains in words.
 */
export function formatSpeedup(x: number): string {
  if (!Number.isFinite(x) || x <= 0) return 'unknown';
  return `${x.toFixed(2)}×`;
}

/**
 * The interval in words: "1.18–1.45×"; an end that misses leave open reads as a one-sided
 * bound ("at least 1.18×", "at most 0.80×"), both ends open as "unbounded". Never "0–∞".
 */
export function formatInterval(s: Speedup): string {
  const lowerOpen = !(s.lower > 0 && Number.isFinite(s.lower));
  const upperOpen = !(s.upper > 0 && Number.isFinite(s.upper));
  if (lowerOpen && upperOpen) return 'unbounded';
  if (lowerOpen) return `at most ${formatSpeedup(s.upper)}`;
  if (upperOpen) return `at least ${formatSpeedup(s.lower)}`;
  return `${s.lower.toFixed(2)}–${formatSpeedup(s.upper)}`;
}

/** The misses behind a workload's speedup, to say why it has no number. */
type MissCounts = Pick<WorkloadComparison, 'pairs' | 'bothMissed' | 'aMissed' | 'bMissed'>;

/**
 * A workload's speedup and interval as the verdict writes them: "1.31× (1.18–1.45×)", or,
 * when the median pair is a miss, why there is no number ("speedup unknown: nesterov never
 * reached the target").
 */
export function speedupText(s: Speedup, w: MissCounts, names: { a: string; b: string }): string {
  if (Number.isFinite(s.estimate) && s.estimate > 0) return `${formatSpeedup(s.estimate)} (${formatInterval(s)})`;
  const withResult = w.pairs - w.bothMissed;
  if (withResult === 0) return 'speedup unknown: no pair reached the target on either side';
  const missed = (name: string, count: number) =>
    count === withResult ? `${name} never reached the target` : `${name} missed the target in ${count} of ${withResult} pairs`;
  if (s.estimate === 0) return `speedup unknown: ${missed(names.b, w.bMissed)}`;
  if (s.estimate === Infinity) return `speedup unknown: ${missed(names.a, w.aMissed)}`;
  return `speedup unknown: ${missed(names.a, w.aMissed)} and ${missed(names.b, w.bMissed)}`;
}

export function formatP(p: number): string {
  if (p < 0.001) return 'p < 0.001';
  return `p = ${p < 0.01 ? p.toFixed(4) : p.toFixed(3)}`;
}

const alphaText = (alpha: number) => `α = ${alpha}`;
const pairsText = (n: number) => `${n} paired trial${n === 1 ? '' : 's'}`;

function decidedVerdict(settings: ComparisonSettings, w: Omit<WorkloadComparison, 'verdict'>): string {
  const [faster, slower] = w.decided === 'b_faster' ? [settings.b, settings.a] : [settings.a, settings.b];
  return `${faster} is faster than ${slower} on ${w.workload}: ${speedupText(w.speedup, w, settings)}, ${formatP(w.pValue)}, ${pairsText(w.pairs)} (sequential sign test at ${alphaText(settings.alpha)})`;
}

function undecidedVerdict(settings: ComparisonSettings, w: Omit<WorkloadComparison, 'verdict'>, more: number | null): string {
  const numbers = speedupText(w.speedup, w, settings);
  const head = `no detectable difference on ${w.workload} at this budget (${numbers}, ${formatP(w.pValue)}, ${pairsText(w.pairs)})`;
  const effect = `a ${Math.round(settings.minEffect * 1000) / 10} % speedup`;
  const power = `${Math.round((settings.power ?? 0.8) * 100)} % power`;
  if (more === null) {
    return w.pairs - w.bothMissed < 3
      ? `${head}; too few pairs with a reached target to estimate how many more would detect ${effect}`
      : `${head}; more than ${MAX_PAIRS_PLANNED} more pairs would be needed to detect ${effect} at ${alphaText(settings.alpha)} with ${power}`;
  }
  return `${head}; about ${more} more pairs would detect ${effect} at ${alphaText(settings.alpha)} with ${power}`;
}

function overallVerdict(settings: ComparisonSettings, workloads: readonly WorkloadComparison[], speedup: Speedup, pValue: number, decided: Direction | 'mixed' | undefined): string {
  const over = `over ${workloads.length} workload${workloads.length === 1 ? '' : 's'}`;
  const unknown = workloads.filter((w) => !(Number.isFinite(w.speedup.estimate) && w.speedup.estimate > 0)).map((w) => w.workload);
  const pooled = unknown.length === 0
    ? `${formatSpeedup(speedup.estimate)} (${formatInterval(speedup)})`
    : `speedup unknown: none on ${unknown.join(', ')}`;
  const numbers = `${pooled}, ${formatP(pValue)}`;
  if (decided === 'mixed') return `overall: mixed, ${over} each of ${settings.a} and ${settings.b} is significantly faster somewhere (${numbers})`;
  if (decided === undefined) return `overall: no detectable difference ${over} at ${alphaText(settings.alpha)} (${numbers})`;
  const [faster, slower] = decided === 'b_faster' ? [settings.b, settings.a] : [settings.a, settings.b];
  return `overall: ${faster} is faster than ${slower} ${over}: ${numbers} (geometric mean of per-workload speedups; mean of e-values)`;
}
