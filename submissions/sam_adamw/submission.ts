/** SAM (Foret et al. 2021) around AdamW: two gradients per step, the second at the sharpest nearby point. */
import { adamw, defineSubmission, num, sam, warmupCosine } from '../kit/index.ts';

export default defineSubmission({
  name: 'sam_adamw',
  batchSize: 128,
  optimizer: (h, workload) => {
    const total = workload.budget.stepHint;
    const base = adamw({
      lr: warmupCosine(num(h, 'lr', 1e-3), Math.round(num(h, 'warmup_frac', 0.05) * total), total),
      weightDecay: num(h, 'weight_decay', 1e-4),
    });
    return sam(base, { rho: num(h, 'rho', 0.05) });
  },
});
