/**
 * AdamP (Heo, Chun, Oh, Han, Yun, Kim, Uh & Ha 2021, "AdamP: Slowing Down the
 * Slowdown for Momentum Optimizers on Scale-invariant Weights", ICLR), the official
 * PyTorch algorithm (clovaai/AdamP). Why: on weights followed by a normalisation
 * layer only the direction matters, and Adam's momentum mostly grows their norm,
 * which shrinks the effective step; AdamP removes the radial part of the step there.
 *
 * The rule, per parameter W with gradient g at step t (1-based):
 *   m ← b1·m + (1−b1)·g;   v ← b2·v + (1−b2)·g²;   denom = √v/√(1−b2ᵗ) + eps
 *   perturb = m/denom   (nesterov: (b1·m + (1−b1)·g)/denom)
 *   if rank(W) ≥ 2: for view in (per output channel, whole layer), the first with
 *     max |cos(g, W)| < delta/√(row size of the view) projects perturb onto the tangent
 *     space of W (perturb −= Ŵ·⟨Ŵ, perturb⟩ per row, Ŵ = W/(‖W‖+eps)) and sets ratio = wdRatio
 *   W ← W·(1 − lr·weightDecay·ratio) − lr/(1−b1ᵗ)·perturb
 * See `scaleByAdamP` for the layout of the channel view in TensorFlow.js and the kit's
 * one convention (which parameters may be projected). Every parameter decays, as in
 * the official code, unless `decayMask` says otherwise.
 *
 * @example adamp({ lr: warmupCosine(1e-3, 100, 2000), weightDecay: 1e-2 })
 */
import { type AdamPScalingOptions, scaleByAdamP } from '../transforms/adamp.ts';
import { scaleByLearningRate } from '../transforms/basic.ts';
import { chain, type GradientTransformation, type LearningRate } from '../transform.ts';

/** `scaleByAdamP`'s options (and defaults) with the learning rate that scales the step and the decay. */
export interface AdampOptions extends AdamPScalingOptions {
  readonly lr: LearningRate;
}

export function adamp(o: AdampOptions): GradientTransformation {
  const { lr, ...scaling } = o;
  return chain(scaleByAdamP(scaling), scaleByLearningRate(lr));
}
