/**
 * Schedule-Free AdamW (Defazio et al. 2024): no decay schedule; evals see the averaged
 * x. The form of AlgoPerf's JAX baseline (optax's `contrib.schedule_free_adamw`):
 * eps 1e-8 added to the bias-corrected √v̂, decay at y multiplied by the lr, on every
 * parameter, r = 0 and weight_lr_power 2. b2 is not tuned (no `beta2` in the space).
 */
import { defineSubmission, num, scheduleFreeAdamw, warmupStepsFromHparams } from '../kit/index.ts';

export default defineSubmission({
  name: 'schedule_free_adamw',
  batchSize: 128,
  optimizer: (h, workload) =>
    scheduleFreeAdamw({
      lr: num(h, 'lr', 2e-3),
      b1: num(h, 'beta1', 0.9),
      b2: 0.999,
      eps: 1e-8,
      weightDecay: num(h, 'weight_decay', 1e-4),
      decayMask: 'all',
      warmupSteps: warmupStepsFromHparams(h, workload.budget.stepHint),
    }),
});
