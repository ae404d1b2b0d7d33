/**
 * RMSProp (Tieleman & Hinton 2012, COURSERA lecture 6.5; centred: Graves 2013,
 * "Generating Sequences With Recurrent Neural Networks"), in optax's form:
 *   ν ← d·ν + (1−d)·g²;  s = g/√(ν + eps)
 *   centred, also μ ← d·μ + (1−d)·g;  s = g/√(ν − μ² + eps)
 *   without momentum: p ← p − lrₜ·s
 *   with momentum μₘ:  b ← μₘ·b + lrₜ·s;  p ← p − b
 * Two differences from PyTorch's RMSprop: eps is inside the root (PyTorch: g/(√ν + eps)),
 * and the momentum buffer holds lr-scaled steps (PyTorch: b ← μₘ·b + s; p ← p − lrₜ·b),
 * which is the same thing while the learning rate is constant. d = 0.9 is optax's and
 * Keras's default (PyTorch's alpha defaults to 0.99).
 *
 * @example rmsprop({ lr: 1e-3, momentum: 0.9, centered: true })
 */
import { scaleByLearningRate } from '../transforms/basic.ts';
import { trace } from '../transforms/momentum.ts';
import { scaleByRms, scaleByStddev } from '../transforms/rms.ts';
import { chain, type GradientTransformation, type LearningRate } from '../transform.ts';

export interface RmspropOptions {
  readonly lr: LearningRate;
  /** Decay of the squared-gradient average. @default 0.9 */
  readonly decay?: number;
  /** @default 1e-8 */
  readonly eps?: number;
  /** Heavy-ball momentum on the scaled steps; 0 turns it off. @default 0 */
  readonly momentum?: number;
  /** Divide by the gradient's standard deviation rather than its RMS. @default false */
  readonly centered?: boolean;
}

export function rmsprop(o: RmspropOptions): GradientTransformation {
  const rms = { decay: o.decay ?? 0.9, eps: o.eps ?? 1e-8 };
  const momentum = o.momentum ?? 0;
  return chain(
    o.centered ? scaleByStddev(rms) : scaleByRms(rms),
    scaleByLearningRate(o.lr),
    ...(momentum > 0 ? [trace({ decay: momentum })] : []),
  );
}
