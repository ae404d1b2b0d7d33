/** LAMB (You et al. 2020): AdamW direction scaled per layer by the trust ratio. */
import { defineSubmission, lamb, num, warmupCosine } from '../kit/index.ts';

export default defineSubmission({
  name: 'lamb',
  batchSize: 128,
  optimizer: (h, workload) => {
    const total = workload.budget.stepHint;
    return lamb({
      lr: warmupCosine(num(h, 'lr', 5e-3), Math.round(num(h, 'warmup_frac', 0.05) * total), total),
      b1: num(h, 'beta1', 0.9),
      b2: num(h, 'beta2', 0.999),
      weightDecay: num(h, 'weight_decay', 1e-4),
    });
  },
});
