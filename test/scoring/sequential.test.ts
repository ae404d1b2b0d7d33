/**
 * The sequential paired test of `compare` on synthetic times (no trial runs, nothing
 * timed): its error rates by simulation, its handling of misses and ties, and its
 * numbers against references computed here from their definitions — the mixture
 * likelihood ratio by numerical integration, the confidence sequence by scanning a
 * fine grid of shifts, the pairs-to-detect plan by Monte Carlo.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../harness/core/rng.ts';
import {
  logMixtureRatio, medianInterval, pairsToDetect, sequentialSignTest, type PairTimes,
} from '../../harness/scoring/sequential.ts';
import type { Rng } from '../../harness/spec.ts';

const ALPHA = 0.01;
const MAX_PAIRS = 100;

/** A standard normal by Box–Muller from the seeded generator. */
function gaussian(rng: Rng): number {
  const u = Math.max(rng.next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/**
 * A time-to-target: log-normal around `median` with coefficient of variation `cv`,
 * a miss (Infinity) with probability `missRate`.
 */
function trialTime(rng: Rng, median: number, cv: number, missRate: number): number {
  if (rng.next() < missRate) return Infinity;
  const sigma = Math.sqrt(Math.log(1 + cv * cv));
  return median * Math.exp(sigma * gaussian(rng));
}

/** `n` pairs; B's median is A's divided by `speedup`. */
function simulatePairs(seed: number, n: number, speedup: number, { cv = 0.1, missRate = 0.05 } = {}): PairTimes[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => ({ a: trialTime(rng, 10, cv, missRate), b: trialTime(rng, 10 / speedup, cv, missRate) }));
}

/** ∫₀¹ pʷ(1−p)ˡ dp · 2ⁿ by composite Simpson's rule on 20,000 panels (no closed form used), memoized. */
const integrals = new Map<string, number>();
function integratedRatio(wins: number, losses: number): number {
  const key = `${wins},${losses}`;
  const known = integrals.get(key);
  if (known !== undefined) return known;
  const value = simpson(wins, losses);
  integrals.set(key, value);
  return value;
}
function simpson(wins: number, losses: number): number {
  const panels = 20_000;
  const h = 1 / panels;
  let sum = 0;
  for (let i = 0; i <= panels; i++) {
    const p = i * h;
    const f = p ** wins * (1 - p) ** losses;
    sum += f * (i === 0 || i === panels ? 1 : i % 2 === 1 ? 4 : 2);
  }
  return (sum * h) / 3 * 2 ** (wins + losses);
}

describe('the mixture likelihood ratio', () => {
  it.each([[0, 0], [1, 0], [3, 2], [10, 0], [11, 0], [17, 3], [30, 30], [5, 40]])('%i wins, %i losses: matches the integral', (w, l) => {
    const reference = integratedRatio(w, l);
    expect(Math.exp(logMixtureRatio(w, l)) / reference).toBeCloseTo(1, 6);
  });

  it('needs 11 straight wins to cross 1/α at α = 0.01 (2¹⁰/11 < 100 ≤ 2¹¹/12)', () => {
    const sweep = (n: number) => sequentialSignTest(Array.from({ length: n }, () => ({ a: 2, b: 1 })), ALPHA);
    expect(sweep(10).decided).toBeUndefined();
    expect(sweep(10).pValue).toBeCloseTo(11 / 1024, 10);
    expect(sweep(11).decided).toBe('b_faster');
    expect(sweep(11).pValue).toBeCloseTo(12 / 2048, 10);
  });
});

describe('error rates on simulated comparisons (log-normal times, 10 % CV, 5 % misses)', () => {
  it('A against itself: "no difference" in at least 19 of 20 seeded repetitions', () => {
    const decided = Array.from({ length: 20 }, (_, seed) => sequentialSignTest(simulatePairs(seed, MAX_PAIRS, 1), ALPHA).decided);
    expect(decided.filter((d) => d !== undefined).length).toBeLessThanOrEqual(1);
  });

  // Looking after every one of 100 pairs, the false-positive rate must stay ≤ α. Over
  // 1,000 runs the count of false positives is at most Binomial(1000, 0.01): mean 10,
  // and P(X ≥ 21) < 0.002, so 20 is the margin. A fixed-n sign test peeked at after
  // every pair rejects in about 5 % of runs (≈ 50) and fails this.
  it('A against itself, 1,000 sequential runs of up to 100 pairs: false positives ≤ α plus a binomial margin', () => {
    let falsePositives = 0;
    for (let run = 0; run < 1000; run++) {
      if (sequentialSignTest(simulatePairs(10_000 + run, MAX_PAIRS, 1), ALPHA).decided !== undefined) falsePositives += 1;
    }
    expect(falsePositives).toBeLessThanOrEqual(20);
  });

  it('B 20 % faster: detected, in B\'s favour, in at least 19 of 20 seeded repetitions', () => {
    const results = Array.from({ length: 20 }, (_, seed) => sequentialSignTest(simulatePairs(100 + seed, MAX_PAIRS, 1.2), ALPHA));
    expect(results.filter((r) => r.decided === 'b_faster').length).toBeGreaterThanOrEqual(19);
    expect(results.filter((r) => r.decided === 'a_faster')).toHaveLength(0);
  });

  it('A 20 % faster: detected in A\'s favour, never in B\'s', () => {
    const results = Array.from({ length: 20 }, (_, seed) => sequentialSignTest(simulatePairs(200 + seed, MAX_PAIRS, 1 / 1.2), ALPHA));
    expect(results.filter((r) => r.decided === 'a_faster').length).toBeGreaterThanOrEqual(19);
    expect(results.filter((r) => r.decided === 'b_faster')).toHaveLength(0);
  });
});

describe('misses and ties', () => {
  it('a miss is slower than any reached time; both missed and equal times are ties without a sign', () => {
    const pairs: PairTimes[] = [
      { a: Infinity, b: 1e6 }, // A missed, B reached however slowly: B wins
      { a: 0.001, b: Infinity }, // B missed: A wins
      { a: Infinity, b: Infinity }, // both missed: tie
      { a: 3, b: 3 }, // equal: tie
      { a: 5, b: 4 }, // B wins
    ];
    const r = sequentialSignTest(pairs, ALPHA);
    expect({ b: r.bWins, a: r.aWins, equal: r.equal, both: r.bothMissed, aMissed: r.aMissed, bMissed: r.bMissed }).toEqual({ b: 2, a: 1, equal: 1, both: 1, aMissed: 1, bMissed: 1 });
    expect(r.pairs).toBe(5);
    // Ties leave the statistic where it was: LR of 2 wins and 1 loss, 2³ · 2! 1! / 4!.
    expect(Math.exp(r.logLR)).toBeCloseTo((8 * 2) / 24, 12);
  });

  it('only ties never decide anything', () => {
    const r = sequentialSignTest(Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? { a: Infinity, b: Infinity } : { a: 7, b: 7 })), ALPHA);
    expect(r.decided).toBeUndefined();
    expect(r.pValue).toBe(1);
  });

  it('stops at the decision: pairs after it are counted as ignored, not used', () => {
    const pairs = [...Array.from({ length: 11 }, () => ({ a: 2, b: 1 })), ...Array.from({ length: 5 }, () => ({ a: 1, b: 2 }))];
    const r = sequentialSignTest(pairs, ALPHA);
    expect({ pairs: r.pairs, ignored: r.ignored, decided: r.decided }).toEqual({ pairs: 11, ignored: 5, decided: 'b_faster' });
  });
});

/**
 * The confidence sequence by brute force: every shift θ on a fine grid over the data's
 * range is tested at every look from its own win/loss counts, and the interval is the
 * hull of the shifts never rejected.
 */
function bruteForceInterval(pairs: readonly PairTimes[], alpha: number): { lower: number; upper: number } {
  const d = pairs.map((p) => (p.a === Infinity && p.b === Infinity ? undefined : p.a === Infinity ? Infinity : p.b === Infinity ? -Infinity : Math.log(p.a / p.b)));
  const finite = d.filter((x): x is number => x !== undefined && Number.isFinite(x));
  const [min, max] = [Math.min(...finite), Math.max(...finite)];
  const kept: number[] = [];
  for (let i = -40; i <= 2_040; i++) {
    const theta = min + ((max - min) * i) / 2_000;
    let w = 0, l = 0, rejected = false;
    for (const x of d) {
      if (x !== undefined && x > theta) w += 1;
      if (x !== undefined && x < theta) l += 1;
      const n = w + l;
      // LR from its integral form, not the module's closed form.
      if (n > 0 && integratedRatio(w, l) >= 1 / alpha) rejected = true;
    }
    if (!rejected) kept.push(theta);
  }
  return { lower: kept.length === 0 ? NaN : kept[0]!, upper: kept.length === 0 ? NaN : kept[kept.length - 1]! };
}

describe('the interval of the median speedup (the test inverted)', () => {
  it('matches a brute-force scan of shifts, to the grid step', () => {
    const pairs = simulatePairs(7, 30, 1.2, { missRate: 0 });
    const got = medianInterval(pairs, ALPHA);
    const ref = bruteForceInterval(pairs, ALPHA);
    const finite = pairs.map((p) => Math.log(p.a / p.b));
    const step = (Math.max(...finite) - Math.min(...finite)) / 2_000;
    expect(got.lower).toBeGreaterThanOrEqual(ref.lower - 2 * step);
    expect(got.lower).toBeLessThanOrEqual(ref.lower + 2 * step);
    expect(got.upper).toBeGreaterThanOrEqual(ref.upper - 2 * step);
    expect(got.upper).toBeLessThanOrEqual(ref.upper + 2 * step);
  }, 30_000);

  it('excludes no difference (θ = 0) exactly when the test has decided', () => {
    for (let seed = 0; seed < 20; seed++) {
      const pairs = simulatePairs(300 + seed, 25, 1.08);
      const test = sequentialSignTest(pairs, ALPHA);
      const used = pairs.slice(0, test.pairs);
      const { lower, upper } = medianInterval(used, ALPHA);
      expect(lower > 0 || upper < 0, `seed ${seed}`).toBe(test.decided !== undefined);
    }
  });

  it('the estimate is the median log ratio, a miss of A counting as +∞', () => {
    const pairs: PairTimes[] = [{ a: 2, b: 1 }, { a: Infinity, b: 3 }, { a: 4, b: 5 }, { a: Infinity, b: Infinity }];
    // log ratios: ln 2, +∞, ln 0.8 (the both-missed pair has none): median ln 2.
    expect(medianInterval(pairs, ALPHA).estimate).toBeCloseTo(Math.log(2), 12);
  });
});

describe('pairs to detect a given speedup', () => {
  /** Monte Carlo: the fraction of sign sequences from (wins, losses) that cross 1/α for wins within `extra` pairs. */
  function simulatedPower(wins: number, losses: number, pWin: number, extra: number, runs: number): number {
    const rng = createRng(42);
    let detected = 0;
    for (let run = 0; run < runs; run++) {
      let [w, l] = [wins, losses];
      for (let i = 0; i < extra; i++) {
        if (rng.next() < pWin) w += 1;
        else l += 1;
        // The decision from the integral, as in the test above.
        if (crosses(w, l)) {
          if (w > l) detected += 1;
          break;
        }
      }
    }
    return detected / runs;
  }
  /** 2ⁿ w! l! ≥ (n+1)! / α, in exact BigInt arithmetic (α = 1/100), memoized. */
  const crossed = new Map<string, boolean>();
  function crosses(w: number, l: number): boolean {
    const key = `${w},${l}`;
    let known = crossed.get(key);
    if (known === undefined) {
      const fact = (k: number) => { let f = 1n; for (let i = 2n; i <= BigInt(k); i++) f *= i; return f; };
      known = (1n << BigInt(w + l)) * fact(w) * fact(l) >= 100n * fact(w + l + 1);
      crossed.set(key, known);
    }
    return known;
  }

  it('reaches the requested power at the number it returns and not one pair earlier', () => {
    for (const [wins, losses, pWin] of [[0, 0, 0.8], [6, 2, 0.7]] as const) {
      const n = pairsToDetect({ wins, losses, pWin, alpha: ALPHA, power: 0.8 })!;
      expect(n).toBeGreaterThan(0);
      // 3,000 runs: the power estimate's standard error is under 0.008.
      expect(simulatedPower(wins, losses, pWin, n, 3000)).toBeGreaterThan(0.8 - 0.03);
      expect(simulatedPower(wins, losses, pWin, n - 4, 3000)).toBeLessThan(0.8);
    }
  }, 30_000);

  it('says "beyond the cap" for an effect the test cannot see', () => {
    expect(pairsToDetect({ wins: 0, losses: 0, pWin: 0.5, alpha: ALPHA, power: 0.8 })).toBeUndefined();
  });

  it('a path that crosses the other way is no detection: from 0 wins, 10 losses, 40 % of paths cross for A at once, so 80 % power for B is out of reach', () => {
    // LR(0, 10) = 2¹⁰/11 ≈ 93 < 100 and LR(0, 11) = 2¹¹/12 ≈ 171: one more loss decides for A.
    expect(pairsToDetect({ wins: 0, losses: 10, pWin: 0.6, alpha: ALPHA, power: 0.8 })).toBeUndefined();
  });
});
