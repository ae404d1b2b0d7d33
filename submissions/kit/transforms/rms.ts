/**
 * RMSProp's scalings (Tieleman & Hinton 2012; the centred form is Graves 2013), in
 * optax's form (`scale_by_rms`, `scale_by_stddev`, no bias correction):
 *   ν ← d·ν + (1−d)·g²;  update = g / √(ν + eps)
 *   centred, also μ ← d·μ + (1−d)·g;  update = g / √(ν − μ² + eps)
 * eps sits inside the root (optax's default); PyTorch puts it outside, g/(√ν + eps).
 */
import * as tf from '@tensorflow/tfjs';
import type { TensorMap } from '../../../harness/spec.ts';
import { type GradientTransformation, mapTensors, zerosLike } from '../transform.ts';

export interface RmsOptions {
  /** Decay of the moving averages. @default 0.9 */
  readonly decay?: number;
  /** @default 1e-8 */
  readonly eps?: number;
  /** Starting value of ν. @default 0 */
  readonly initialScale?: number;
}

export interface RmsState {
  nu: TensorMap;
  [key: string]: TensorMap;
}

export interface StddevState {
  mu: TensorMap;
  nu: TensorMap;
  [key: string]: TensorMap;
}

const resolve = (o: RmsOptions) => ({ decay: o.decay ?? 0.9, eps: o.eps ?? 1e-8, initialScale: o.initialScale ?? 0 });

const movingAverage = (old: tf.Tensor, x: tf.Tensor, decay: number): tf.Tensor =>
  tf.add(tf.mul(old, decay), tf.mul(x, 1 - decay));

export function scaleByRms(options: RmsOptions = {}): GradientTransformation<RmsState> {
  const { decay, eps, initialScale } = resolve(options);
  return {
    init: (params) => ({ nu: mapTensors(params, (p) => tf.fill(p.shape, initialScale, p.dtype)) }),
    update: (grads, state) => {
      const nu = mapTensors(grads, (g, n) => movingAverage(state.nu[n]!, tf.square(g), decay));
      const updates = mapTensors(grads, (g, n) => tf.mul(g, tf.rsqrt(tf.add(nu[n]!, eps))));
      return { updates, state: { nu } };
    },
  };
}

/** The centred form: divides by an estimate of the gradient's standard deviation. */
export function scaleByStddev(options: RmsOptions = {}): GradientTransformation<StddevState> {
  const { decay, eps, initialScale } = resolve(options);
  return {
    init: (params) => ({
      mu: zerosLike(params),
      nu: mapTensors(params, (p) => tf.fill(p.shape, initialScale, p.dtype)),
    }),
    update: (grads, state) => {
      const mu = mapTensors(grads, (g, n) => movingAverage(state.mu[n]!, g, decay));
      const nu = mapTensors(grads, (g, n) => movingAverage(state.nu[n]!, tf.square(g), decay));
      // ν − μ² ≥ 0 in exact arithmetic; the relu keeps float32 rounding from taking the
      // root of a tiny negative number when the gradient is nearly constant.
      const updates = mapTensors(grads, (g, n) =>
        tf.mul(g, tf.rsqrt(tf.add(tf.relu(tf.sub(nu[n]!, tf.square(mu[n]!))), eps))),
      );
      return { updates, state: { mu, nu } };
    },
  };
}
