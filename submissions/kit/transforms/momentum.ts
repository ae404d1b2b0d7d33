/**
 * Momentum as a trace of past gradients (optax's `trace`):
 *   heavy ball:  t ← decay·t + g;  update = t
 *   Nesterov:    t ← decay·t + g;  update = decay·t + g   (Sutskever et al. 2013, in
 *                the form PyTorch's SGD uses)
 */
import * as tf from '@tensorflow/tfjs';
import type { TensorMap } from '../../../harness/spec.ts';
import { type GradientTransformation, mapTensors, zerosLike } from '../transform.ts';

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
  return {
    init: (params) => ({ trace: zerosLike(params) }),
    update: (grads, state) => {
      const next = mapTensors(grads, (g, n) => tf.add(tf.mul(state.trace[n]!, decay), g));
      const updates = options.nesterov ? mapTensors(grads, (g, n) => tf.add(tf.mul(next[n]!, decay), g)) : next;
      return { updates, state: { trace: next } };
    },
  };
}
