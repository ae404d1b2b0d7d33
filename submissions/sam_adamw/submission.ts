/**
 * SAM (Foret et al. 2021) around AdamW: two gradients per step, the second at the
 * sharpest nearby point. The AdamW is the adamw baseline's (eps 1e-8, decay multiplied
 * by the lr on every parameter), as in AlgoPerf's SAM baseline.
 */
import { adamw, defineSubmission, num, sam, warmupCosineFromHparams } from '../kit/index.ts';

export default defineSubmission({
  name: 'sam_adamw',
  batchSize: 128,
  optimizer: (h, workload) => {
    const total = workload.budget.stepHint;
    const base = adamw({
      lr: warmupCosineFromHparams(h, total, { lr: 1e-3 }),
      eps: 1e-8,
      weightDecay: num(h, 'weight_decay', 1e-4),
      decayMask: 'all',
    });
    return sam(base, { rho: num(h, 'rho', 0.05) });
  },
});
