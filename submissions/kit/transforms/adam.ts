/**
 * Adam's scaling (Kingma & Ba 2015) with bias correction:
 *   m ← b1·m + (1−b1)·g;  v ← b2·v + (1−b2)·g²
 *   update = m̂ / (√v̂ + eps),  m̂ = m / (1−b1ᵗ),  v̂ = v / (1−b2ᵗ)
 * With `nesterov`, the first moment is looked ahead as NAdam does (Dozat 2016, in the
 * form optax and AlgoPerf's NAdamW use): m̂ = b1·mₜ/(1−b1ᵗ⁺¹) + (1−b1)·gₜ/(1−b1ᵗ).
 */
import * as tf from '@tensorflow/tfjs';
import { fusedAdamMoments } from '../../../harness/backends/fused_ops.ts';
import type { TensorMap } from '../../../harness/spec.ts';
import { type GradientTransformation, zerosLike } from '../transform.ts';

export interface AdamOptions {
  readonly b1?: number;
  readonly b2?: number;
  readonly eps?: number;
  readonly nesterov?: boolean;
}

export interface AdamState {
  count: number;
  mu: TensorMap;
  nu: TensorMap;
  [key: string]: number | TensorMap;
}

export function scaleByAdam(options: AdamOptions = {}): GradientTransformation<AdamState> {
  const b1 = options.b1 ?? 0.9;
  const b2 = options.b2 ?? 0.999;
  const eps = options.eps ?? 1e-8;
  return {
    init: (params) => ({ count: 0, mu: zerosLike(params), nu: zerosLike(params) }),
    update: (grads, state) => {
      const count = state.count + 1;
      const c1 = 1 - b1 ** count;
      const c2 = 1 - b2 ** count;
      // NAdam: the bias-corrected look-ahead b1·m̂ₜ₊₁ + (1−b1)·g / (1−b1ᵗ).
      const look = options.nesterov ? { lookM: b1 / (1 - b1 ** (count + 1)), lookG: (1 - b1) / c1 } : undefined;
      const mu: Record<string, tf.Tensor> = {};
      const nu: Record<string, tf.Tensor> = {};
      const updates: Record<string, tf.Tensor> = {};
      for (const [n, g] of Object.entries(grads)) {
        // One kernel where the backend has it (native wasm), else the same formula in ops.
        const fused = fusedAdamMoments(g, state.mu[n]!, state.nu[n]!, { b1, b2, eps, c1, c2, nesterov: look });
        if (fused !== undefined) {
          [mu[n], nu[n], updates[n]] = fused;
          continue;
        }
        mu[n] = tf.add(tf.mul(state.mu[n]!, b1), tf.mul(g, 1 - b1));
        nu[n] = tf.add(tf.mul(state.nu[n]!, b2), tf.mul(tf.square(g), 1 - b2));
        const m = look !== undefined ? tf.add(tf.mul(mu[n], look.lookM), tf.mul(g, look.lookG)) : tf.div(mu[n], c1);
        updates[n] = tf.div(m, tf.add(tf.sqrt(tf.div(nu[n], c2)), eps));
      }
      return { updates, state: { count, mu, nu } };
    },
  };
}
