/**
 * Adafactor (Shazeer & Stern 2018): factored second moments, update clipping, relative
 * steps, in optax's form (not AlgoPerf's sharded Adafactor; see docs/kit.md). The
 * decay rate is not tuned (the search space has no `decay_rate`).
 */
import { adafactor, defineSubmission, num, warmupCosineFromHparams } from '../kit/index.ts';

export default defineSubmission({
  name: 'adafactor',
  batchSize: 128,
  optimizer: (h, workload) => {
    const total = workload.budget.stepHint;
    return adafactor({
      lr: warmupCosineFromHparams(h, total, { lr: 1e-2 }),
      decayRate: 0.8,
      momentum: num(h, 'momentum', 0.9),
    });
  },
});
