/** AdamW with linear warmup and cosine decay over the workload's step hint. */
import { defineSubmission } from '../kit/define.ts';
import { num } from '../kit/hparams.ts';
import { adamw } from '../kit/optimizers/adam.ts';
import { warmupCosine } from '../kit/schedules.ts';

export default defineSubmission({
  name: 'adamw',
  batchSize: 128,
  optimizer: (h, workload) => {
    const total = workload.budget.stepHint;
    return adamw({
      lr: warmupCosine(num(h, 'lr', 1e-3), Math.round(num(h, 'warmup_frac', 0.05) * total), total),
      b1: num(h, 'beta1', 0.9),
      b2: num(h, 'beta2', 0.999),
      weightDecay: num(h, 'weight_decay', 0),
    });
  },
});
