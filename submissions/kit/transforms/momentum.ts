/**
 * Momentum as a trace of past gradients (optax's `trace`):
 *   heavy ball:  t ← decay·t + g;  update = t
 *   Nesterov:    t ← decay·t + g;  update = decay·t + g   (Sutskever et al. 2013, in
 *                the form PyTorch's SGD uses)
 */
import type { TensorMap } from '../../../harness/spec.ts';
import { mapExprs } from '../elementwise.ts';
import { elementwiseTransformation, type GradientTransformation, zerosLike } from '../transform.ts';

export interface MomentumOptions {
  readonly decay: number;
  readonly nesterov?: boolean;
}

export interface TraceState {
  trace: TensorMap;
  [key: string]: TensorMap;
}

export function trace(options: MomentumOptions): GradientTransformation<TraceState> {
  const { decay } = options;
  return elementwiseTransformation<TraceState>({
    init: (params) => ({ trace: zerosLike(params) }),
    updateElementwise: (grads, state) => {
      const next = mapExprs(grads, (g, n) => g.program.add(g.program.mul(state.trace[n]!, decay), g));
      const updates = options.nesterov ? mapExprs(grads, (g, n) => g.program.add(g.program.mul(next[n]!, decay), g)) : next;
      return { updates, state: { trace: next } };
    },
  });
}
