/** NAdamW (AlgoPerf's baseline): Nesterov-accelerated AdamW, warmup + cosine decay. */
import { defineSubmission, nadamw, num, warmupCosine } from '../kit/index.ts';

export default defineSubmission({
  name: 'nadamw',
  batchSize: 128,
  optimizer: (h, workload) => {
    const total = workload.budget.stepHint;
    return nadamw({
      lr: warmupCosine(num(h, 'lr', 1e-3), Math.round(num(h, 'warmup_frac', 0.05) * total), total),
      b1: num(h, 'beta1', 0.9),
      b2: num(h, 'beta2', 0.999),
      weightDecay: num(h, 'weight_decay', 1e-4),
    });
  },
});
