/**
 * Lion and Adafactor in float64.
 *
 * Lion, Chen et al. 2023, Algorithm 2 (decoupled decay λ, as their code and AlgoPerf's):
 *   c = β1m + (1−β1)g;  θ ← θ − ηₜ·(sign(c) + λθ);  m ← β2m + (1−β2)g
 *
 * Adafactor, Shazeer & Stern 2018, Algorithms 4 and 5 with update clipping, with the
 * choices optax's `adafactor` documents where the paper leaves one open: the learning
 * rate stands for ρₜ, the optional momentum averages the final (lr-scaled) steps, and
 * the decay is a per-step λ·x not multiplied by the learning rate. For an n×m matrix
 * factored (when min(n, m) ≥ factorMin), with β̂2ₜ = 1 − t^(−c), t from 1:
 *   Rₜ = β̂2ₜ·Rₜ₋₁ + (1−β̂2ₜ)·(G² + ε1)·1ₘ       (row sums, length n)
 *   Cₜ = β̂2ₜ·Cₜ₋₁ + (1−β̂2ₜ)·1ₙᵀ·(G² + ε1)      (column sums, length m)
 *   V̂ₜ = Rₜ·Cₜ / (1ₙᵀ·Rₜ);   otherwise V̂ₜ = β̂2ₜ·V̂ₜ₋₁ + (1−β̂2ₜ)·(G² + ε1)
 *   Uₜ = G/√V̂ₜ;  Ûₜ = Uₜ / max(1, RMS(Uₜ)/d);  αₜ = ρₜ·max(ε2, RMS(xₜ₋₁)) (or ρₜ)
 *   s = αₜ·Ûₜ;  with momentum β1: M ← β1·M + (1−β1)·s, s = M;  xₜ = xₜ₋₁ − s − λ·xₜ₋₁
 */
import {
  buffers,
  decays,
  type Lr,
  type MaskName,
  perParameter,
  type ReferenceOptimizer,
  rms,
  type Specs,
} from './common.ts';

export interface LionReferenceOptions {
  lr: Lr;
  b1: number;
  b2: number;
  wd: number;
  mask: MaskName;
}

export function lionReference(specs: Specs, o: LionReferenceOptions): ReferenceOptimizer {
  const ms = buffers();
  let margin = Infinity;
  const inner = perParameter(specs, (theta, g, step, name, spec) => {
    const m = ms(name, theta.length);
    const lambda = decays(o.mask, spec.type) ? o.wd : 0;
    for (let k = 0; k < theta.length; k++) {
      const c = o.b1 * m[k]! + (1 - o.b1) * g[k]!;
      margin = Math.min(margin, Math.abs(c));
      theta[k] = theta[k]! - o.lr(step) * (Math.sign(c) + lambda * theta[k]!);
      m[k] = o.b2 * m[k]! + (1 - o.b2) * g[k]!;
    }
  });
  return { ...inner, signMargin: () => margin };
}

export interface AdafactorReferenceOptions {
  lr: Lr;
  c: number;
  eps1: number;
  eps2: number;
  d: number;
  momentum: number;
  paramScale: boolean;
  wd: number;
  mask: MaskName;
  factorMin: number;
}

export function adafactorReference(specs: Specs, o: AdafactorReferenceOptions): ReferenceOptimizer {
  const rows = buffers();
  const cols = buffers();
  const full = buffers();
  const mom = buffers();
  return perParameter(specs, (x, g, step, name, spec) => {
    const beta = 1 - (step + 1) ** -o.c;
    const U = new Float64Array(x.length);
    const [n = 0, m = 0] = spec.shape;
    if (spec.shape.length === 2 && Math.min(n, m) >= o.factorMin) {
      const R = rows(name, n);
      const C = cols(name, m);
      const sq = (i: number, j: number): number => g[i * m + j]! ** 2 + o.eps1;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < m; j++) s += sq(i, j);
        R[i] = beta * R[i]! + (1 - beta) * s;
      }
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += sq(i, j);
        C[j] = beta * C[j]! + (1 - beta) * s;
      }
      const sumR = R.reduce((a, v) => a + v, 0);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < m; j++) U[i * m + j] = g[i * m + j]! / Math.sqrt((R[i]! * C[j]!) / sumR);
      }
    } else {
      const V = full(name, x.length);
      for (let k = 0; k < x.length; k++) {
        V[k] = beta * V[k]! + (1 - beta) * (g[k]! ** 2 + o.eps1);
        U[k] = g[k]! / Math.sqrt(V[k]!);
      }
    }
    const clip = Math.max(1, rms(U) / o.d);
    const alpha = o.lr(step) * (o.paramScale ? Math.max(o.eps2, rms(x)) : 1);
    const M = mom(name, x.length);
    const lambda = decays(o.mask, spec.type) ? o.wd : 0;
    for (let k = 0; k < x.length; k++) {
      let s = (alpha * U[k]!) / clip;
      if (o.momentum > 0) s = M[k] = o.momentum * M[k]! + (1 - o.momentum) * s;
      x[k] = x[k]! - s - lambda * x[k]!;
    }
  });
}
