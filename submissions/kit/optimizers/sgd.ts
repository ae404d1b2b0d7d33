/**
 * SGD, optionally with momentum (heavy ball or Nesterov), as PyTorch's `SGD` with
 * dampening 0 and optax's `chain(add_decayed_weights(wd), sgd(lr, momentum, nesterov))`
 * (AlgoPerf's momentum and Nesterov baselines, both frameworks):
 *   d = g + wd·p                         L2 decay, added to the gradient first
 *   b ← μ·b + d                          (b starts at 0, so the first b is d)
 *   heavy ball: s = b;  Nesterov: s = d + μ·b
 *   p ← p − lrₜ·s
 * Why the decay comes first: that is what both frameworks do, so the decay term is
 * carried by the momentum (for Nesterov it also enters the look-ahead). The momentum
 * buffer holds unscaled directions, and the learning rate multiplies at the end, as
 * in PyTorch; a changing lr therefore rescales the whole buffer at once. No dampening
 * option: PyTorch's default is 0, optax has none. Every parameter decays unless
 * `decayMask` says otherwise.
 *
 * @example sgd({ lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 })
 */
import { addDecayedWeights, scaleByLearningRate } from '../transforms/basic.ts';
import { trace } from '../transforms/momentum.ts';
import { chain, type DecayMask, type GradientTransformation, type LearningRate } from '../transform.ts';

export interface SgdOptions {
  readonly lr: LearningRate;
  /** μ; 0 is plain SGD. @default 0 */
  readonly momentum?: number;
  /** Nesterov's look-ahead (needs momentum > 0). @default false */
  readonly nesterov?: boolean;
  /** L2 decay added to the gradient, before the momentum. @default 0 */
  readonly weightDecay?: number;
  /** Which parameters decay. @default 'all' (PyTorch, optax, AlgoPerf) */
  readonly decayMask?: DecayMask;
}

export function sgd(o: SgdOptions): GradientTransformation {
  const parts: GradientTransformation[] = [addDecayedWeights(o.weightDecay ?? 0, o.decayMask)];
  if ((o.momentum ?? 0) > 0) parts.push(trace({ decay: o.momentum ?? 0, nesterov: o.nesterov ?? false }));
  parts.push(scaleByLearningRate(o.lr));
  return chain(...parts);
}
