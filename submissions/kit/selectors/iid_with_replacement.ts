/**
 * Every example of every batch drawn uniformly from the whole training set with
 * ctx.rng: the i.i.d. sampling that SGD's theory assumes. Examples may repeat, within
 * a batch and across steps, and some go unseen for long stretches.
 *
 * @example defineSubmission({ ..., selectData: iidWithReplacement() })
 */
import type { DataSelector } from './types.ts';

export function iidWithReplacement(): DataSelector {
  return (ctx) => {
    const out = new Int32Array(ctx.batchSize);
    for (let i = 0; i < out.length; i++) out[i] = ctx.rng.int(ctx.trainSize);
    return out;
  };
}
