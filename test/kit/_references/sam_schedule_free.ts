/**
 * SAM/ASAM and Schedule-Free AdamW in float64.
 *
 * SAM (Foret et al. 2021) and ASAM (Kwon et al. 2021), as davda54/sam computes them,
 * g the gradient at w over all parameters (global L2 norm):
 *   SAM:  ε = ρ·g/(‖g‖ + 1e-12);   ASAM: ε = ρ·w²·g/(‖|w|·g‖ + 1e-12)
 *   then the base optimizer steps from w with ∇L(w + ε) on the same batch.
 *
 * Schedule-Free AdamW, the official `AdamWScheduleFree` (facebookresearch/
 * schedule_free) in its y/z in-place form (y is the params, x implicit), k from 0:
 *   sched = min(1, (k+1)/warmup);  lr = γ(k)·sched;  lr_max = max(lr_max, lr) (from −1)
 *   weight = (k+1)^r·lr_max^power;  Σw += weight;  c = weight/Σw (0 when Σw = 0)
 *   v ← b2v + (1−b2)g²;  ĝ = g/(√(v/(1−b2^{k+1})) + ε) + λy
 *   y ← y + c(z − y);  y ← y + lr(b1(1 − c) − 1)ĝ;  z ← z − lr·ĝ
 *   `.eval()`: x = y + (1 − 1/b1)(z − y)
 */
import {
  type AdamStyleOptions,
  decays,
  type GradFn,
  norm,
  type ReferenceOptimizer,
  type Specs,
  type Values,
} from './common.ts';

export function samReference(
  base: ReferenceOptimizer,
  o: { rho: number; adaptive: boolean },
): ReferenceOptimizer {
  return {
    step(w, grad: GradFn, t) {
      const g = grad(w);
      const scaled = Object.entries(g).flatMap(([n, gn]) =>
        Array.from(gn, (x, k) => (o.adaptive ? Math.abs(w[n]![k]!) * x : x)),
      );
      const factor = o.rho / (norm(scaled) + 1e-12);
      const perturbed: Values = {};
      for (const [n, wn] of Object.entries(w)) {
        perturbed[n] = wn.map((x, k) => x + factor * (o.adaptive ? x * x : 1) * g[n]![k]!);
      }
      const sharp = grad(perturbed);
      base.step(w, () => sharp, t);
    },
  };
}

export interface ScheduleFreeReferenceOptions extends AdamStyleOptions {
  warmup: number;
  r: number;
  power: number;
}

export function scheduleFreeReference(specs: Specs, o: ScheduleFreeReferenceOptions): ReferenceOptimizer {
  let z: Values | undefined;
  const v: Values = {};
  let k = 0;
  let weightSum = 0;
  let lrMax = -1;
  return {
    step(y, grad, _t) {
      z ??= Object.fromEntries(Object.entries(y).map(([n, yn]) => [n, Float64Array.from(yn)]));
      const g = grad(y);
      const sched = k < o.warmup ? (k + 1) / o.warmup : 1;
      const bc2 = 1 - o.b2 ** (k + 1);
      const lr = o.lr(k) * sched;
      lrMax = Math.max(lr, lrMax);
      const weight = (k + 1) ** o.r * lrMax ** o.power;
      weightSum += weight;
      const ckp1 = weightSum === 0 ? 0 : weight / weightSum;
      for (const [n, spec] of Object.entries(specs)) {
        const [yn, zn, gn] = [y[n]!, z[n]!, g[n]!];
        const vn = (v[n] ??= new Float64Array(yn.length));
        const lambda = decays(o.mask, spec.type) ? o.wd : 0;
        for (let i = 0; i < yn.length; i++) {
          vn[i] = o.b2 * vn[i]! + (1 - o.b2) * gn[i]! ** 2;
          const gHat = gn[i]! / (Math.sqrt(vn[i]! / bc2) + o.eps) + lambda * yn[i]!;
          yn[i] = yn[i]! + ckp1 * (zn[i]! - yn[i]!);
          yn[i] = yn[i]! + lr * (o.b1 * (1 - ckp1) - 1) * gHat;
          zn[i] = zn[i]! - lr * gHat;
        }
      }
      k++;
    },
    evalParams(y) {
      if (z === undefined) return y;
      const zz = z;
      return Object.fromEntries(Object.entries(y).map(([n, yn]) => [n, yn.map((yi, i) => yi + (1 - 1 / o.b1) * (zz[n]![i]! - yi))]));
    },
  };
}
