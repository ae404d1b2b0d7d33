/**
 * The interleaved benches' figure (harness/bench/rounds.ts): a side's fastest round
 * median, and the spread slowest / fastest − 1, worked out by hand here.
 */
import { describe, expect, it } from 'vitest';
import { fastestRound } from '../../harness/bench/rounds.ts';

describe('fastestRound', () => {
  it('takes the fastest round and the slowest one\'s excess over it', () => {
    expect(fastestRound([12, 10, 15, 11])).toEqual({ ms: 10, spread: 0.5 });
    expect(fastestRound([4])).toEqual({ ms: 4, spread: 0 });
  });

  it('has no figure without rounds', () => {
    expect(fastestRound([])).toBeUndefined();
  });
});
