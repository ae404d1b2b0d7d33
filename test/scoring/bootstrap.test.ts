import { describe, expect, it } from 'vitest';
import {
  binomialUpperTail,
  bootstrapScores,
  pairTrials,
  pairedSignTest,
  quantile,
  type TrialTables,
} from '../../harness/scoring/bootstrap.ts';

const INF = Infinity;

const TABLES: TrialTables = {
  fast: {
    w1: [[10, 12, 11], [9, 14, INF], [10, 10, 13]],
    w2: [[50, 55, 60], [52, INF, 58], [49, 51, 70]],
  },
  slow: {
    w1: [[15, 18, INF], [16, 14, 20], [INF, 17, 15]],
    w2: [[60, 65, INF], [70, 62, 64], [61, 75, 80]],
  },
};

describe('bootstrapScores', () => {
  it('is deterministic for a fixed seed', () => {
    const a = bootstrapScores(TABLES, ['w1', 'w2'], { seed: 7, resamples: 200 });
    const b = bootstrapScores(TABLES, ['w1', 'w2'], { seed: 7, resamples: 200 });
    expect(a).toEqual(b);
  });

  it('gives intervals that contain the point estimates', () => {
    const r = bootstrapScores(TABLES, ['w1', 'w2'], { seed: 1 });
    expect(r.resamples).toBe(1000);
    expect(r.confidence).toBe(0.95);
    for (const s of ['fast', 'slow']) {
      const sub = r.submissions[s];
      expect(sub).toBeDefined();
      if (!sub) continue;
      expect(sub.score.lower).toBeLessThanOrEqual(sub.score.estimate);
      expect(sub.score.upper).toBeGreaterThanOrEqual(sub.score.estimate);
      for (const iv of Object.values(sub.workloadTimes)) {
        expect(iv.lower).toBeLessThanOrEqual(iv.estimate);
        expect(iv.upper).toBeGreaterThanOrEqual(iv.estimate);
      }
    }
    // Point estimates: fast is best everywhere; slow's w1 = median(15, 14, 15) = 15 → r = 1.5.
    expect(r.submissions['fast']?.score.estimate).toBe(1);
    expect(r.submissions['slow']?.workloadTimes['w1']?.estimate).toBe(15);
  });

  it('collapses to the estimate when there is nothing to resample', () => {
    const r = bootstrapScores({ a: { w: [[5]] }, b: { w: [[10]] } }, ['w'], { seed: 3, resamples: 50 });
    expect(r.submissions['b']?.score).toEqual({ estimate: 2 / 3, lower: 2 / 3, upper: 2 / 3 });
    expect(r.submissions['a']?.workloadTimes['w']).toEqual({ estimate: 5, lower: 5, upper: 5 });
  });

  it('keeps Infinity for a workload that was never reached or never run', () => {
    const r = bootstrapScores({ a: { w: [[INF], [INF]] }, b: {} }, ['w'], { resamples: 20 });
    expect(r.submissions['a']?.workloadTimes['w']).toEqual({ estimate: INF, lower: INF, upper: INF });
    expect(r.submissions['b']?.score).toEqual({ estimate: 0, lower: 0, upper: 0 });
  });
});

describe('quantile', () => {
  it('interpolates like numpy and respects Infinity', () => {
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.025)).toBeCloseTo(1.1, 12);
    expect(quantile([1, INF], 0.5)).toBe(INF);
    expect(quantile([INF, INF], 0.3)).toBe(INF);
    expect(quantile([], 0.5)).toBe(INF);
  });
});

describe('pairedSignTest', () => {
  it('is significant when A is faster on all 10 pairs', () => {
    const a = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const b = a.map((t) => t + 1);
    const r = pairedSignTest(a, b);
    expect(r).toMatchObject({ n: 10, wins: 10, losses: 0, ties: 0 });
    expect(r.pValue).toBeCloseTo(1 / 1024, 15);
    expect(r.pValue).toBeLessThan(0.05);
  });

  it('is not significant for identical times (ties count half)', () => {
    const a = [5, 6, 7, 8, 9, 10, 11, 12, 13, INF];
    const r = pairedSignTest(a, a);
    expect(r).toMatchObject({ wins: 0, losses: 0, ties: 10 });
    expect(r.pValue).toBeCloseTo(638 / 1024, 15); // P(X ≥ 5), X ~ Bin(10, ½)
  });

  it('is not significant when A is slower', () => {
    expect(pairedSignTest([2, 2, 2], [1, 1, 1]).pValue).toBe(1);
  });

  it('treats a miss as slower than any finite time', () => {
    const r = pairedSignTest([100, INF, INF], [INF, 1, INF]);
    expect(r).toMatchObject({ wins: 1, losses: 1, ties: 1 });
    // W = 1.5 → (P(X ≥ 1) + P(X ≥ 2)) / 2 = (7/8 + 4/8) / 2.
    expect(r.pValue).toBeCloseTo(11 / 16, 15);
  });

  it('returns p = 1 with no pairs and rejects unpaired lists', () => {
    expect(pairedSignTest([], []).pValue).toBe(1);
    expect(() => pairedSignTest([1], [])).toThrow(RangeError);
  });

  it('computes binomial tails without underflow', () => {
    expect(binomialUpperTail(10, 0)).toBe(1);
    expect(binomialUpperTail(10, 11)).toBe(0);
    expect(binomialUpperTail(10, 10)).toBeCloseTo(1 / 1024, 15);
    expect(binomialUpperTail(2000, 1000)).toBeCloseTo(0.5 + 0.5 * Math.sqrt(2 / (Math.PI * 2000)), 4);
  });
});

describe('pairTrials', () => {
  it('pairs trials by workload, study and trial index', () => {
    const pairs = pairTrials(
      { w1: [[1, 2], [3, 4]], w2: [[5]] },
      { w1: [[10, 20], [30]], w3: [[7]] },
      ['w1', 'w2', 'w3'],
    );
    expect(pairs).toEqual({ a: [1, 2, 3], b: [10, 20, 30] });
  });
});
