/**
 * Whole optimizers as chains of kit transformations. Each takes a learning rate
 * (number or schedule) and returns a GradientTransformation.
 */
import type { GradientTransformation } from './transform.ts';
import { chain } from './transform.ts';
import type { Schedule } from './schedules.ts';
import { scaleByAdam } from './transforms/adam.ts';
import { addDecayedWeights, scaleByLearningRate } from './transforms/basic.ts';
import { trace } from './transforms/momentum.ts';

type Lr = number | Schedule;

/** AdamW: Adam with decoupled weight decay (decay scaled by the learning rate, as optax and PyTorch do). */
export function adamw(o: { lr: Lr; b1?: number; b2?: number; eps?: number; weightDecay?: number }): GradientTransformation {
  return chain(
    scaleByAdam({ b1: o.b1 ?? 0.9, b2: o.b2 ?? 0.999, eps: o.eps ?? 1e-8 }),
    addDecayedWeights(o.weightDecay ?? 0),
    scaleByLearningRate(o.lr),
  );
}

/** NAdamW: AdamW with Nesterov momentum in the first moment (AlgoPerf's baseline). */
export function nadamw(o: { lr: Lr; b1?: number; b2?: number; eps?: number; weightDecay?: number }): GradientTransformation {
  return chain(
    scaleByAdam({ b1: o.b1 ?? 0.9, b2: o.b2 ?? 0.999, eps: o.eps ?? 1e-8, nesterov: true }),
    addDecayedWeights(o.weightDecay ?? 0),
    scaleByLearningRate(o.lr),
  );
}

/**
 * SGD with momentum (heavy ball, or Nesterov) and L2 weight decay added to the
 * gradient before the momentum, as PyTorch's SGD does — except that, like the kit's
 * AdamW, biases and norm parameters are not decayed (the kit's `decayMask`).
 */
export function sgd(o: { lr: Lr; momentum?: number; nesterov?: boolean; weightDecay?: number }): GradientTransformation {
  const parts: GradientTransformation[] = [addDecayedWeights(o.weightDecay ?? 0)];
  if ((o.momentum ?? 0) > 0) parts.push(trace({ decay: o.momentum ?? 0, nesterov: o.nesterov ?? false }));
  parts.push(scaleByLearningRate(o.lr));
  return chain(...parts);
}
