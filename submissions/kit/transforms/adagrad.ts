/**
 * Adagrad's scaling (Duchi, Hazan & Singer 2011), by default as optax's `scale_by_rss`:
 *   acc ← acc + g²   (acc starts at `initialAccumulator`)
 *   update = g / √(acc + eps),   0 where the denominator is 0
 * `epsInSqrt: false` gives PyTorch's g / (√acc + eps) instead.
 */
import * as tf from '@tensorflow/tfjs';
import type { TensorMap } from '../../../harness/spec.ts';
import { type GradientTransformation, mapTensors } from '../transform.ts';

export interface RssOptions {
  /** Starting value of every accumulator, ≥ 0. @default 0.1 */
  readonly initialAccumulator?: number;
  /** @default 1e-7 */
  readonly eps?: number;
  /** eps inside the root (optax) or added to it (PyTorch). @default true */
  readonly epsInSqrt?: boolean;
}

export interface RssState {
  sumOfSquares: TensorMap;
  [key: string]: TensorMap;
}

export function scaleByRss(options: RssOptions = {}): GradientTransformation<RssState> {
  const initial = options.initialAccumulator ?? 0.1;
  const eps = options.eps ?? 1e-7;
  const epsInSqrt = options.epsInSqrt ?? true;
  return {
    init: (params) => ({ sumOfSquares: mapTensors(params, (p) => tf.fill(p.shape, initial, p.dtype)) }),
    update: (grads, state) => {
      const sumOfSquares = mapTensors(grads, (g, n) => tf.add(state.sumOfSquares[n]!, tf.square(g)));
      // divNoNan: optax's `where(acc > 0, rsqrt(acc + eps), 0)`, which matters only at eps = 0.
      const denominator = (acc: tf.Tensor) => (epsInSqrt ? tf.sqrt(tf.add(acc, eps)) : tf.add(tf.sqrt(acc), eps));
      const updates = mapTensors(grads, (g, n) => tf.divNoNan(g, denominator(sumOfSquares[n]!)));
      return { updates, state: { sumOfSquares } };
    },
  };
}
