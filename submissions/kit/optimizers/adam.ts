/**
 * Adam (Kingma & Ba 2015) and the two decoupled-decay variants the baselines use.
 * Decay is scaled by the learning rate, as optax and PyTorch do.
 *
 * @example adamw({ lr: warmupCosine(1e-3, 100, 2000), weightDecay: 1e-4 })
 */
import { scaleByAdam } from '../transforms/adam.ts';
import { addDecayedWeights, scaleByLearningRate } from '../transforms/basic.ts';
import { chain, type GradientTransformation, type LearningRate } from '../transform.ts';

export interface AdamFamilyOptions {
  readonly lr: LearningRate;
  readonly b1?: number;
  readonly b2?: number;
  readonly eps?: number;
  readonly weightDecay?: number;
}

function adamChain(o: AdamFamilyOptions, nesterov: boolean): GradientTransformation {
  return chain(
    scaleByAdam({ b1: o.b1 ?? 0.9, b2: o.b2 ?? 0.999, eps: o.eps ?? 1e-8, nesterov }),
    addDecayedWeights(o.weightDecay ?? 0),
    scaleByLearningRate(o.lr),
  );
}

/** Adam without weight decay. */
export function adam(o: Omit<AdamFamilyOptions, 'weightDecay'>): GradientTransformation {
  return adamChain(o, false);
}

/** AdamW (Loshchilov & Hutter 2019): p ← p − lr·(m̂/(√v̂+eps) + wd·p). */
export function adamw(o: AdamFamilyOptions): GradientTransformation {
  return adamChain(o, false);
}

/** NAdamW: AdamW with Nesterov momentum in the first moment (AlgoPerf's baseline). */
export function nadamw(o: AdamFamilyOptions): GradientTransformation {
  return adamChain(o, true);
}
