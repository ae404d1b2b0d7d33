import { describe, expect, it } from 'vitest';
import { digitsForBase, firstPrimes, haltonSequence, radicalInverse } from '../../harness/tuning/halton.ts';

/** How many of `values` fall in each of `bins` equal bins of [0, 1). */
function binCounts(values: readonly number[], bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) {
    const bin = Math.floor(v * bins);
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  return counts;
}

describe('halton', () => {
  it('uses the first primes as bases', () => {
    expect(firstPrimes(8)).toEqual([2, 3, 5, 7, 11, 13, 17, 19]);
    expect(haltonSequence(3).bases).toEqual([2, 3, 5]);
  });

  it('computes the plain radical inverse', () => {
    expect([0, 1, 2, 3, 4, 5].map((i) => radicalInverse(i, 2))).toEqual([0, 0.5, 0.25, 0.75, 0.125, 0.625]);
    expect(radicalInverse(1, 3)).toBeCloseTo(1 / 3, 15);
    expect(radicalInverse(5, 3)).toBeCloseTo(2 / 3 + 1 / 9, 15); // 5 = 12 in base 3
  });

  it('keeps enough digits for double precision', () => {
    expect(digitsForBase(2)).toBe(53);
    for (const b of firstPrimes(10)) expect(b ** digitsForBase(b)).toBeGreaterThanOrEqual(2 ** 53);
  });

  it('stratifies: the first 64 base-2 points fill 8 bins with 8 each, scrambled or not', () => {
    const plain = haltonSequence(1);
    const scrambled = haltonSequence(1, 42);
    const first64 = (seq: typeof plain) => Array.from({ length: 64 }, (_, i) => seq.point(i)[0] ?? NaN);
    expect(binCounts(first64(plain), 8)).toEqual(new Array(8).fill(8));
    expect(binCounts(first64(scrambled), 8)).toEqual(new Array(8).fill(8));
    // Finer: 64 bins of one point each.
    expect(binCounts(first64(scrambled), 64)).toEqual(new Array(64).fill(1));
  });

  it('stratifies the base-3 dimension into 9 bins over the first 81 points', () => {
    const seq = haltonSequence(2, 7);
    const values = Array.from({ length: 81 }, (_, i) => seq.point(i)[1] ?? NaN);
    expect(binCounts(values, 9)).toEqual(new Array(9).fill(9));
  });

  it('keeps every coordinate in [0, 1)', () => {
    const seq = haltonSequence(6, 3);
    for (let i = 0; i < 500; i++) {
      for (const u of seq.point(i)) {
        expect(u).toBeGreaterThanOrEqual(0);
        expect(u).toBeLessThan(1);
      }
    }
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = haltonSequence(4, 99);
    const b = haltonSequence(4, 99);
    const c = haltonSequence(4, 100);
    for (let i = 0; i < 10; i++) expect(a.point(i)).toEqual(b.point(i));
    expect(a.point(0)).not.toEqual(c.point(0));
  });

  it('does not map index 0 to the origin when scrambled', () => {
    expect(haltonSequence(3).point(0)).toEqual([0, 0, 0]);
    expect(haltonSequence(3, 5).point(0).some((u) => u > 0)).toBe(true);
  });

  it('rejects bad indices and dimensions', () => {
    expect(() => haltonSequence(2, 1).point(-1)).toThrow(RangeError);
    expect(() => haltonSequence(2, 1).point(1.5)).toThrow(RangeError);
    expect(() => haltonSequence(-1)).toThrow(RangeError);
  });
});
