/**
 * An exponential moving average of the updates, as optax's `ema` without debiasing:
 *   m ← decay·m + (1−decay)·u;  update = m
 * Unlike `trace` (m ← decay·m + u), the input is weighted by (1−decay), so the average
 * keeps the scale of the updates. Adafactor's optional momentum is this.
 */
import * as tf from '@tensorflow/tfjs';
import type { TensorMap } from '../../../harness/spec.ts';
import { type GradientTransformation, mapTensors, zerosLike } from '../transform.ts';

export interface EmaState {
  ema: TensorMap;
  [key: string]: TensorMap;
}

export function ema(decay: number): GradientTransformation<EmaState> {
  return {
    init: (params) => ({ ema: zerosLike(params) }),
    update: (updates, state) => {
      const next = mapTensors(updates, (u, n) => tf.add(tf.mul(state.ema[n]!, decay), tf.mul(u, 1 - decay)));
      return { updates: next, state: { ema: next } };
    },
  };
}
