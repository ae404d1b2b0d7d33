/**
 * Adagrad's scaling (Duchi, Hazan & Singer 2011), by default as optax's `scale_by_rss`:
 *   acc ← acc + g²   (acc starts at `initialAccumulator`)
 *   update = g / √(acc + eps),   0 where the denominator is 0
 * `epsInSqrt: false` gives PyTorch's g / (√acc + eps) instead.
 */
import * as tf from '@tensorflow/tfjs';
import type { TensorMap } from '../../../harness/spec.ts';
import { mapExprs } from '../elementwise.ts';
import { elementwiseTransformation, type GradientTransformation, mapTensors } from '../transform.ts';

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
  return elementwiseTransformation<RssState>({
    init: (params) => ({ sumOfSquares: mapTensors(params, (p) => tf.fill(p.shape, initial, p.dtype)) }),
    updateElementwise: (grads, state) => {
      const sumOfSquares = mapExprs(grads, (g, n) => g.program.add(state.sumOfSquares[n]!, g.program.square(g)));
      // divNoNan: optax's `where(acc > 0, rsqrt(acc + eps), 0)`, which matters only at eps = 0.
      const updates = mapExprs(grads, (g, n) => {
        const { add, sqrt } = g.program;
        const acc = sumOfSquares[n]!;
        return g.program.divNoNan(g, epsInSqrt ? sqrt(add(acc, eps)) : add(sqrt(acc), eps));
      });
      return { updates, state: { sumOfSquares } };
    },
  });
}
