/** rs2: rounds of random subsets, every example once per pass without replacement. */
import { describe, expect, it } from 'vitest';
import { rs2 } from '../../../submissions/kit/selectors/rs2.ts';
import type { DataSelector } from '../../../submissions/kit/selectors/types.ts';
import { distinct, selectContext } from './_context.ts';

/** The examples of steps 0..steps−1, laid end to end. */
function stream(selector: DataSelector, trainSize: number, batchSize: number, steps: number): number[] {
  return Array.from({ length: steps }, (_, step) =>
    Array.from(selector(selectContext({ seed: 11, step, trainSize, batchSize }))),
  ).flat();
}

const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('rs2 without replacement', () => {
  it.each([
    [10, 3, 0.3], // batches cross round and pass boundaries
    [12, 5, 0.25],
    [12, 4, 0.5],
    [9, 9, 1],
  ])('uses every example exactly once per pass (n=%i, batch=%i, fraction=%d)', (n, b, fraction) => {
    const passes = 4;
    const all = stream(rs2({ fraction }), n, b, Math.ceil((passes * n) / b));
    for (let p = 0; p < passes; p++) expect(sorted(all.slice(p * n, (p + 1) * n)), `pass ${p}`).toEqual(range(n));
  });

  it('orders each pass afresh', () => {
    const all = stream(rs2({ fraction: 0.2 }), 20, 5, 8);
    expect(all.slice(20, 40)).not.toEqual(all.slice(0, 20));
  });
});

describe('rs2 with replacement', () => {
  it('draws each round of ⌈fraction·n⌉ without repeats, independently of earlier rounds', () => {
    const n = 20;
    const roundSize = 5; // ⌈0.23·20⌉
    const all = stream(rs2({ fraction: 0.23, replacement: true }), n, 3, 20);
    const rounds = range(Math.floor(all.length / roundSize)).map((k) => all.slice(k * roundSize, (k + 1) * roundSize));
    for (const round of rounds) expect(distinct(round).size).toBe(roundSize);
    // Four rounds could cover the set; drawn with replacement they repeat examples.
    expect(distinct(rounds.slice(0, 4).flat()).size).toBeLessThan(n);
  });
});

describe('rs2 options', () => {
  it('rejects a fraction outside (0, 1]', () => {
    expect(() => rs2({ fraction: 0 })).toThrow(RangeError);
    expect(() => rs2({ fraction: 1.5 })).toThrow(RangeError);
  });
});
