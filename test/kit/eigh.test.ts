/**
 * The Jacobi eigen-solver behind Shampoo: the decomposition reproduces the matrix,
 * the eigenvectors are orthonormal, known spectra come out, and the damped inverse
 * 4th root agrees with one computed without eigenvectors (Denman–Beavers).
 */
import { describe, expect, it } from 'vitest';
import { dampedInverseRoot, jacobiEigh } from '../../submissions/kit/transforms/_eigh.ts';
import { identity, inverseFourthRoot, matmul, transpose } from './_matrix_reference.ts';

/** A deterministic symmetric matrix; with `psd`, BᵀB of a k-column B (rank ≤ k). */
function symmetric(n: number, seed: number, psd?: { rank: number }): Float64Array {
  let s = seed;
  const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
  if (psd) {
    const b = Float64Array.from({ length: psd.rank * n }, rnd);
    return matmul(transpose(b, psd.rank, n), b, n, psd.rank, n);
  }
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = rnd();
  return a;
}

const maxAbs = (a: ArrayLike<number>): number => Math.max(...Array.from(a, Math.abs));

describe('jacobiEigh', () => {
  it.each([
    { n: 1, psd: undefined },
    { n: 5, psd: undefined },
    { n: 40, psd: undefined },
    { n: 30, psd: { rank: 7 } }, // rank-deficient, like a young Shampoo statistic
  ])('decomposes a $n×$n matrix: A·v = λ·v and VᵀV = I', ({ n, psd }) => {
    const a = symmetric(n, 12345 + n, psd);
    const { values, vectors, sweeps } = jacobiEigh(a, n);
    expect(sweeps).toBeLessThan(50);
    const scale = maxAbs(a);
    for (let k = 0; k < n; k++) {
      const v = vectors.subarray(k * n, (k + 1) * n);
      const av = matmul(a, Float64Array.from(v), n, n, 1);
      expect(maxAbs(av.map((x, i) => x - values[k]! * v[i]!))).toBeLessThan(1e-11 * Math.max(1, scale) * n);
    }
    const gram = matmul(vectors, transpose(vectors, n, n), n, n, n);
    expect(maxAbs(gram.map((x, i) => x - identity(n)[i]!))).toBeLessThan(1e-12 * n);
    if (psd) {
      const sorted = Array.from(values).sort((x, y) => x - y);
      // n − rank eigenvalues are zero up to roundoff, the rest clearly positive.
      expect(maxAbs(sorted.slice(0, n - psd.rank))).toBeLessThan(1e-12 * scale * n);
      expect(sorted[n - psd.rank]!).toBeGreaterThan(1e-3);
    }
  });

  it('finds a known spectrum, repeated eigenvalues included', () => {
    // Q·diag(3, 3, −1, 0.5)·Qᵀ with Q a Householder reflection: I − 2uuᵀ, ‖u‖ = 1.
    const u = [0.5, 0.5, 0.5, 0.5];
    const q = Float64Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? 1 : 0) - 2 * u[Math.floor(i / 4)]! * u[i % 4]!);
    const d = Float64Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? [3, 3, -1, 0.5][i / 5]! : 0));
    const a = matmul(matmul(q, d, 4, 4, 4), transpose(q, 4, 4), 4, 4, 4);
    const values = Array.from(jacobiEigh(a, 4).values).sort((x, y) => x - y);
    [-1, 0.5, 3, 3].forEach((x, k) => expect(values[k]).toBeCloseTo(x, 12));
    // A diagonal matrix needs no rotation at all.
    expect(jacobiEigh(identity(6, 2), 6).sweeps).toBe(0);
  });

  it('rejects a buffer of the wrong size', () => {
    expect(() => jacobiEigh(new Float64Array(5), 2)).toThrow(/expected 2×2/);
  });
});

describe('dampedInverseRoot', () => {
  it.each([
    { n: 4, rank: 4, eps: 1e-4 },
    { n: 4, rank: 3, eps: 1e-4 }, // singular: the damping alone sets the null direction
    { n: 12, rank: 12, eps: 1e-2 },
    { n: 12, rank: 5, eps: 1e-6 },
  ])('(A + eps·I)^(−1/4) of a $n×$n rank-$rank A agrees with Denman–Beavers', ({ n, rank, eps }) => {
    const a = symmetric(n, 777 + n + rank, { rank });
    const got = dampedInverseRoot(a, n, 4, eps);
    const want = inverseFourthRoot(a, n, eps);
    expect(maxAbs(got.map((x, i) => x - want[i]!)) / maxAbs(want)).toBeLessThan(1e-9);
    // And it is a root: R⁴·(A + eps·I) = I.
    const r2 = matmul(got, got, n, n, n);
    const damped = a.map((x, i) => x + (i % (n + 1) === 0 ? eps : 0));
    const product = matmul(matmul(r2, r2, n, n, n), damped, n, n, n);
    expect(maxAbs(product.map((x, i) => x - identity(n)[i]!))).toBeLessThan(1e-7);
  });
});
