/**
 * The Adam family in float64, each from its published pseudo-code:
 * - AdamW: PyTorch's `torch.optim.AdamW` documentation (weight_decay λ):
 *     θ ← θ − γλθ;  m ← β1m + (1−β1)g;  v ← β2v + (1−β2)g²
 *     m̂ = m/(1−β1ᵗ);  v̂ = v/(1−β2ᵗ);  θ ← θ − γ·m̂/(√v̂ + ε)
 *   (Adam is the same with λ = 0.)
 * - NAdamW, AlgoPerf's baseline (reference_algorithms/paper_baselines/nadamw, PyTorch
 *   and JAX), which is Choi et al. 2019's NAdam (Table 1) with decoupled decay:
 *     θ ← θ·(1 − γλ);  m ← β1m + (1−β1)g;  v ← β2v + (1−β2)g²
 *     θ ← θ − γ/(1−β1ᵗ) · (β1m + (1−β1)g) / (√v/√(1−β2ᵗ) + ε)
 * - NAdamW as optax's `nadamw` documents it: m̂ = β1m/(1−β1ᵗ⁺¹) + (1−β1)g/(1−β1ᵗ).
 * - LAMB: You et al. 2020, Algorithm 2 with φ the identity and bias correction:
 *     r = m̂/(√v̂ + ε) + λθ;  θ ← θ − γ·(‖θ‖/‖r‖)·r, the ratio 1 where a norm is 0.
 */
import { adamMoments, type AdamStyleOptions, decays, norm, perParameter, type ReferenceOptimizer, type Specs } from './common.ts';

export interface AdamReferenceOptions extends AdamStyleOptions {
  /** Adam/AdamW, AlgoPerf's NAdamW, or optax's nadamw. */
  form: 'adamw' | 'nadamw_algoperf' | 'nadamw_optax';
}

export function adamwReference(specs: Specs, o: AdamReferenceOptions): ReferenceOptimizer {
  const moments = adamMoments();
  return perParameter(specs, (theta, g, step, name, spec) => {
    const { m, v } = moments(name, theta.length);
    const t = step + 1;
    const gamma = o.lr(step);
    const lambda = decays(o.mask, spec.type) ? o.wd : 0;
    for (let k = 0; k < theta.length; k++) {
      theta[k] = theta[k]! * (1 - gamma * lambda);
      m[k] = o.b1 * m[k]! + (1 - o.b1) * g[k]!;
      v[k] = o.b2 * v[k]! + (1 - o.b2) * g[k]! ** 2;
      if (o.form === 'nadamw_algoperf') {
        const lookAhead = o.b1 * m[k]! + (1 - o.b1) * g[k]!;
        const denom = Math.sqrt(v[k]!) / Math.sqrt(1 - o.b2 ** t) + o.eps;
        theta[k] = theta[k]! - (gamma / (1 - o.b1 ** t)) * (lookAhead / denom);
      } else {
        const mHat =
          o.form === 'adamw'
            ? m[k]! / (1 - o.b1 ** t)
            : (o.b1 * m[k]!) / (1 - o.b1 ** (t + 1)) + ((1 - o.b1) * g[k]!) / (1 - o.b1 ** t);
        const vHat = v[k]! / (1 - o.b2 ** t);
        theta[k] = theta[k]! - (gamma * mHat) / (Math.sqrt(vHat) + o.eps);
      }
    }
  });
}

export type LambReferenceOptions = AdamStyleOptions;

export function lambReference(specs: Specs, o: LambReferenceOptions): ReferenceOptimizer {
  const moments = adamMoments();
  return perParameter(specs, (x, g, step, name, spec) => {
    const { m, v } = moments(name, x.length);
    const t = step + 1;
    const lambda = decays(o.mask, spec.type) ? o.wd : 0;
    const r = new Float64Array(x.length);
    for (let k = 0; k < x.length; k++) {
      m[k] = o.b1 * m[k]! + (1 - o.b1) * g[k]!;
      v[k] = o.b2 * v[k]! + (1 - o.b2) * g[k]! ** 2;
      const mHat = m[k]! / (1 - o.b1 ** t);
      const vHat = v[k]! / (1 - o.b2 ** t);
      r[k] = mHat / (Math.sqrt(vHat) + o.eps) + lambda * x[k]!;
    }
    const xNorm = norm(x);
    const rNorm = norm(r);
    const ratio = xNorm === 0 || rNorm === 0 ? 1 : xNorm / rNorm;
    for (let k = 0; k < x.length; k++) x[k] = x[k]! - o.lr(step) * ratio * r[k]!;
  });
}
