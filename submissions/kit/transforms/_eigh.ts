/**
 * Symmetric eigen-decomposition by cyclic Jacobi rotations (Jacobi 1846; the
 * rotation formulas of Rutishauser 1966, as in Golub & Van Loan §8.5), in float64
 * on the CPU, and the damped inverse matrix roots Shampoo needs.
 *
 * Why Jacobi: it is short, needs no tridiagonal reduction, and on positive definite
 * matrices it finds even the small eigenvalues to high relative accuracy (Demmel &
 * Veselić 1992), and the small ones are what an inverse root amplifies. The price is speed: each sweep makes n(n−1)/2 rotations of O(n)
 * each, about 6n³ flops, and a Shampoo statistic needs 10–14 sweeps (at the default
 * tol), so ≈ 80n³ flops in all, against ≈ 9n³ for a Householder tridiagonalisation
 * with implicit QL. Measured in Node 20 on one core of a shared machine: 0.3–1.5 s
 * for n = 256 and 12–33 s for n = 784. That is why Shampoo recomputes its roots
 * only every `updateEvery` steps. Where the backend registers DAMPED_INVERSE_ROOT_KERNEL
 * (harness/spec.ts; algobench's native kernels, src/eigh.cc: Householder + implicit QR,
 * 30–50× faster) Shampoo takes that instead; this solver stays the fallback and the
 * independent reference of that kernel's tests (test/backends/native_eigh.test.ts).
 *
 * Matrices are dense, row-major Float64Arrays of n·n entries.
 */

export interface SymmetricEigen {
  /** The eigenvalues, in no particular order. */
  readonly values: Float64Array;
  /** Row i is the unit eigenvector of values[i] (that is, Vᵀ row-major). */
  readonly vectors: Float64Array;
  /** Sweeps made until the off-diagonal part vanished to roundoff. */
  readonly sweeps: number;
}

export interface JacobiOptions {
  /** Stop when ‖off(A)‖_F ≤ tol·‖A‖_F. @default 1e-12 */
  readonly tol?: number;
  /** Give up (and return what there is) after this many sweeps. @default 50 */
  readonly maxSweeps?: number;
}

/** Eigenvalues and eigenvectors of the symmetric matrix `a` (which is not modified). */
export function jacobiEigh(a: Float64Array, n: number, options: JacobiOptions = {}): SymmetricEigen {
  if (a.length !== n * n) throw new Error(`jacobiEigh: expected ${n}×${n} = ${n * n} entries, got ${a.length}`);
  const tol = options.tol ?? 1e-12;
  const maxSweeps = options.maxSweeps ?? 50;
  // Work on a symmetrised copy so that an input asymmetric by roundoff is harmless.
  const m = new Float64Array(n * n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const x = 0.5 * (a[i * n + j]! + a[j * n + i]!);
      m[i * n + j] = x;
      total += x * x;
    }
  }
  const vt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) vt[i * n + i] = 1;
  const target = tol * tol * total;
  // Below this an off-diagonal entry is roundoff at the matrix's own scale.
  const negligible = 1e-18 * Math.sqrt(total);

  let sweeps = 0;
  while (sweeps < maxSweeps && offDiagonal(m, n) > target) {
    sweeps++;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q]!;
        if (Math.abs(apq) <= negligible) continue;
        rotate(m, vt, n, p, q, apq);
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = m[i * n + i]!;
  return { values, vectors: vt, sweeps };
}

function offDiagonal(m: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let j = i + 1; j < n; j++) s += m[row + j]! * m[row + j]!;
  }
  return 2 * s;
}

/** Zeroes m[p][q] by the rotation J(p, q, θ): m ← Jᵀ m J, Vᵀ ← Jᵀ Vᵀ. */
function rotate(m: Float64Array, vt: Float64Array, n: number, p: number, q: number, apq: number): void {
  const app = m[p * n + p]!;
  const aqq = m[q * n + q]!;
  const theta = (aqq - app) / (2 * apq);
  // The smaller root of t² + 2θt − 1 = 0: |angle| ≤ π/4, which keeps the sweep convergent.
  const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
  const c = 1 / Math.sqrt(t * t + 1);
  const s = t * c;
  const rp = p * n;
  const rq = q * n;
  for (let k = 0; k < n; k++) {
    if (k === p || k === q) continue;
    const akp = m[rp + k]!;
    const akq = m[rq + k]!;
    const np = c * akp - s * akq;
    const nq = s * akp + c * akq;
    m[rp + k] = np;
    m[k * n + p] = np;
    m[rq + k] = nq;
    m[k * n + q] = nq;
  }
  m[rp + p] = app - t * apq;
  m[rq + q] = aqq + t * apq;
  m[rp + q] = 0;
  m[rq + p] = 0;
  for (let k = 0; k < n; k++) {
    const vp = vt[rp + k]!;
    const vq = vt[rq + k]!;
    vt[rp + k] = c * vp - s * vq;
    vt[rq + k] = s * vp + c * vq;
  }
}

/**
 * (A + eps·I)^(−1/p) for a symmetric positive semi-definite A, through its
 * eigen-decomposition: V·diag((max(λ, 0) + eps)^(−1/p))·Vᵀ. Eigenvalues that came
 * out negative by roundoff count as 0, so the damping alone sets their root.
 */
export function dampedInverseRoot(
  a: Float64Array,
  n: number,
  p: number,
  eps: number,
  options?: JacobiOptions,
): Float64Array {
  const { values, vectors } = jacobiEigh(a, n, options);
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const d = (Math.max(values[k]!, 0) + eps) ** (-1 / p);
    const row = k * n;
    // out += d·v_k v_kᵀ, upper triangle only; mirrored below.
    for (let i = 0; i < n; i++) {
      const w = d * vectors[row + i]!;
      if (w === 0) continue;
      const oi = i * n;
      for (let j = i; j < n; j++) out[oi + j] = out[oi + j]! + w * vectors[row + j]!;
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) out[i * n + j] = out[j * n + i]!;
  return out;
}
