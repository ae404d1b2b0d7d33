/**
 * LAMB (You et al. 2020): AdamW direction scaled per layer by the trust ratio, as
 * AlgoPerf's LAMB baseline (optax `lamb` with eps 1e-8, decay on every parameter).
 * The betas are not tuned here (the search space has neither).
 */
import { defineSubmission, lamb, num, warmupCosineFromHparams } from '../kit/index.ts';

export default defineSubmission({
  name: 'lamb',
  batchSize: 128,
  optimizer: (h, workload) => {
    const total = workload.budget.stepHint;
    return lamb({
      lr: warmupCosineFromHparams(h, total, { lr: 5e-3 }),
      b1: 0.9,
      b2: 0.999,
      eps: 1e-8,
      weightDecay: num(h, 'weight_decay', 1e-4),
      decayMask: 'all',
    });
  },
});
