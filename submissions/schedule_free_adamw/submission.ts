/** Schedule-Free AdamW (Defazio et al. 2024): no decay schedule; evals see the averaged x. */
import { defineSubmission, num, scheduleFreeAdamw } from '../kit/index.ts';

export default defineSubmission({
  name: 'schedule_free_adamw',
  batchSize: 128,
  optimizer: (h, workload) =>
    scheduleFreeAdamw({
      lr: num(h, 'lr', 2e-3),
      b1: num(h, 'beta1', 0.9),
      b2: num(h, 'beta2', 0.999),
      weightDecay: num(h, 'weight_decay', 1e-4),
      warmupSteps: Math.round(num(h, 'warmup_frac', 0.05) * workload.budget.stepHint),
    }),
});
