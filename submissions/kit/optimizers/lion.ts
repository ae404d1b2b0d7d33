/**
 * Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms", NeurIPS), as
 * optax's `lion`, with decoupled weight decay:
 *   u = sign(b1·m + (1−b1)·g);  m ← b2·m + (1−b2)·g;  p ← p − lrₜ·(u + wd·p)
 * The decay is masked by type (the kit's `decayMask`). Since |u| = 1, good learning
 * rates are 3–10× below AdamW's, and weight decays as much above (the paper's advice).
 *
 * @example lion({ lr: 3e-4, weightDecay: 0.1 })
 */
import { addDecayedWeights, scaleByLearningRate } from '../transforms/basic.ts';
import { scaleByLion } from '../transforms/lion.ts';
import { chain, type GradientTransformation, type LearningRate } from '../transform.ts';

export interface LionOptions {
  readonly lr: LearningRate;
  /** @default 0.9 */
  readonly b1?: number;
  /** @default 0.99 */
  readonly b2?: number;
  /** @default 0 */
  readonly weightDecay?: number;
}

export function lion(o: LionOptions): GradientTransformation {
  return chain(
    scaleByLion({ b1: o.b1 ?? 0.9, b2: o.b2 ?? 0.99 }),
    addDecayedWeights(o.weightDecay ?? 0),
    scaleByLearningRate(o.lr),
  );
}
