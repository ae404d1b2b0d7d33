/**
 * LAMB (You et al. 2020, "Large Batch Optimization for Deep Learning: Training BERT in
 * 76 minutes", ICLR, Algorithm 2 with φ the identity), as optax's `lamb` and
 * AlgoPerf's LAMB baseline (which is optax's): AdamW's direction, rescaled per
 * parameter tensor by a trust ratio so that each layer's step is proportional to its
 * norm. With t the 1-based step:
 *   r = m̂/(√v̂ + eps) + wd·p        (Adam with bias correction, eps outside the root)
 *   p ← p − lrₜ · (‖p‖/‖r‖) · r      (ratio 1 when ‖p‖ or ‖r‖ is 0)
 * The trust ratio applies to every parameter; so does the decay unless `decayMask`
 * says otherwise (the BERT recipe, `'no_bias_norm'`, skips biases and LayerNorm).
 * eps defaults to optax's 1e-6; AlgoPerf's baseline passes 1e-8.
 *
 * @example lamb({ lr: warmupCosine(2e-3, 500, 10_000), weightDecay: 0.01 })
 */
import type { AdamFamilyOptions } from './adam.ts';
import { scaleByLearningRate } from '../transforms/basic.ts';
import { scaleByAdamWithNorms, scaleByDecayedTrustRatio } from '../transforms/trust_ratio.ts';
import { chain, type GradientTransformation } from '../transform.ts';

/** AdamW's options; only eps's default differs (optax's `lamb`). */
export interface LambOptions extends AdamFamilyOptions {
  /** Added to √v̂, outside the root. @default 1e-6 */
  readonly eps?: number;
}

export function lamb(o: LambOptions): GradientTransformation {
  return chain(
    // Adam; with the native kernel, the trust ratio of the decayed update from Σu², Σu·p,
    // Σp² taken in the same pass (else one dots pass next).
    scaleByAdamWithNorms({ b1: o.b1 ?? 0.9, b2: o.b2 ?? 0.999, eps: o.eps ?? 1e-6, trustRatio: { rate: o.weightDecay ?? 0, ...(o.decayMask !== undefined ? { mask: o.decayMask } : {}) } }),
    // addDecayedWeights then scaleByTrustRatio, with that ratio (or from the sums).
    scaleByDecayedTrustRatio(o.weightDecay ?? 0, o.decayMask),
    scaleByLearningRate(o.lr),
  );
}
