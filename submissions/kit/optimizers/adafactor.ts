/**
 * Adafactor (Shazeer & Stern 2018, "Adafactor: Adaptive Learning Rates with Sublinear
 * Memory Cost", ICML), in the form of optax's `adafactor`. Per parameter tensor, step t
 * from 1, β2ₜ = 1 − t^(−decayRate):
 *   s = g/√V̂               V̂: factored row/column averages of g² + eps1 for matrices,
 *                           a full average for vectors (see `scaleByFactoredRms`)
 *   s ← s / max(1, RMS(s)/clipThreshold)                       update clipping
 *   s ← lrₜ · max(eps2, RMS(p)) · s                            relative step size
 *   m ← β1·m + (1−β1)·s;  s ← m                                if `momentum` = β1 is set
 *   p ← p − s − wd·p
 * As in optax: the learning rate takes the place of the paper's ρₜ (no built-in
 * min(1e-2, 1/√t)); the momentum averages lr-scaled steps; and the weight decay is NOT
 * multiplied by the learning rate (optax's `weight_decay_rate`), unlike the kit's other
 * optimizers. It applies to every parameter unless `decayMask` says otherwise, as
 * optax's `weight_decay_mask` = None. Unlike optax (min_dim_size_to_factor = 128),
 * every matrix is factored by default (the paper's choice); pass 128 for optax's.
 * AlgoPerf's Adafactor baseline is a different implementation (praxis's sharded
 * Adafactor, with its own defaults); see docs/kit.md.
 *
 * @example adafactor({ lr: warmupCosine(1e-2, 1000, 20_000), momentum: 0.9 })
 */
import { addDecayedWeights, scaleByLearningRate } from '../transforms/basic.ts';
import { ema } from '../transforms/ema.ts';
import { scaleByFactoredRms } from '../transforms/factored_rms.ts';
import { chain, type DecayMask, type GradientTransformation, type LearningRate } from '../transform.ts';

export interface AdafactorOptions {
  readonly lr: LearningRate;
  /** Exponent of the second-moment decay β2ₜ = 1 − t^(−decayRate). @default 0.8 */
  readonly decayRate?: number;
  /** Added to g² in the second moment. @default 1e-30 */
  readonly eps1?: number;
  /** Smallest parameter scale in the relative step size. @default 1e-3 */
  readonly eps2?: number;
  /** Largest RMS of a parameter's scaled step; Infinity turns clipping off. @default 1 */
  readonly clipThreshold?: number;
  /** β1 of a first-moment average of the steps; none when unset or 0. */
  readonly momentum?: number;
  /** Scale steps by max(eps2, RMS(p)); else lr is an absolute step size. @default true */
  readonly multiplyByParameterScale?: boolean;
  /** Per-step decay, not scaled by lr (see above). @default 0 */
  readonly weightDecay?: number;
  /** Which parameters decay. @default 'all' (optax) */
  readonly decayMask?: DecayMask;
  /** Factor a parameter only if its second-largest dimension is at least this. @default 1 */
  readonly minDimSizeToFactor?: number;
}

export function adafactor(o: AdafactorOptions): GradientTransformation {
  const clipThreshold = o.clipThreshold ?? 1;
  const momentum = o.momentum ?? 0;
  const weightDecay = o.weightDecay ?? 0;
  return chain(
    scaleByFactoredRms({
      decayRate: o.decayRate ?? 0.8,
      eps: o.eps1 ?? 1e-30,
      minDimSizeToFactor: o.minDimSizeToFactor ?? 1,
      // The clipping and the relative step size in the same transformation (as
      // clipByBlockRms and scaleByParamBlockRms after it): their two scalars join u as
      // one factor in the update's program.
      clipThreshold,
      ...((o.multiplyByParameterScale ?? true) ? { paramScale: o.eps2 ?? 1e-3 } : {}),
    }),
    // −lrₜ·s: the descent sign comes here, so the average below holds negated steps
    // and the decay enters negated too: p ← p − s − wd·p, with no lr on the decay.
    scaleByLearningRate(o.lr),
    ...(momentum > 0 ? [ema(momentum)] : []),
    ...(weightDecay !== 0 ? [addDecayedWeights(-weightDecay, o.decayMask)] : []),
  );
}
