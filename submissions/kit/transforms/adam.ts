/**
 * Adam's scaling (Kingma & Ba 2015) with bias correction, t the 1-based step:
 *   m ← b1·m + (1−b1)·g;  v ← b2·v + (1−b2)·g²
 *   update = m̂ / (√v̂ + eps),  m̂ = m/(1−b1ᵗ),  v̂ = v/(1−b2ᵗ)
 * eps is outside the root and added to the bias-corrected √v̂, as PyTorch's Adam/AdamW,
 * optax's `scale_by_adam` and AlgoPerf's baselines all do.
 *
 * With `nesterov`, the first moment looks one step ahead (NAdam, Dozat 2016). Two
 * bias corrections of that look-ahead are in use, and `nesterovForm` picks one:
 * - 'algoperf' (default): m̂ = (b1·m + (1−b1)·g)/(1−b1ᵗ), m already updated: the
 *   NAdam of Choi et al. 2019 (Table 1) that AlgoPerf's NAdamW baselines (PyTorch and
 *   JAX) and init2winit implement;
 * - 'optax': m̂ = b1·m/(1−b1ᵗ⁺¹) + (1−b1)·g/(1−b1ᵗ), optax's `scale_by_adam(nesterov=True)`.
 * They differ most in the first steps: at t = 1 the 'algoperf' m̂ is (1+b1)·g, the
 * 'optax' one g. PyTorch's `NAdam` (with its momentum-decay schedule μₜ) is neither.
 */
import * as tf from '@tensorflow/tfjs';
import { fusedAdamMoments } from '../fused.ts';
import type { TensorMap } from '../../../harness/spec.ts';
import { type GradientTransformation, zerosLike } from '../transform.ts';

/** The bias correction of NAdam's look-ahead first moment (see `scaleByAdam`). */
export type NesterovForm = 'algoperf' | 'optax';

export interface AdamOptions {
  /** @default 0.9 */
  readonly b1?: number;
  /** @default 0.999 */
  readonly b2?: number;
  /** Added to √v̂, outside the root. @default 1e-8 */
  readonly eps?: number;
  /** NAdam's look-ahead first moment. @default false */
  readonly nesterov?: boolean;
  /** Which bias correction the look-ahead gets, with `nesterov`. @default 'algoperf' */
  readonly nesterovForm?: NesterovForm;
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
      // NAdam: m̂ = lookM·m + lookG·g, with m already updated.
      const look = options.nesterov ? lookAhead(options.nesterovForm ?? 'algoperf', b1, count) : undefined;
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

/** NAdam's m̂ = lookM·m + lookG·g at the 1-based step t, in either form. */
function lookAhead(form: NesterovForm, b1: number, t: number): { lookM: number; lookG: number } {
  const c1 = 1 - b1 ** t;
  if (form === 'optax') return { lookM: b1 / (1 - b1 ** (t + 1)), lookG: (1 - b1) / c1 };
  return { lookM: b1 / c1, lookG: (1 - b1) / c1 };
}
