/**
 * Adagrad (Duchi, Hazan & Singer 2011, "Adaptive Subgradient Methods for Online
 * Learning and Stochastic Optimization", JMLR 12), as optax's `adagrad`:
 *   acc ← acc + g²  (acc₀ = initialAccumulator);  p ← p − lr·g/√(acc + eps)
 * eps is inside the root (optax, Keras); PyTorch's Adagrad uses g/(√acc + eps) with
 * acc₀ = 0 and eps = 1e-10.
 *
 * @example adagrad({ lr: 0.05 })
 */
import { scaleByRss } from '../transforms/adagrad.ts';
import { scaleByLearningRate } from '../transforms/basic.ts';
import { chain, type GradientTransformation, type LearningRate } from '../transform.ts';

export interface AdagradOptions {
  readonly lr: LearningRate;
  /** @default 0.1 */
  readonly initialAccumulator?: number;
  /** @default 1e-7 */
  readonly eps?: number;
}

export function adagrad(o: AdagradOptions): GradientTransformation {
  return chain(
    scaleByRss({ initialAccumulator: o.initialAccumulator ?? 0.1, eps: o.eps ?? 1e-7 }),
    scaleByLearningRate(o.lr),
  );
}
