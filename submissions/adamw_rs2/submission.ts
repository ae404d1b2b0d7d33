/**
 * AdamW with RS2 data selection (Okanovic et al. 2023): each round trains on a fresh
 * random subset of the data (with replacement across rounds), the schedule running
 * over the step hint as for plain AdamW (decay multiplied by the lr, on every
 * parameter). The selector's work is on the clock.
 */
import { adamw, defineSubmission, num, rs2, warmupCosineFromHparams } from '../kit/index.ts';

const selectors = new Map<number, ReturnType<typeof rs2>>();

export default defineSubmission({
  name: 'adamw_rs2',
  batchSize: 128,
  optimizer: (h, workload) => {
    const total = workload.budget.stepHint;
    return adamw({
      lr: warmupCosineFromHparams(h, total, { lr: 1e-3 }),
      weightDecay: num(h, 'weight_decay', 1e-4),
      decayMask: 'all',
    });
  },
  selectData: (ctx) => {
    const fraction = num(ctx.hparams, 'subset_fraction', 0.3);
    let select = selectors.get(fraction);
    if (select === undefined) selectors.set(fraction, (select = rs2({ fraction, replacement: true })));
    return select(ctx);
  },
});
