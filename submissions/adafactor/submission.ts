/** Adafactor (Shazeer & Stern 2018): factored second moments, update clipping, relative steps. */
import { adafactor, defineSubmission, num, warmupCosine } from '../kit/index.ts';

export default defineSubmission({
  name: 'adafactor',
  batchSize: 128,
  optimizer: (h, workload) => {
    const total = workload.budget.stepHint;
    return adafactor({
      lr: warmupCosine(num(h, 'lr', 1e-2), Math.round(num(h, 'warmup_frac', 0.05) * total), total),
      decayRate: num(h, 'decay_rate', 0.8),
      momentum: num(h, 'momentum', 0.9),
    });
  },
});
