import { describe, expect, it } from 'vitest';
import { bestTime, median, workloadTime } from '../../harness/scoring/aggregate.ts';

const INF = Infinity;

describe('aggregate', () => {
  it('takes the best trial of a study', () => {
    expect(bestTime([12, 9, INF, 10])).toBe(9);
    expect(bestTime([INF, INF])).toBe(INF);
    expect(bestTime([])).toBe(INF);
  });

  it('takes a median that keeps Infinity', () => {
    expect(median([1, INF, INF])).toBe(INF);
    expect(median([1, 2, INF])).toBe(2);
    expect(median([INF, 2, 1])).toBe(2);
    expect(median([3, 1])).toBe(2);
    expect(median([1, INF])).toBe(INF);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBe(INF);
  });

  it('is the median over studies of the best trial', () => {
    // Study bests: 9, 10, ∞ → median 10.
    expect(workloadTime([[10, 12], [INF, 9], [INF, INF]])).toBe(10);
    // Study bests: 1, ∞, ∞ → ∞: most studies failed.
    expect(workloadTime([[1], [INF], [INF]])).toBe(INF);
    // Study bests: 1, 2, ∞ → 2.
    expect(workloadTime([[1, 5], [2, INF], [INF]])).toBe(2);
    // Even number of studies: mean of the middle two.
    expect(workloadTime([[4], [2], [8], [6]])).toBe(5);
    expect(workloadTime([[4], [2], [INF], [6]])).toBe(5);
    expect(workloadTime([[4], [INF], [INF], [6]])).toBe(INF);
    expect(workloadTime([])).toBe(INF);
  });
});
