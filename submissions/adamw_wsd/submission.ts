/**
 * AdamW with a warmup-stable-decay schedule (Hu et al. 2024): decay only over the last
 * part. AdamW as the adamw baseline: decay multiplied by the lr, on every parameter.
 */
import { adamw, defineSubmission, num, warmupStableDecay, warmupStepsFromHparams } from '../kit/index.ts';

export default defineSubmission({
  name: 'adamw_wsd',
  batchSize: 128,
  optimizer: (h, workload) => {
    const total = workload.budget.stepHint;
    const warmupSteps = warmupStepsFromHparams(h, total);
    const decaySteps = Math.round(num(h, 'decay_frac', 0.2) * total);
    return adamw({
      lr: warmupStableDecay(num(h, 'lr', 1e-3), {
        warmupSteps,
        stableSteps: Math.max(0, total - warmupSteps - decaySteps),
        decaySteps,
        decayShape: 'sqrt',
      }),
      weightDecay: num(h, 'weight_decay', 1e-4),
      decayMask: 'all',
    });
  },
});
