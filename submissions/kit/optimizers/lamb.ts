/**
 * LAMB (You et al. 2020, "Large Batch Optimization for Deep Learning: Training BERT in
 * 76 minutes", ICLR), as optax's `lamb`: AdamW's direction, rescaled per parameter
 * tensor by a trust ratio so that each layer's step is proportional to its norm.
 *   r = m̂/(√v̂ + eps) + wd·p        (Adam with bias correction; decay masked by type)
 *   p ← p − lrₜ · (‖p‖/‖r‖) · r      (ratio 1 when ‖p‖ or ‖r‖ is 0)
 * The trust ratio applies to every parameter, biases and norms included (as optax); only
 * the decay skips them (the kit's `decayMask`).
 *
 * @example lamb({ lr: warmupCosine(2e-3, 500, 10_000), weightDecay: 0.01 })
 */
import { scaleByAdam } from '../transforms/adam.ts';
import { addDecayedWeights, scaleByLearningRate } from '../transforms/basic.ts';
import { scaleByTrustRatio } from '../transforms/trust_ratio.ts';
import { chain, type GradientTransformation, type LearningRate } from '../transform.ts';

export interface LambOptions {
  readonly lr: LearningRate;
  /** @default 0.9 */
  readonly b1?: number;
  /** @default 0.999 */
  readonly b2?: number;
  /** @default 1e-6 */
  readonly eps?: number;
  /** Decoupled decay, added to the Adam direction before the trust ratio. @default 0 */
  readonly weightDecay?: number;
}

export function lamb(o: LambOptions): GradientTransformation {
  return chain(
    scaleByAdam({ b1: o.b1 ?? 0.9, b2: o.b2 ?? 0.999, eps: o.eps ?? 1e-6 }),
    addDecayedWeights(o.weightDecay ?? 0),
    scaleByTrustRatio(),
    scaleByLearningRate(o.lr),
  );
}
