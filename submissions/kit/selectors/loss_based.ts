/**
 * Hard-example selection: rank a pool of poolFactor × batch candidates by their loss
 * at the current parameters and train on the batch with the highest losses (as in
 * "online batch selection", Loshchilov & Hutter 2015, and Jiang et al. 2019). The
 * forward pass over the pool is on the clock, which is what the benchmark weighs
 * the gain against. The batch comes hardest first.
 *
 * @example defineSubmission({ ..., selectData: lossBasedSelection({ poolFactor: 2 }) })
 */
import { PermutationCache } from './_orders.ts';
import { candidatePool, checkPoolFactor, rankByLoss } from './_pool.ts';
import type { DataSelector } from './types.ts';

export interface LossBasedSelectionOptions {
  /** Candidates per step as a multiple of the batch size (capped at the training set). @default 4 */
  readonly poolFactor?: number;
}

export function lossBasedSelection(options: LossBasedSelectionOptions = {}): DataSelector {
  const { poolFactor = 4 } = options;
  checkPoolFactor('lossBasedSelection', poolFactor);
  const pools = new PermutationCache('pool');
  return (ctx) => {
    const candidates = candidatePool(pools, ctx, poolFactor);
    const ranked = rankByLoss(ctx.perExampleLoss(candidates));
    const out = new Int32Array(ctx.batchSize);
    for (let i = 0; i < out.length; i++) out[i] = candidates[ranked[ranked.length - 1 - i]!]!;
    return out;
  };
}
