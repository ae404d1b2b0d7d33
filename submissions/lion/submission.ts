/**
 * Lion (Chen et al. 2023): sign updates, ~3-10× smaller lr and larger decay than AdamW.
 * As the paper's code and AlgoPerf's Lion baseline: decay p·(1 − lr·wd) on every
 * parameter. The betas are the paper's defaults, not tuned (the space has neither).
 */
import { defineSubmission, lion, num, warmupCosineFromHparams } from '../kit/index.ts';

export default defineSubmission({
  name: 'lion',
  batchSize: 128,
  optimizer: (h, workload) => {
    const total = workload.budget.stepHint;
    return lion({
      lr: warmupCosineFromHparams(h, total, { lr: 1e-4 }),
      b1: 0.9,
      b2: 0.99,
      weightDecay: num(h, 'weight_decay', 1e-2),
      decayMask: 'all',
    });
  },
});
