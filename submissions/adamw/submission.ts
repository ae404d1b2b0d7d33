/**
 * AdamW with linear warmup and cosine decay over the workload's step hint, in the
 * conventions of AlgoPerf's AdamW baseline (PyTorch `AdamW` / optax `adamw`): eps 1e-8
 * outside the root, decay multiplied by the scheduled lr, on every parameter.
 */
import { defineSubmission } from '../kit/define.ts';
import { num } from '../kit/hparams.ts';
import { adamw } from '../kit/optimizers/adam.ts';
import { warmupCosineFromHparams } from '../kit/schedules.ts';

export default defineSubmission({
  name: 'adamw',
  batchSize: 128,
  optimizer: (h, workload) => {
    const total = workload.budget.stepHint;
    return adamw({
      lr: warmupCosineFromHparams(h, total, { lr: 1e-3 }),
      b1: num(h, 'beta1', 0.9),
      b2: num(h, 'beta2', 0.999),
      eps: 1e-8,
      weightDecay: num(h, 'weight_decay', 0),
      decayMask: 'all',
    });
  },
});
