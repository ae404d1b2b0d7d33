import { describe, expect, it } from 'vitest';
import { AlgobenchError } from '../../harness/core/errors.ts';
import {
  benchmarkScore,
  performanceProfile,
  performanceRatios,
  profileSteps,
  rho,
} from '../../harness/scoring/profile.ts';

const INF = Infinity;

describe('performance profile', () => {
  it('gives tied best submissions r = 1 and score 1', () => {
    const p = performanceProfile({ a: { w1: 10, w2: 5 }, b: { w1: 10, w2: 5 } }, ['w1', 'w2']);
    expect(p.ratios).toEqual({ a: { w1: 1, w2: 1 }, b: { w1: 1, w2: 1 } });
    expect(p.scores).toEqual({ a: 1, b: 1 });
  });

  it('scores 0 for everyone when every target was missed', () => {
    const p = performanceProfile({ a: { w1: INF, w2: INF }, b: { w1: INF } }, ['w1', 'w2']);
    expect(p.ratios['a']).toEqual({ w1: INF, w2: INF });
    expect(p.scores).toEqual({ a: 0, b: 0 });
    expect(p.steps['a']).toEqual([[1, 0], [4, 0]]);
  });

  it('scores a lone submission by the share of workloads it reached', () => {
    expect(performanceProfile({ a: { w1: 3, w2: 7 } }, ['w1', 'w2']).scores['a']).toBe(1);
    expect(performanceProfile({ a: { w1: 3, w2: INF, w3: 7 } }, ['w1', 'w2', 'w3']).scores['a']).toBeCloseTo(2 / 3, 12);
  });

  it('counts a missing workload as missed', () => {
    const p = performanceProfile({ a: { w1: 3, w2: 7 }, b: { w1: 3 } }, ['w1', 'w2']);
    expect(p.ratios['b']).toEqual({ w1: 1, w2: INF });
    expect(p.scores['b']).toBe(0.5);
  });

  it('keeps r = 4 exactly and cuts r = 4.0001', () => {
    const r = performanceRatios({ best: { w: 1 }, edge: { w: 4 }, over: { w: 4.0001 } }, ['w']);
    expect(r['edge']?.['w']).toBe(4);
    expect(r['over']?.['w']).toBe(INF);
    expect(rho([4], 4)).toBe(1);
    expect(rho([INF], 4)).toBe(0);
    // r = 4 counts in ρ(4) but adds no area: the integral ends at 4.
    expect(benchmarkScore([4])).toBe(0);
  });

  it('integrates the step function exactly: r = 1, 2, 3.5 → (3 + 2 + 0.5) / 9', () => {
    const p = performanceProfile(
      { ref: { w1: 10, w2: 10, w3: 10 }, sub: { w1: 10, w2: 20, w3: 35 } },
      ['w1', 'w2', 'w3'],
    );
    expect(p.ratios['sub']).toEqual({ w1: 1, w2: 2, w3: 3.5 });
    expect(Math.abs((p.scores['sub'] ?? NaN) - 5.5 / 9)).toBeLessThan(1e-9);
    expect(p.scores['ref']).toBe(1);
    expect(p.steps['sub']).toEqual([[1, 1 / 3], [2, 2 / 3], [3.5, 1], [4, 1]]);
  });

  it('agrees with a fine midpoint quadrature of ρ', () => {
    const ratios = [1, 1.37, 2.5, 3.99, INF, 1.01];
    const n = 300_000;
    let area = 0;
    for (let i = 0; i < n; i++) area += rho(ratios, 1 + (3 * (i + 0.5)) / n);
    expect(benchmarkScore(ratios)).toBeCloseTo(area / n, 5); // mean of ρ over [1, 4]
    // And exactly: (3 + 2.63 + 1.5 + 0.01 + 0 + 2.99) / 18.
    expect(Math.abs(benchmarkScore(ratios) - 10.13 / 18)).toBeLessThan(1e-9);
  });

  it('honours another maxTau', () => {
    const p = performanceProfile({ a: { w1: 1, w2: 1 }, b: { w1: 2, w2: 3.5 } }, ['w1', 'w2'], { maxTau: 3 });
    expect(p.ratios['b']).toEqual({ w1: 2, w2: INF });
    expect(p.scores['b']).toBeCloseTo(1 / 4, 12); // (3 − 2) / (2 × 2)
    expect(profileSteps([2, INF], { maxTau: 3 })).toEqual([[1, 0], [2, 0.5], [3, 0.5]]);
  });

  it('handles a best time of 0', () => {
    const r = performanceRatios({ a: { w: 0 }, b: { w: 0 }, c: { w: 1 } }, ['w']);
    expect(r).toEqual({ a: { w: 1 }, b: { w: 1 }, c: { w: INF } });
  });

  it('scores 0 over no workloads and rejects maxTau ≤ 1', () => {
    expect(benchmarkScore([])).toBe(0);
    expect(() => benchmarkScore([1], { maxTau: 1 })).toThrow(AlgobenchError);
  });
});
