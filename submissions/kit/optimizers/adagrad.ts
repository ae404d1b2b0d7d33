/**
 * Adagrad (Duchi, Hazan & Singer 2011, "Adaptive Subgradient Methods for Online
 * Learning and Stochastic Optimization", JMLR 12), by default as optax's `adagrad`:
 *   acc ← acc + g²  (acc₀ = initialAccumulator);  p ← p − lrₜ·g/√(acc + eps)
 * PyTorch's `Adagrad` differs in three defaults, each an option here:
 *   p ← p − lrₜ·g/(√acc + eps)   with acc₀ = 0, eps = 1e-10
 *   = adagrad({ lr, initialAccumulator: 0, eps: 1e-10, epsInSqrt: false })
 * (and its lr_decay, which a schedule replaces). Why optax's defaults: the kit follows
 * optax throughout, and a starting accumulator of 0.1 keeps the first step of a
 * coordinate with a tiny gradient tiny; with PyTorch's 0 every coordinate's first
 * step is a full lr·sign(g), noise included.
 *
 * @example adagrad({ lr: 0.05 })
 */
import { scaleByRss } from '../transforms/adagrad.ts';
import { scaleByLearningRate } from '../transforms/basic.ts';
import { chain, type GradientTransformation, type LearningRate } from '../transform.ts';

export interface AdagradOptions {
  readonly lr: LearningRate;
  /** Starting value of the sum of squares (PyTorch: 0). @default 0.1 */
  readonly initialAccumulator?: number;
  /** (PyTorch: 1e-10) @default 1e-7 */
  readonly eps?: number;
  /** eps inside the root (optax) or added to it (PyTorch). @default true */
  readonly epsInSqrt?: boolean;
}

export function adagrad(o: AdagradOptions): GradientTransformation {
  return chain(
    scaleByRss({ initialAccumulator: o.initialAccumulator ?? 0.1, eps: o.eps ?? 1e-7, epsInSqrt: o.epsInSqrt ?? true }),
    scaleByLearningRate(o.lr),
  );
}
