/**
 * An exponential moving average of the updates, as optax's `ema` without debiasing:
 *   m ← decay·m + (1−decay)·u;  update = m
 * Unlike `trace` (m ← decay·m + u), the input is weighted by (1−decay), so the average
 * keeps the scale of the updates. Adafactor's optional momentum is this.
 */
import type { TensorMap } from '../../../harness/spec.ts';
import { mapExprs } from '../elementwise.ts';
import { elementwiseTransformation, type GradientTransformation, zerosLike } from '../transform.ts';

export interface EmaState {
  ema: TensorMap;
  [key: string]: TensorMap;
}

export function ema(decay: number): GradientTransformation<EmaState> {
  return elementwiseTransformation<EmaState>({
    init: (params) => ({ ema: zerosLike(params) }),
    updateElementwise: (updates, state) => {
      const next = mapExprs(updates, (u, n) => u.program.average(state.ema[n]!, u, decay));
      return { updates: next, state: { ema: next } };
    },
  });
}
