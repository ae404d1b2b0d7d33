/**
 * NAdamW as AlgoPerf's baseline computes it (PyTorch and JAX): the look-ahead first
 * moment m̂ = (b1·m + (1−b1)·g)/(1−b1ᵗ), eps 1e-8 outside the root, decay multiplied
 * by the scheduled lr on every parameter; warmup then cosine decay over the step hint.
 */
import { defineSubmission, nadamw, num, warmupCosineFromHparams } from '../kit/index.ts';

export default defineSubmission({
  name: 'nadamw',
  batchSize: 128,
  optimizer: (h, workload) => {
    const total = workload.budget.stepHint;
    return nadamw({
      lr: warmupCosineFromHparams(h, total, { lr: 1e-3 }),
      b1: num(h, 'beta1', 0.9),
      b2: num(h, 'beta2', 0.999),
      eps: 1e-8,
      weightDecay: num(h, 'weight_decay', 1e-4),
      decayMask: 'all',
      nesterovForm: 'algoperf',
    });
  },
});
