/**
 * The candidate pool of the loss-ranking selectors: poolFactor × batch examples a
 * step, walked through reshuffled epochs (seeded by (ctx.seed, 'pool', epoch)) as the
 * default order walks batches, so every example is a candidate about once an epoch.
 */
import type { SelectContext } from '../../../harness/spec.ts';
import { epochWindow, type PermutationCache } from './_orders.ts';

/** Rejects a pool factor below 1 (a pool smaller than the batch). */
export function checkPoolFactor(name: string, poolFactor: number): void {
  if (!(Number.isFinite(poolFactor) && poolFactor >= 1)) {
    throw new RangeError(`${name}: poolFactor must be a finite number ≥ 1 (got ${poolFactor})`);
  }
}

/** This step's candidates: min(trainSize, ⌈poolFactor·batchSize⌉) distinct examples. */
export function candidatePool(cache: PermutationCache, ctx: SelectContext, poolFactor: number): Int32Array {
  const size = Math.min(ctx.trainSize, Math.ceil(poolFactor * ctx.batchSize));
  return epochWindow(cache, ctx.seed, ctx.trainSize, size, ctx.step);
}

/**
 * Positions of `losses` from the lowest loss to the highest; ties keep pool order,
 * and a NaN loss counts as the highest (it is the example most worth a look).
 */
export function rankByLoss(losses: Float32Array): Int32Array {
  const key = (i: number): number => {
    const l = losses[i]!;
    return Number.isNaN(l) ? Infinity : l;
  };
  const order = Array.from({ length: losses.length }, (_, i) => i);
  order.sort((a, b) => key(a) - key(b) || a - b);
  return Int32Array.from(order);
}
