/**
 * Adagrad's scaling (Duchi, Hazan & Singer 2011), in optax's form (`scale_by_rss`):
 *   acc ← acc + g²   (acc starts at `initialAccumulator`)
 *   update = g / √(acc + eps),   0 where acc + eps is 0
 * eps sits inside the root, as in optax and Keras; PyTorch puts it outside, g/(√acc + eps).
 */
import * as tf from '@tensorflow/tfjs';
import type { TensorMap } from '../../../harness/spec.ts';
import { type GradientTransformation, mapTensors } from '../transform.ts';

export interface RssOptions {
  /** Starting value of every accumulator, ≥ 0. @default 0.1 */
  readonly initialAccumulator?: number;
  /** @default 1e-7 */
  readonly eps?: number;
}

export interface RssState {
  sumOfSquares: TensorMap;
  [key: string]: TensorMap;
}

export function scaleByRss(options: RssOptions = {}): GradientTransformation<RssState> {
  const initial = options.initialAccumulator ?? 0.1;
  const eps = options.eps ?? 1e-7;
  return {
    init: (params) => ({ sumOfSquares: mapTensors(params, (p) => tf.fill(p.shape, initial, p.dtype)) }),
    update: (grads, state) => {
      const sumOfSquares = mapTensors(grads, (g, n) => tf.add(state.sumOfSquares[n]!, tf.square(g)));
      // divNoNan: optax's `where(acc > 0, rsqrt(acc + eps), 0)`, which matters only at eps = 0.
      const updates = mapTensors(grads, (g, n) => tf.divNoNan(g, tf.sqrt(tf.add(sumOfSquares[n]!, eps))));
      return { updates, state: { sumOfSquares } };
    },
  };
}
