/**
 * Float64 references for the kit's adagrad, rmsprop, lamb, lion and adafactor, written
 * from the published update rules (and optax's documented choices where the papers
 * leave one open). Nothing here imports the kit.
 */
import type { ParamType } from '../../harness/spec.ts';

export interface ParamSpec {
  readonly shape: readonly number[];
  readonly type: ParamType;
}

export interface Reference {
  /** In place: p ← next p, for step t (0-based). */
  step(name: string, spec: ParamSpec, p: Float64Array, g: Float64Array, t: number): void;
  /** The smallest |value| ever passed to sign(): how far the run was from a sign flip. */
  signMargin?(): number;
}

export type Lr = (step: number) => number;

/** Weight decay applies to matrices and embeddings, not to biases or norm parameters. */
export const decays = (type: ParamType): boolean => type !== 'bias' && type !== 'norm_scale' && type !== 'norm_bias';

/** Per-parameter buffers, made on first use and filled with `init`. */
function buffers(init = 0): (name: string, size: number) => Float64Array {
  const all = new Map<string, Float64Array>();
  return (name, size) => {
    let b = all.get(name);
    if (b === undefined) all.set(name, (b = new Float64Array(size).fill(init)));
    return b;
  };
}

const rmsOf = (x: Float64Array): number => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
const normOf = (x: Float64Array): number => Math.sqrt(x.reduce((s, v) => s + v * v, 0));

/**
 * Adagrad (Duchi et al. 2011), optax's form: G ← G + g² (G₀ = acc0);
 * p ← p − lr·g/√(G + eps).
 */
export function adagradReference(o: { lr: Lr; acc0: number; eps: number }): Reference {
  const acc = buffers(o.acc0);
  return {
    step(name, _spec, p, g, t) {
      const G = acc(name, p.length);
      for (let k = 0; k < p.length; k++) {
        G[k] = G[k]! + g[k]! * g[k]!;
        p[k] = p[k]! - (o.lr(t) * g[k]!) / Math.sqrt(G[k]! + o.eps);
      }
    },
  };
}

/**
 * RMSProp (Tieleman & Hinton 2012), optax's form: E[g²] ← ρ·E[g²] + (1−ρ)·g²; centred
 * (Graves 2013) also E[g] ← ρ·E[g] + (1−ρ)·g and the variance E[g²] − E[g]²;
 * s = lrₜ·g/√(variance or E[g²] + eps). Momentum μ: b ← μ·b + s, p ← p − b; else p ← p − s.
 */
export function rmspropReference(o: { lr: Lr; rho: number; eps: number; momentum: number; centered: boolean }): Reference {
  const sq = buffers();
  const mean = buffers();
  const buf = buffers();
  return {
    step(name, _spec, p, g, t) {
      const Eg2 = sq(name, p.length);
      const Eg = mean(name, p.length);
      const b = buf(name, p.length);
      for (let k = 0; k < p.length; k++) {
        const gk = g[k]!;
        Eg2[k] = o.rho * Eg2[k]! + (1 - o.rho) * gk * gk;
        Eg[k] = o.rho * Eg[k]! + (1 - o.rho) * gk;
        const denom = o.centered ? Eg2[k]! - Eg[k]! * Eg[k]! : Eg2[k]!;
        const s = (o.lr(t) * gk) / Math.sqrt(denom + o.eps);
        if (o.momentum > 0) {
          b[k] = o.momentum * b[k]! + s;
          p[k] = p[k]! - b[k]!;
        } else {
          p[k] = p[k]! - s;
        }
      }
    },
  };
}

/**
 * LAMB (You et al. 2020, Algorithm 2 with φ = identity): Adam's bias-corrected
 * r = m̂/(√v̂ + eps), plus decoupled decay λ·x (weights only); then
 * x ← x − ηₜ·(‖x‖/‖r + λx‖)·(r + λx), the ratio taken as 1 when either norm is 0.
 */
export function lambReference(o: { lr: Lr; b1: number; b2: number; eps: number; wd: number }): Reference {
  const m1 = buffers();
  const m2 = buffers();
  return {
    step(name, spec, p, g, t) {
      const m = m1(name, p.length);
      const v = m2(name, p.length);
      const n = t + 1;
      const wd = decays(spec.type) ? o.wd : 0;
      const r = new Float64Array(p.length);
      for (let k = 0; k < p.length; k++) {
        m[k] = o.b1 * m[k]! + (1 - o.b1) * g[k]!;
        v[k] = o.b2 * v[k]! + (1 - o.b2) * g[k]! * g[k]!;
        const mHat = m[k]! / (1 - o.b1 ** n);
        const vHat = v[k]! / (1 - o.b2 ** n);
        r[k] = mHat / (Math.sqrt(vHat) + o.eps) + wd * p[k]!;
      }
      const xNorm = normOf(p);
      const rNorm = normOf(r);
      const ratio = xNorm === 0 || rNorm === 0 ? 1 : xNorm / rNorm;
      for (let k = 0; k < p.length; k++) p[k] = p[k]! - o.lr(t) * ratio * r[k]!;
    },
  };
}

/**
 * Lion (Chen et al. 2023, Algorithm 2): c = β1·m + (1−β1)·g;
 * θ ← θ − ηₜ·(sign(c) + λθ)  (λ on weights only);  m ← β2·m + (1−β2)·g.
 */
export function lionReference(o: { lr: Lr; b1: number; b2: number; wd: number }): Reference {
  const mom = buffers();
  let margin = Infinity;
  return {
    step(name, spec, p, g, t) {
      const m = mom(name, p.length);
      const wd = decays(spec.type) ? o.wd : 0;
      for (let k = 0; k < p.length; k++) {
        const c = o.b1 * m[k]! + (1 - o.b1) * g[k]!;
        margin = Math.min(margin, Math.abs(c));
        p[k] = p[k]! - o.lr(t) * (Math.sign(c) + wd * p[k]!);
        m[k] = o.b2 * m[k]! + (1 - o.b2) * g[k]!;
      }
    },
    signMargin: () => margin,
  };
}

/**
 * Adafactor (Shazeer & Stern 2018, Algorithms 4 and 5 with update clipping), with
 * optax's choices: the learning rate stands for ρₜ, optional momentum is an average of
 * the final (lr-scaled) steps, and weight decay is a per-step λ·x not scaled by lr.
 * For an n×m matrix factored (when min(n, m) ≥ factorMin), with β̂2ₜ = 1 − t^(−c):
 *   Rₜ = β̂2ₜ·Rₜ₋₁ + (1−β̂2ₜ)·(G² + ε1)·1ₘ       (row sums, length n)
 *   Cₜ = β̂2ₜ·Cₜ₋₁ + (1−β̂2ₜ)·1ₙᵀ·(G² + ε1)      (column sums, length m)
 *   V̂ₜ = Rₜ·Cₜ / (1ₙᵀ·Rₜ);   otherwise V̂ₜ = β̂2ₜ·V̂ₜ₋₁ + (1−β̂2ₜ)·(G² + ε1)
 *   Uₜ = G/√V̂ₜ;  Ûₜ = Uₜ / max(1, RMS(Uₜ)/d);  αₜ = ρₜ·max(ε2, RMS(xₜ₋₁)) (or ρₜ)
 *   s = αₜ·Ûₜ;  with momentum β1: M ← β1·M + (1−β1)·s, s = M;  xₜ = xₜ₋₁ − s − λ·xₜ₋₁
 */
export function adafactorReference(o: {
  lr: Lr;
  c: number;
  eps1: number;
  eps2: number;
  d: number;
  momentum: number;
  paramScale: boolean;
  wd: number;
  factorMin: number;
}): Reference {
  const rows = buffers();
  const cols = buffers();
  const full = buffers();
  const mom = buffers();
  return {
    step(name, spec, p, g, t) {
      const beta = 1 - (t + 1) ** -o.c;
      const U = new Float64Array(p.length);
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
        const sumR = R.reduce((a, x) => a + x, 0);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < m; j++) U[i * m + j] = g[i * m + j]! / Math.sqrt((R[i]! * C[j]!) / sumR);
        }
      } else {
        const V = full(name, p.length);
        for (let k = 0; k < p.length; k++) {
          V[k] = beta * V[k]! + (1 - beta) * (g[k]! ** 2 + o.eps1);
          U[k] = g[k]! / Math.sqrt(V[k]!);
        }
      }
      const clip = Math.max(1, rmsOf(U) / o.d);
      const alpha = o.lr(t) * (o.paramScale ? Math.max(o.eps2, rmsOf(p)) : 1);
      const M = mom(name, p.length);
      const wd = decays(spec.type) ? o.wd : 0;
      for (let k = 0; k < p.length; k++) {
        let s = (alpha * U[k]!) / clip;
        if (o.momentum > 0) s = M[k] = o.momentum * M[k]! + (1 - o.momentum) * s;
        p[k] = p[k]! - s - wd * p[k]!;
      }
    },
  };
}
