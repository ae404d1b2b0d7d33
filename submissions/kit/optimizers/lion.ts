/**
 * Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms", NeurIPS,
 * Algorithm 2), as optax's `lion`, the authors' PyTorch code and AlgoPerf's Lion
 * baseline:
 *   u = sign(b1·m + (1−b1)·g);  p ← p − lrₜ·(u + wd·p);  m ← b2·m + (1−b2)·g
 * The decay is decoupled and multiplied by the scheduled lr (the paper's p·(1 − lrₜ·wd)),
 * and it applies to every parameter unless `decayMask` says otherwise. Since |u| = 1,
 * good learning rates are 3–10× below AdamW's, and weight decays as much above.
 *
 * @example lion({ lr: 3e-4, weightDecay: 0.1 })
 */
import { addDecayedWeights, scaleByLearningRate } from '../transforms/basic.ts';
import { scaleByLion } from '../transforms/lion.ts';
import { chain, type DecayMask, type GradientTransformation, type LearningRate } from '../transform.ts';

export interface LionOptions {
  readonly lr: LearningRate;
  /** @default 0.9 */
  readonly b1?: number;
  /** @default 0.99 */
  readonly b2?: number;
  /** Decoupled, multiplied by the scheduled lr. @default 0 */
  readonly weightDecay?: number;
  /** Which parameters decay. @default 'all' (optax, the paper's code, AlgoPerf) */
  readonly decayMask?: DecayMask;
}

export function lion(o: LionOptions): GradientTransformation {
  return chain(
    scaleByLion({ b1: o.b1 ?? 0.9, b2: o.b2 ?? 0.99 }),
    addDecayedWeights(o.weightDecay ?? 0, o.decayMask),
    scaleByLearningRate(o.lr),
  );
}
