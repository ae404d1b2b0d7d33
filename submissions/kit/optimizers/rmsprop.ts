/**
 * RMSProp (Tieleman & Hinton 2012, COURSERA lecture 6.5; centred: Graves 2013,
 * "Generating Sequences With Recurrent Neural Networks"), by default in optax's form:
 *   ν ← d·ν + (1−d)·g²;  s = g/√(ν + eps)
 *   centred, also μ ← d·μ + (1−d)·g;  s = g/√(ν − μ² + eps)
 *   without momentum: p ← p − lrₜ·s
 *   with momentum μₘ:  b ← μₘ·b + lrₜ·s;  p ← p − b
 * PyTorch's `RMSprop` differs in three conventions, each an option here:
 * - eps outside the root, s = g/(√ν + eps): `epsInSqrt: false`;
 * - the momentum buffer holds unscaled steps, b ← μₘ·b + s; p ← p − lrₜ·b:
 *   `lrPlacement: 'after_momentum'` (the same while lr is constant);
 * - d (PyTorch's alpha) defaults to 0.99 there, 0.9 here (optax, Keras): `decay: 0.99`.
 * So PyTorch's RMSprop is
 *   rmsprop({ lr, decay: 0.99, epsInSqrt: false, lrPlacement: 'after_momentum', momentum, centered }).
 * The defaults stay optax's because the kit is optax-shaped throughout and no baseline
 * uses RMSProp. There is no weight decay option (PyTorch's adds wd·p to g; chain
 * `addDecayedWeights` first for that).
 *
 * @example rmsprop({ lr: 1e-3, momentum: 0.9, centered: true })
 */
import { scaleByLearningRate } from '../transforms/basic.ts';
import { trace } from '../transforms/momentum.ts';
import { scaleByRms, scaleByStddev } from '../transforms/rms.ts';
import { chain, type GradientTransformation, type LearningRate } from '../transform.ts';

export interface RmspropOptions {
  readonly lr: LearningRate;
  /** Decay of the squared-gradient average (PyTorch's alpha). @default 0.9 */
  readonly decay?: number;
  /** @default 1e-8 */
  readonly eps?: number;
  /** eps inside the root (optax) or added to it (PyTorch). @default true */
  readonly epsInSqrt?: boolean;
  /** Heavy-ball momentum on the scaled steps; 0 turns it off. @default 0 */
  readonly momentum?: number;
  /**
   * With momentum: lr applied before the momentum (optax: the buffer holds lr-scaled
   * steps) or after it (PyTorch). @default 'before_momentum'
   */
  readonly lrPlacement?: 'before_momentum' | 'after_momentum';
  /** Divide by the gradient's standard deviation rather than its RMS. @default false */
  readonly centered?: boolean;
}

export function rmsprop(o: RmspropOptions): GradientTransformation {
  const rms = { decay: o.decay ?? 0.9, eps: o.eps ?? 1e-8, epsInSqrt: o.epsInSqrt ?? true };
  const momentum = o.momentum ?? 0;
  const scaling = o.centered ? scaleByStddev(rms) : scaleByRms(rms);
  if (momentum <= 0) return chain(scaling, scaleByLearningRate(o.lr));
  const buffer = trace({ decay: momentum });
  return (o.lrPlacement ?? 'before_momentum') === 'before_momentum'
    ? chain(scaling, scaleByLearningRate(o.lr), buffer)
    : chain(scaling, buffer, scaleByLearningRate(o.lr));
}
