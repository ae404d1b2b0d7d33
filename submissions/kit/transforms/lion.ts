/**
 * Lion's scaling (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"),
 * as optax's `scale_by_lion`: the sign of an interpolation, with a slower momentum.
 *   update = sign(b1·m + (1−b1)·g);  m ← b2·m + (1−b2)·g
 * Every coordinate moves by exactly ±1 (0 where the interpolation is 0), so Lion wants
 * a learning rate 3–10× smaller than AdamW's and a weight decay as much larger.
 */
import type { TensorMap } from '../../../harness/spec.ts';
import { mapExprs } from '../elementwise.ts';
import { elementwiseTransformation, type GradientTransformation, zerosLike } from '../transform.ts';

export interface LionScaleOptions {
  /** Weight of the momentum in the signed interpolation. @default 0.9 */
  readonly b1?: number;
  /** Decay of the momentum. @default 0.99 */
  readonly b2?: number;
}

export interface LionState {
  mu: TensorMap;
  [key: string]: TensorMap;
}

export function scaleByLion(options: LionScaleOptions = {}): GradientTransformation<LionState> {
  const b1 = options.b1 ?? 0.9;
  const b2 = options.b2 ?? 0.99;
  return elementwiseTransformation<LionState>({
    init: (params) => ({ mu: zerosLike(params) }),
    updateElementwise: (grads, state) => {
      const updates = mapExprs(grads, (g, n) => g.program.sign(g.program.average(state.mu[n]!, g, b1)));
      const mu = mapExprs(grads, (g, n) => g.program.average(state.mu[n]!, g, b2));
      return { updates, state: { mu } };
    },
  });
}
