/**
 * Is B faster than A? A sequential paired test that stays valid however often it is
 * looked at (`algobench compare` looks after every pair and stops at the decision).
 * Pure functions over times in seconds (Infinity = missed); docs/compare.md says why
 * this design and not another.
 *
 * The test: a sign test made sequential by mixing. Each pair of trials (same seed,
 * same study, same trial index) gives a sign: +1 when B reached the target sooner, -1
 * when A did, 0 for a tie. Under the null hypothesis (A and B exchangeable within a
 * pair) the non-tied signs are fair coins. The statistic is the likelihood ratio of
 * a uniform mixture over the coin's bias against the fair coin,
 *     LR_n = ∫₀¹ pʷ (1−p)ˡ dp / 2⁻ⁿ = 2ⁿ · w! l! / (n + 1)!     (w wins of B, l of A, n = w + l),
 * a non-negative martingale under the null, so by Ville's inequality
 * P(sup_n LR_n ≥ 1/α) ≤ α: rejecting the first time LR_n ≥ 1/α is a level-α test
 * at any stopping time, and p_n = min(1, 1 / max_{k≤n} LR_k) is an always-valid
 * p-value. The test is two-sided; the direction is the side with more wins.
 *
 * Misses are censored times, handled by the sign: a trial that missed its target
 * (budget exhausted, diverged, error, any failure) is slower than any reached time of
 * the other side, and a pair where both missed is a tie. Ties (both missed, or equal
 * times) carry no sign and are dropped from the test, as in the classical sign test;
 * they are counted and reported.
 *
 * The interval: the median paired log ratio log(t_A / t_B) (a miss is +∞ or −∞,
 * both-missed pairs are left out) with the confidence sequence that inverts the same
 * test: θ is excluded once the sign test of "median = θ" has crossed 1/α at some
 * look. Its running intersection covers the true median at every look with
 * probability ≥ 1 − α, and it excludes 0 exactly when the test has decided.
 */

/** One pair: the two sides' times-to-target in seconds, Infinity for a miss. */
export interface PairTimes {
  readonly a: number;
  readonly b: number;
}

/** +1: B reached sooner; -1: A did; 0: a tie (equal times or both missed). */
export type PairSign = 1 | -1 | 0;

export function pairSign(pair: PairTimes): PairSign {
  if (pair.a === pair.b) return 0;
  return pair.b < pair.a ? 1 : -1;
}

/**
 * log(t_A / t_B): positive when B is faster; +∞ when only A missed, −∞ when only B
 * did, undefined when both missed (no ratio exists).
 */
export function logRatio(pair: PairTimes): number | undefined {
  const aMissed = pair.a === Infinity;
  const bMissed = pair.b === Infinity;
  if (aMissed && bMissed) return undefined;
  if (aMissed) return Infinity;
  if (bMissed) return -Infinity;
  return Math.log(pair.a / pair.b);
}

const logFactorials: number[] = [0];
function logFactorial(k: number): number {
  for (let i = logFactorials.length; i <= k; i++) logFactorials.push(logFactorials[i - 1]! + Math.log(i));
  return logFactorials[k]!;
}

/** ln LR of w wins against l losses: n ln 2 + ln w! + ln l! − ln (n + 1)!. */
export function logMixtureRatio(wins: number, losses: number): number {
  const n = wins + losses;
  return n * Math.LN2 + logFactorial(wins) + logFactorial(losses) - logFactorial(n + 1);
}

export type Direction = 'b_faster' | 'a_faster';

export interface SequentialDecision {
  /** Pairs used: up to and including the decision, or all when undecided. */
  readonly pairs: number;
  /** Pairs given beyond the decision (a re-run with the same α never runs them). */
  readonly ignored: number;
  readonly bWins: number;
  readonly aWins: number;
  /** Equal times (both reached). */
  readonly equal: number;
  readonly bothMissed: number;
  readonly aMissed: number;
  readonly bMissed: number;
  /** ln LR at the last pair used: an e-value's log, valid at this stopping time. */
  readonly logLR: number;
  /** Always-valid p-value: min(1, 1 / max LR over the looks so far). */
  readonly pValue: number;
  /** Set once LR crossed 1/α; the pair count is then the decision's. */
  readonly decided: Direction | undefined;
}

/** Runs the sequential sign test over `pairs` in order, stopping at the first crossing of 1/α. */
export function sequentialSignTest(pairs: readonly PairTimes[], alpha: number): SequentialDecision {
  checkAlpha(alpha);
  const threshold = -Math.log(alpha);
  let bWins = 0, aWins = 0, equal = 0, bothMissed = 0, aMissed = 0, bMissed = 0;
  let maxLogLR = 0;
  let used = 0;
  let decided: Direction | undefined;
  for (const pair of pairs) {
    used += 1;
    const sign = pairSign(pair);
    if (pair.a === Infinity && pair.b === Infinity) bothMissed += 1;
    else if (pair.a === Infinity) aMissed += 1;
    else if (pair.b === Infinity) bMissed += 1;
    if (sign === 1) bWins += 1;
    else if (sign === -1) aWins += 1;
    else if (pair.a !== Infinity) equal += 1;
    const logLR = logMixtureRatio(bWins, aWins);
    maxLogLR = Math.max(maxLogLR, logLR);
    if (logLR >= threshold) {
      decided = bWins > aWins ? 'b_faster' : 'a_faster';
      break;
    }
  }
  return {
    pairs: used,
    ignored: pairs.length - used,
    bWins, aWins, equal, bothMissed, aMissed, bMissed,
    logLR: logMixtureRatio(bWins, aWins),
    pValue: Math.min(1, Math.exp(-maxLogLR)),
    decided,
  };
}

/** The median of values that may hold ±Infinity (an even count averages the middle two). */
export function medianOf(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** A median paired log ratio with its always-valid interval (bounds may be ±Infinity). */
export interface LogRatioInterval {
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
}

/**
 * The median of the pairs' log ratios and the running intersection of the
 * confidence sequence that inverts the sign test (see the top of this file).
 * Between consecutive data values the win/loss counts of every look are constant, so
 * testing one θ per region (each value, each gap between values, and the two open
 * ends) is exact. Empty only if the data drifted so much that no θ survives every
 * look; the interval is then the estimate alone.
 */
export function medianInterval(pairs: readonly PairTimes[], alpha: number): LogRatioInterval {
  checkAlpha(alpha);
  const ratios = pairs.map(logRatio);
  const known = ratios.filter((r): r is number => r !== undefined);
  const estimate = medianOf(known);
  if (known.length === 0) return { estimate, lower: -Infinity, upper: Infinity };
  const values = [...new Set(known.filter(Number.isFinite))].sort((x, y) => x - y);
  // Regions in order: (−∞, v₀), v₀, (v₀, v₁), v₁, …, v_last, (v_last, ∞); each with a
  // representative θ and its edges.
  const regions: Array<{ theta: number; lower: number; upper: number }> = [];
  if (values.length === 0) regions.push({ theta: 0, lower: -Infinity, upper: Infinity });
  values.forEach((v, i) => {
    const below = i === 0 ? v - 1 : (values[i - 1]! + v) / 2;
    regions.push({ theta: below, lower: i === 0 ? -Infinity : values[i - 1]!, upper: v });
    regions.push({ theta: v, lower: v, upper: v });
    if (i === values.length - 1) regions.push({ theta: v + 1, lower: v, upper: Infinity });
  });
  const threshold = -Math.log(alpha);
  const kept = regions.filter(({ theta }) => {
    let above = 0, below = 0;
    for (const r of ratios) {
      if (r !== undefined) {
        if (r > theta) above += 1;
        else if (r < theta) below += 1;
      }
      if (logMixtureRatio(above, below) >= threshold) return false;
    }
    return true;
  });
  if (kept.length === 0) return { estimate, lower: estimate, upper: estimate };
  return { estimate, lower: kept[0]!.lower, upper: kept[kept.length - 1]!.upper };
}

/** Φ, the standard normal CDF (Abramowitz & Stegun 7.1.26 for erf, |error| < 1.5e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-z * z);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/**
 * The spread of the finite log ratios: 1.4826 × their median absolute deviation (the
 * normal's σ, robust to a stray slow trial); undefined with fewer than 3.
 */
export function logRatioSpread(pairs: readonly PairTimes[]): number | undefined {
  const finite = pairs.map(logRatio).filter((r): r is number => r !== undefined && Number.isFinite(r));
  if (finite.length < 3) return undefined;
  const m = medianOf(finite);
  return 1.4826 * medianOf(finite.map((r) => Math.abs(r - m)));
}

/** Beyond this many more pairs, pairsToDetect says "more than" instead of a number. */
export const MAX_PAIRS_PLANNED = 5_000;

/**
 * How many more non-tied pairs the test needs, continuing from `wins` and `losses`,
 * to decide in the direction of the wins with probability `power` when each new pair
 * is a win with probability `pWin`. Exact: the distribution of the win count is
 * carried forward pair by pair, and paths that cross 1/α are absorbed. Returns
 * undefined beyond MAX_PAIRS_PLANNED.
 */
export function pairsToDetect(input: { wins: number; losses: number; pWin: number; alpha: number; power: number }): number | undefined {
  const { wins, losses, pWin, alpha, power } = input;
  checkAlpha(alpha);
  const threshold = -Math.log(alpha);
  // mass[j]: probability of j new wins among the pairs so far, not yet absorbed.
  let mass = [1];
  let detected = 0;
  for (let extra = 1; extra <= MAX_PAIRS_PLANNED; extra++) {
    const next = new Array<number>(extra + 1).fill(0);
    mass.forEach((m, j) => {
      next[j + 1]! += m * pWin;
      next[j]! += m * (1 - pWin);
    });
    for (let j = 0; j <= extra; j++) {
      const w = wins + j;
      const l = losses + extra - j;
      if (next[j]! > 0 && logMixtureRatio(w, l) >= threshold) {
        if (w > l) detected += next[j]!;
        next[j] = 0;
      }
    }
    if (detected >= power) return extra;
    mass = next;
  }
  return undefined;
}

function checkAlpha(alpha: number): void {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must lie in (0, 1), got ${alpha}`);
}
