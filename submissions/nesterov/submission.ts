/**
 * SGD with Nesterov momentum, linear warmup and cosine decay over the step hint, in the
 * conventions of AlgoPerf's Nesterov baseline (PyTorch `SGD(nesterov=True)`, optax
 * `sgd(nesterov=True)` after `add_decayed_weights`): L2 decay added to the gradient
 * before the momentum, on every parameter.
 */
import { defineSubmission } from '../kit/define.ts';
import { num } from '../kit/hparams.ts';
import { sgd } from '../kit/optimizers/sgd.ts';
import { warmupCosineFromHparams } from '../kit/schedules.ts';

export default defineSubmission({
  name: 'nesterov',
  batchSize: 128,
  optimizer: (h, workload) => {
    const total = workload.budget.stepHint;
    return sgd({
      lr: warmupCosineFromHparams(h, total, { lr: 0.05 }),
      momentum: num(h, 'momentum', 0.9),
      nesterov: true,
      weightDecay: num(h, 'weight_decay', 0),
      decayMask: 'all',
    });
  },
});
