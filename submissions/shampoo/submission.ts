/**
 * Shampoo (Gupta et al. 2018) with AdaGrad grafting (Anil et al. 2020). Inverse roots
 * are recomputed every `update_every` steps: they cost O(n³) per statistic, so large
 * dimensions (over 300) fall back to diagonal AdaGrad. eps and the dimension limit are
 * not tuned (the search space has neither). This is the kit's simple Shampoo, not
 * AlgoPerf's Distributed Shampoo baseline (see docs/kit.md); no weight decay.
 */
import { defineSubmission, num, shampoo, warmupCosineFromHparams } from '../kit/index.ts';

export default defineSubmission({
  name: 'shampoo',
  batchSize: 128,
  optimizer: (h, workload) => {
    const total = workload.budget.stepHint;
    return shampoo({
      lr: warmupCosineFromHparams(h, total, { lr: 0.05 }),
      b2: num(h, 'beta2', 0.99),
      eps: 1e-4,
      updateEvery: num(h, 'update_every', 100),
      maxDim: 300,
      graftWith: 'adagrad',
    });
  },
});
