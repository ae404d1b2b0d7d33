/**
 * The harness's default order, as a selector: the training set reshuffled each epoch
 * and walked in batches, a batch that would straddle two epochs taken whole from the
 * next. Index for index the same as `EpochShuffler` with seed ctx.seed, so a submission
 * can wrap it (or fall back to it) without changing its data order.
 *
 * @example defineSubmission({ ..., selectData: shuffleEachEpoch() })
 */
import { epochWindow, PermutationCache } from './_orders.ts';
import type { DataSelector } from './types.ts';

export function shuffleEachEpoch(): DataSelector {
  const epochs = new PermutationCache('epoch');
  return (ctx) => epochWindow(epochs, ctx.seed, ctx.trainSize, ctx.batchSize, ctx.step);
}
