/**
 * RS2, repeated sampling of random subsets (Okanovic et al. 2023): training runs in
 * rounds, each on a fresh random subset of ⌈fraction·trainSize⌉ examples walked once
 * in batches. Rounds are laid end to end and batches run across round boundaries, so
 * every batch is full whatever the sizes.
 *
 * Without replacement (the default) a round draws from the examples earlier rounds of
 * the pass have not used, until the training set is exhausted (the last round of a
 * pass takes what is left), then a new pass starts. Pass p is a permutation seeded by
 * (ctx.seed, 'rs2', p) and its rounds are consecutive slices of it, so each pass uses
 * every example exactly once; the order is then that of a reshuffle per pass with no
 * example dropped, and `fraction` only places the round boundaries. RS2's speed-up
 * comes from the shorter budget it is run with and a schedule over rounds, which
 * belong to the submission (a round lasts fraction·trainSize/batchSize steps).
 * A batch across a pass boundary may hold an example twice, once from each pass.
 *
 * With replacement each round k is the first ⌈fraction·trainSize⌉ of a permutation
 * seeded by (ctx.seed, 'rs2', k): no repeats within a round, independent across rounds.
 *
 * @example defineSubmission({ ..., selectData: rs2({ fraction: 0.1 }) })
 */
import { checkSize, PermutationCache, streamWindow } from './_orders.ts';
import type { DataSelector } from './types.ts';

export interface Rs2Options {
  /** The share of the training set in each round, in (0, 1]. */
  readonly fraction: number;
  /** Draw each round from the whole training set rather than from what the pass has left. @default false */
  readonly replacement?: boolean;
}

export function rs2(options: Rs2Options): DataSelector {
  const { fraction, replacement = false } = options;
  if (!(fraction > 0 && fraction <= 1)) {
    throw new RangeError(`rs2: fraction must be in (0, 1] (got ${fraction})`);
  }
  const perms = new PermutationCache('rs2');
  return (ctx) => {
    const n = ctx.trainSize;
    checkSize(ctx.batchSize, n);
    const start = ctx.step * ctx.batchSize;
    if (!replacement) return streamWindow((pass) => perms.get(ctx.seed, pass, n), n, start, ctx.batchSize);
    const roundSize = Math.min(n, Math.ceil(fraction * n));
    return streamWindow((round) => perms.get(ctx.seed, round, n).subarray(0, roundSize), roundSize, start, ctx.batchSize);
  };
}
