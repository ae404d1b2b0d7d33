/**
 * Adam (Kingma & Ba 2015) and its two decoupled-decay variants, in the conventions of
 * PyTorch's `AdamW`, optax's `adamw` and AlgoPerf's AdamW and NAdamW baselines, with t
 * the 1-based step and lrₜ the learning rate of that step:
 *   m ← b1·m + (1−b1)·g;  v ← b2·v + (1−b2)·g²
 *   p ← p − lrₜ·(m̂/(√v̂ + eps) + wd·p)          (= PyTorch's p·(1 − lrₜ·wd) first)
 *   adam/adamw: m̂ = m/(1−b1ᵗ);  nadamw: m̂ = (b1·m + (1−b1)·g)/(1−b1ᵗ) (AlgoPerf)
 *   v̂ = v/(1−b2ᵗ), eps outside the root.
 * Why these: the baselines are meant to be AlgoPerf's, so the decay is multiplied by
 * the scheduled lr (not by the schedule's multiplier alone, as Loshchilov & Hutter's
 * paper has it), and it applies to every parameter unless `decayMask` says otherwise.
 * See docs/kit.md for the NAdam forms and what differs from PyTorch's `NAdam`.
 *
 * @example adamw({ lr: warmupCosine(1e-3, 100, 2000), weightDecay: 1e-4 })
 * @example nadamw({ lr: 1e-3, weightDecay: 1e-4, decayMask: 'no_bias_norm' })
 */
import { type NesterovForm, scaleByAdam } from '../transforms/adam.ts';
import { addDecayedWeights, scaleByLearningRate } from '../transforms/basic.ts';
import { chain, type DecayMask, type GradientTransformation, type LearningRate } from '../transform.ts';

export interface AdamFamilyOptions {
  readonly lr: LearningRate;
  /** @default 0.9 */
  readonly b1?: number;
  /** @default 0.999 */
  readonly b2?: number;
  /** Added to √v̂, outside the root. @default 1e-8 */
  readonly eps?: number;
  /** Decoupled, multiplied by the scheduled lr. @default 0 */
  readonly weightDecay?: number;
  /** Which parameters decay. @default 'all' (PyTorch, optax, AlgoPerf) */
  readonly decayMask?: DecayMask;
}

export interface NadamwOptions extends AdamFamilyOptions {
  /** The look-ahead's bias correction: AlgoPerf's or optax's. @default 'algoperf' */
  readonly nesterovForm?: NesterovForm;
}

function adamChain(o: NadamwOptions, nesterov: boolean): GradientTransformation {
  return chain(
    scaleByAdam({ b1: o.b1 ?? 0.9, b2: o.b2 ?? 0.999, eps: o.eps ?? 1e-8, nesterov, nesterovForm: o.nesterovForm }),
    addDecayedWeights(o.weightDecay ?? 0, o.decayMask),
    scaleByLearningRate(o.lr),
  );
}

/** Adam without weight decay (PyTorch's `Adam` with weight_decay 0, optax's `adam`). */
export function adam(o: Omit<AdamFamilyOptions, 'weightDecay' | 'decayMask'>): GradientTransformation {
  return adamChain(o, false);
}

/** AdamW (Loshchilov & Hutter 2019), as PyTorch's `AdamW` and AlgoPerf's AdamW baseline. */
export function adamw(o: AdamFamilyOptions): GradientTransformation {
  return adamChain(o, false);
}

/**
 * NAdamW: AdamW with Nesterov's look-ahead in the first moment, by default exactly
 * AlgoPerf's NAdamW baseline; `nesterovForm: 'optax'` gives optax's `nadamw`.
 */
export function nadamw(o: NadamwOptions): GradientTransformation {
  return adamChain(o, true);
}
