/**
 * Stateless and counting transformations: decoupled weight decay, learning-rate
 * scaling (a number or a schedule of the step), and gradient clipping.
 */
import * as tf from '@tensorflow/tfjs';
import { mapExprs } from '../elementwise.ts';
import {
  type DecayMask,
  elementwiseTransformation,
  type GradientTransformation,
  type LearningRate,
  mapTensors,
  resolveDecayMask,
} from '../transform.ts';

type Empty = Record<string, never>;

/**
 * Adds `rate · p` to the updates of the masked parameters (optax's
 * `add_decayed_weights`). Placed before `scaleByLearningRate` it gives AdamW's
 * decoupled decay scaled by the learning rate, p ← p − lr·(adam(g) + rate·p), which
 * is PyTorch's p ← p·(1 − lr·rate) − lr·adam(g); placed first, before a momentum, it
 * is SGD's L2 term added to the gradient. Every parameter by default, as optax and
 * PyTorch; a parameter missing from `info.types` counts as a 'weight'.
 */
export function addDecayedWeights(rate: number, mask: DecayMask = 'all'): GradientTransformation<Empty> {
  const decays = resolveDecayMask(mask);
  return elementwiseTransformation<Empty>({
    init: () => ({}),
    updateElementwise: (updates, state, params, info) => ({
      updates:
        rate === 0
          ? updates
          : mapExprs(updates, (u, n) => (decays(info.types[n] ?? 'weight', n) ? u.program.add(u, u.program.mul(params[n]!, rate)) : u)),
      state,
    }),
  });
}

export interface CountState {
  count: number;
  [key: string]: number;
}

/** Multiplies updates by −lr (descent), where lr may follow a schedule of the step. */
export function scaleByLearningRate(lr: LearningRate): GradientTransformation<CountState> {
  return elementwiseTransformation<CountState>({
    init: () => ({ count: 0 }),
    updateElementwise: (updates, state) => {
      const rate = typeof lr === 'number' ? lr : lr(state.count);
      return { updates: mapExprs(updates, (u) => u.program.mul(u, -rate)), state: { count: state.count + 1 } };
    },
  });
}

/** Multiplies updates by a constant. */
export function scale(factor: number): GradientTransformation<Empty> {
  return elementwiseTransformation<Empty>({
    init: () => ({}),
    updateElementwise: (updates, state) => ({ updates: mapExprs(updates, (u) => u.program.mul(u, factor)), state }),
  });
}

/** Rescales all updates together so that their global L2 norm is at most `maxNorm`. */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<Empty> {
  return {
    init: () => ({}),
    update: (updates, state) => {
      if (Object.keys(updates).length === 0) return { updates, state };
      const norm = Math.sqrt(
        tf.addN(Object.values(updates).map((u) => tf.sum(tf.square(u)))).dataSync()[0]!,
      );
      if (!(norm > maxNorm)) return { updates, state };
      return { updates: mapTensors(updates, (u) => tf.mul(u, maxNorm / norm)), state };
    },
  };
}
