/**
 * Shampoo (Gupta, Koren & Singer 2018, "Shampoo: Preconditioned Stochastic Tensor
 * Optimization", ICML) for the small matrices of these workloads, with the layer-wise
 * learning-rate grafting of practical Shampoo (Anil, Gupta, Koren, Regan & Singer
 * 2020, "Scalable Second Order Optimization for Deep Learning"). Why: a full-matrix
 * AdaGrad-like preconditioner per layer at the cost of two small matrices, where
 * diagonal methods ignore how the rows and columns of a weight correlate.
 *
 * The rule, for a weight G (m×n) at step t:
 *   L ← L + G·Gᵀ;   R ← R + Gᵀ·G          (b2 set: L ← b2·L + (1−b2)·G·Gᵀ, alike for R)
 *   D = (L + eps·I)^(−1/4) · G · (R + eps·I)^(−1/4)     roots refreshed every `updateEvery` steps
 *   D ← D·‖A‖/‖D‖, A the AdaGrad step g/√(H + eps) (graftWith 'adagrad'), or A = g ('sgd')
 *   W ← W − lr·(D + weightDecay·W)         (every parameter decays unless `decayMask` says otherwise)
 * Vectors, and matrices with a side over `maxDim`, use diagonal AdaGrad
 * (H ← H + g², D = g/√(H + eps)). The inverse roots come from a float64 Jacobi
 * eigen-decomposition on the CPU; see `scaleByShampoo` for what that costs (12–33 s
 * for a 784×784 statistic, hence `updateEvery`) and for the other details.
 *
 * This is not AlgoPerf's Shampoo baseline (Anil et al.'s Distributed Shampoo, with
 * blocking, momentum, its own grafting and epsilons); see docs/kit.md.
 *
 * @example shampoo({ lr: 1e-3, b2: 0.999, updateEvery: 50, graftWith: 'adagrad' })
 */
import { addDecayedWeights, scaleByLearningRate } from '../transforms/basic.ts';
import { scaleByShampoo, type ShampooGraft } from '../transforms/shampoo.ts';
import { chain, type DecayMask, type GradientTransformation, type LearningRate } from '../transform.ts';

export interface ShampooOptions {
  readonly lr: LearningRate;
  /** Moving-average decay of the statistics; unset: they are sums, as in the paper. */
  readonly b2?: number;
  /** @default 1e-4 */
  readonly eps?: number;
  /** @default 1 */
  readonly updateEvery?: number;
  /** @default 'adagrad' */
  readonly graftWith?: ShampooGraft;
  /** @default 1024 */
  readonly maxDim?: number;
  /** Decoupled weight decay, multiplied by the scheduled lr. @default 0 */
  readonly weightDecay?: number;
  /** Which parameters decay. @default 'all' */
  readonly decayMask?: DecayMask;
}

export function shampoo(o: ShampooOptions): GradientTransformation {
  return chain(
    scaleByShampoo({
      b2: o.b2,
      eps: o.eps ?? 1e-4,
      updateEvery: o.updateEvery ?? 1,
      graftWith: o.graftWith ?? 'adagrad',
      maxDim: o.maxDim ?? 1024,
    }),
    addDecayedWeights(o.weightDecay ?? 0, o.decayMask),
    scaleByLearningRate(o.lr),
  );
}
