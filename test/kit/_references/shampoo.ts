/**
 * Shampoo in float64, from Gupta et al. 2018 (Algorithm 1: L ← L + GGᵀ, R ← R + GᵀG,
 * W ← W − η·L^(−1/4)·G·R^(−1/4), the eps·I start taken as damping) with Anil et al.
 * 2020's layer-wise grafting, and diagonal AdaGrad for vectors and matrices over
 * maxDim. A matrix is viewed as [numel/last, last]. The inverse roots come from
 * Denman–Beavers iterations (../_matrix_reference.ts), not an eigen-decomposition, so
 * the kit's Jacobi route is checked independently.
 *   D = L^(−1/4)·G·R^(−1/4) (roots refreshed at steps 0, k, 2k, ...);  graft:
 *   'adagrad': D·‖g/√(H + ε)‖/(‖D‖ + 1e-16);  'sgd': D·‖g‖/(‖D‖ + 1e-16);  'none': D
 *   W ← W − η·(D + λW)
 */
import { inverseFourthRoot, matmul, transpose } from '../_matrix_reference.ts';
import { decays, type MaskName, norm, perParameter, type ReferenceOptimizer, type Specs, type Values } from './common.ts';

export interface ShampooReferenceOptions {
  lr: number;
  b2?: number;
  eps: number;
  updateEvery: number;
  graft: 'adagrad' | 'sgd' | 'none';
  maxDim: number;
  wd: number;
  mask: MaskName;
}

export function shampooReference(specs: Specs, o: ShampooReferenceOptions): ReferenceOptimizer {
  // S ← S + X (the paper), or S ← b2·S + (1−b2)·X.
  const acc = (s: Float64Array, x: ArrayLike<number>) => {
    for (let i = 0; i < s.length; i++) s[i] = o.b2 === undefined ? s[i]! + x[i]! : o.b2 * s[i]! + (1 - o.b2) * x[i]!;
  };
  const stats: Record<string, { l: Float64Array; r: Float64Array; lRoot?: Float64Array; rRoot?: Float64Array }> = {};
  const h: Values = {};
  return perParameter(specs, (p, g, t, name, spec) => {
    const hn = (h[name] ??= new Float64Array(p.length));
    acc(hn, g.map((x) => x * x));
    const adagrad = g.map((x, k) => x / Math.sqrt(hn[k]! + o.eps));

    const n = spec.shape.length >= 2 ? spec.shape[spec.shape.length - 1]! : 0;
    const m = n > 0 ? p.length / n : 0;
    let d: Float64Array;
    if (n > 0 && m <= o.maxDim && n <= o.maxDim) {
      const s = (stats[name] ??= { l: new Float64Array(m * m), r: new Float64Array(n * n) });
      acc(s.l, matmul(g, transpose(g, m, n), m, n, m));
      acc(s.r, matmul(transpose(g, m, n), g, n, m, n));
      if (t % o.updateEvery === 0) {
        s.lRoot = inverseFourthRoot(s.l, m, o.eps);
        s.rRoot = inverseFourthRoot(s.r, n, o.eps);
      }
      d = matmul(matmul(s.lRoot!, g, m, m, n), s.rRoot!, m, n, n);
      if (o.graft !== 'none') {
        const scale = norm(o.graft === 'sgd' ? g : adagrad) / (norm(d) + 1e-16);
        d = d.map((x) => x * scale);
      }
    } else {
      d = adagrad;
      if (o.graft === 'sgd') {
        const scale = norm(g) / (norm(d) + 1e-16);
        d = d.map((x) => x * scale);
      }
    }
    const lambda = decays(o.mask, spec.type) ? o.wd : 0;
    for (let k = 0; k < p.length; k++) p[k] = p[k]! - o.lr * (d[k]! + lambda * p[k]!);
  });
}
