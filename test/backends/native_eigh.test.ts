/**
 * The native symmetric eigen-decomposition (src/eigh.cc: Householder tridiagonalisation
 * and implicit QR with Wilkinson shifts) and DAMPED_INVERSE_ROOT_KERNEL built on it
 * (harness/backends/native/kernels_eigh.ts), which the kit's Shampoo takes for its
 * inverse roots where the backend has it:
 * - symmetricEigh on Shampoo-like statistics (G·Gᵀ sums, rank-deficient ones too) and
 *   on indefinite matrices, n = 1, 2, 5, 63, 64, 256, 300: A·v = λ·v to 1e-13·‖A‖·√n, the
 *   vectors orthonormal to 1e-13·√n, V·diag(λ)·Vᵀ rebuilt in float64 equal to A to
 *   1e-13·‖A‖·√n, the sorted eigenvalues equal to the kit's JavaScript Jacobi ones (the
 *   independent reference) to 1e-13·‖A‖·√n (both are backward stable);
 * - dampedInverseRoot against the Jacobi root to 1e-8 of its largest entry. The native
 *   solver finds a small eigenvalue to about 1e-16·‖A‖ absolute (Jacobi to high relative
 *   accuracy), and the eps-damped root moves by about that over 4·eps, so the two differ
 *   by up to ~1e-16·‖A‖/eps: 1e-10 here (‖A‖ ≤ 1e3, eps 1e-4), far under float32's 6e-8;
 *   and (R²)²·(A + eps·I) = I to 1e-7;
 * - the kernel through the wasm backend: float32 root against the Jacobi root of the
 *   same float32 statistic to 1e-6 relative (one float32 rounding), NaN for a non-finite
 *   statistic, and its input checks;
 * - the kit's Shampoo on wasm through the kernel (one call per statistic and refresh)
 *   against the same Shampoo with fused ops off (the Jacobi path) to 1e-5.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { loadNativeAddon } from '../../harness/backends/native/addon.ts';
import { selectBackend } from '../../harness/backends/select.ts';
import { DAMPED_INVERSE_ROOT_KERNEL } from '../../harness/spec.ts';
import { setFusedOpsEnabled } from '../../submissions/kit/fused.ts';
import { dampedInverseRoot, jacobiEigh } from '../../submissions/kit/transforms/_eigh.ts';
import { scaleByShampoo } from '../../submissions/kit/transforms/shampoo.ts';
import { identity, matmul, transpose } from '../kit/_matrix_reference.ts';

const addon = loadNativeAddon();

beforeAll(async () => {
  await selectBackend('wasm');
});

/** Seeded values in [−1, 1) (a small LCG: the same on every run). */
function uniform(length: number, seed: number): Float64Array {
  let s = seed;
  return Float64Array.from({ length }, () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1);
}

/** A Shampoo statistic: Σ over `steps` of G·Gᵀ for n×cols gradients G (rank ≤ steps·cols). */
function statistic(n: number, cols: number, steps: number, seed: number): Float64Array {
  let a = new Float64Array(n * n);
  for (let t = 0; t < steps; t++) {
    const g = uniform(n * cols, seed + 31 * t);
    const ggt = matmul(g, transpose(g, n, cols), n, cols, n);
    a = a.map((x, i) => x + ggt[i]!);
  }
  return a;
}

function indefinite(n: number, seed: number): Float64Array {
  const r = uniform(n * n, seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = r[i * n + j]!;
  return a;
}

const maxAbs = (a: ArrayLike<number>): number => Array.from(a).reduce((m, x) => Math.max(m, Math.abs(x)), 0);

function eigh(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array; steps: number } {
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  const steps = addon!.symmetricEigh!(a, values, vectors, n);
  return { values, vectors, steps };
}

const CASES = [
  { name: '1×1', n: 1, a: () => statistic(1, 3, 1, 5) },
  { name: '2×2 of rank 1', n: 2, a: () => statistic(2, 1, 1, 7) },
  { name: '5×5 indefinite', n: 5, a: () => indefinite(5, 9) },
  { name: '63×63 statistic of 4 steps of 63×17 gradients', n: 63, a: () => statistic(63, 17, 4, 11) },
  { name: '64×64 of rank 8 (one step of 64×8)', n: 64, a: () => statistic(64, 8, 1, 13) },
  { name: '64×64 indefinite', n: 64, a: () => indefinite(64, 15) },
  { name: '256×256 of rank 64 (the 1M set\'s w3 statistic, one step)', n: 256, a: () => statistic(256, 64, 1, 17) },
  { name: '300×300 of rank 200', n: 300, a: () => statistic(300, 100, 2, 19) },
];

describe.runIf(addon?.symmetricEigh !== undefined)('native symmetricEigh', () => {
  it.each(CASES)('$name: A·v = λ·v, VᵀV = I, V·diag(λ)·Vᵀ = A, λ as Jacobi\'s', ({ n, a: make }) => {
    const a = make();
    const { values, vectors, steps } = eigh(a, n);
    expect(steps).toBeGreaterThanOrEqual(0);
    const scale = Math.max(maxAbs(a), 1e-300);
    const tol = 1e-13 * Math.sqrt(n);
    // Row k of `vectors` is v_k. Each check in float64, row by row (contiguous).
    const row = (m: Float64Array, i: number) => m.subarray(i * n, (i + 1) * n);
    const dot = (x: Float64Array, y: Float64Array) => x.reduce((t, xi, i) => t + xi * y[i]!, 0);
    let residual = 0;
    let orthogonality = 0;
    for (let k = 0; k < n; k++) {
      const vk = row(vectors, k);
      for (let i = 0; i < n; i++) residual = Math.max(residual, Math.abs(dot(row(a, i), vk) - values[k]! * vk[i]!));
      for (let l = k; l < n; l++) orthogonality = Math.max(orthogonality, Math.abs(dot(vk, row(vectors, l)) - (k === l ? 1 : 0)));
    }
    expect(residual / scale).toBeLessThan(tol);
    expect(orthogonality).toBeLessThan(tol);
    const rebuilt = new Float64Array(n * n);
    for (let k = 0; k < n; k++) {
      const vk = row(vectors, k);
      for (let i = 0; i < n; i++) {
        const w = values[k]! * vk[i]!;
        for (let j = 0; j < n; j++) rebuilt[i * n + j] = rebuilt[i * n + j]! + w * vk[j]!;
      }
    }
    expect(maxAbs(rebuilt.map((x, i) => x - a[i]!)) / scale).toBeLessThan(tol);
    const sorted = (x: Float64Array) => Array.from(x).sort((p, q) => p - q);
    const want = sorted(jacobiEigh(a, n).values);
    const got = sorted(values);
    expect(maxAbs(got.map((x, i) => x - want[i]!)) / scale).toBeLessThan(tol);
  });

  it('takes the symmetric part (A + Aᵀ)/2 of an asymmetric A, and answers NaN and −1 for a non-finite entry', () => {
    const a = indefinite(6, 21);
    // Entries above the diagonal raised by d, those below lowered by d: the symmetric part is a.
    const skewed = a.map((x, i) => x + (i % 6 > Math.floor(i / 6) ? 0.25 : i % 6 < Math.floor(i / 6) ? -0.25 : 0));
    const want = Array.from(eigh(a, 6).values);
    eigh(skewed, 6).values.forEach((x, k) => expect(x).toBeCloseTo(want[k]!, 14));
    a[7] = Number.NaN;
    const bad = eigh(a, 6);
    expect(bad.steps).toBe(-1);
    expect(bad.values.every(Number.isNaN) && bad.vectors.every(Number.isNaN)).toBe(true);
  });

  it('refuses arrays of the wrong size', () => {
    expect(() => addon!.symmetricEigh!(new Float64Array(4), new Float64Array(3), new Float64Array(4), 2)).toThrow(/symmetricEigh: a and vectors must hold n·n/);
    expect(() => addon!.dampedInverseRoot!(new Float64Array(4), new Float64Array(4), 2, 0, 1e-4)).toThrow(/dampedInverseRoot: p must be > 0/);
  });
});

describe.runIf(addon?.dampedInverseRoot !== undefined)('native dampedInverseRoot', () => {
  it.each(CASES.filter((c) => !c.name.includes('indefinite')))('$name: (A + 1e-4·I)^(−1/4) as the Jacobi one', ({ n, a: make }) => {
    const a = make();
    const eps = 1e-4;
    const got = new Float64Array(n * n);
    expect(addon!.dampedInverseRoot!(a, got, n, 4, eps)).toBeGreaterThanOrEqual(0);
    const want = dampedInverseRoot(a, n, 4, eps);
    expect(maxAbs(got.map((x, i) => x - want[i]!)) / maxAbs(want)).toBeLessThan(1e-8);
    if (n <= 64) {
      // R⁴·(A + eps·I) = I.
      const r2 = matmul(got, got, n, n, n);
      const check = matmul(matmul(r2, r2, n, n, n), a.map((x, i) => x + (i % (n + 1) === 0 ? eps : 0)), n, n, n);
      const eye = identity(n);
      expect(maxAbs(check.map((x, i) => x - eye[i]!))).toBeLessThan(1e-7);
    }
  });
});

describe.runIf(addon?.dampedInverseRoot !== undefined)(DAMPED_INVERSE_ROOT_KERNEL, () => {
  const run = (s: tf.Tensor, p: number, eps: number) => tf.engine().runKernel(DAMPED_INVERSE_ROOT_KERNEL, { s }, { p, eps } as never) as tf.Tensor;

  it.each([
    { n: 1, p: 4, eps: 1e-4 },
    { n: 37, p: 4, eps: 1e-4 },
    { n: 64, p: 2, eps: 1e-3 },
    { n: 129, p: 4, eps: 1e-6 },
  ])('n = $n, p = $p, eps = $eps: the float32 root of the Jacobi one', ({ n, p, eps }) => {
    tf.setBackend('wasm');
    const s32 = Float32Array.from(statistic(n, Math.max(1, n >> 2), 2, 23 + n));
    const got = tf.tidy(() => run(tf.tensor2d(s32, [n, n]), p, eps).dataSync());
    const want = dampedInverseRoot(Float64Array.from(s32), n, p, eps);
    expect(maxAbs(Array.from(got, (x, i) => x - want[i]!)) / maxAbs(want)).toBeLessThan(1e-6);
  });

  it('gives NaN for a non-finite statistic and refuses a non-square one or a bad p', () => {
    tf.setBackend('wasm');
    const bad = tf.tidy(() => run(tf.tensor2d([1, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, 1], [2, 2]), 4, 1e-4).dataSync());
    expect(Array.from(bad).every(Number.isNaN)).toBe(true);
    expect(() => tf.tidy(() => run(tf.zeros([2, 3]), 4, 1e-4))).toThrow(/takes a square float32 s; got float32 \[2,3\]/);
    expect(() => tf.tidy(() => run(tf.eye(2), 0, 1e-4))).toThrow(/needs p > 0 and eps ≥ 0/);
  });

  it('the kit\'s Shampoo takes it for its roots and steps as its Jacobi path does', () => {
    tf.setBackend('wasm');
    const params = { w: tf.tensor2d(Float32Array.from(uniform(40 * 24, 3)), [40, 24]), b: tf.tensor1d(Float32Array.from(uniform(24, 4))) };
    const grads = [0, 1, 2].map((t) => ({ w: tf.tensor2d(Float32Array.from(uniform(40 * 24, 50 + t)), [40, 24]), b: tf.tensor1d(Float32Array.from(uniform(24, 60 + t))) }));
    const steps = (fused: boolean): Float32Array[] => {
      setFusedOpsEnabled(fused);
      try {
        const t = scaleByShampoo({ updateEvery: 2 });
        let state = t.init(params);
        const out: Float32Array[] = [];
        for (const g of grads) {
          const r = t.update(g, state, params, { types: {} });
          state = r.state;
          out.push(r.updates['w']!.dataSync() as Float32Array);
        }
        return out;
      } finally {
        setFusedOpsEnabled(true);
      }
    };
    const spy = vi.spyOn(tf.engine(), 'runKernel');
    const native = steps(true);
    // Refreshed at steps 0 and 2: L and R each time.
    expect(spy.mock.calls.filter(([name]) => name === DAMPED_INVERSE_ROOT_KERNEL).length).toBe(4);
    spy.mockRestore();
    const jacobi = steps(false);
    native.forEach((u, k) => expect(maxAbs(Array.from(u, (x, i) => x - jacobi[k]![i]!)) / maxAbs(jacobi[k]!)).toBeLessThan(1e-5));
  });
});
