/**
 * Small dense float64 matrix helpers for the Shampoo and eigen-solver tests, and an
 * inverse 4th root computed without any eigen-decomposition (Denman–Beavers square
 * root iteration, applied twice), so that it checks the kit's Jacobi route
 * independently. Matrices are row-major Float64Arrays of n·n entries.
 */

export function identity(n: number, scale = 1): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = scale;
  return out;
}

/** a (r×k) · b (k×c). */
export function matmul(a: Float64Array, b: Float64Array, r: number, k: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++) {
      let s = 0;
      for (let l = 0; l < k; l++) s += a[i * k + l]! * b[l * c + j]!;
      out[i * c + j] = s;
    }
  }
  return out;
}

export function transpose(a: Float64Array, r: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = a[i * c + j]!;
  return out;
}

const combine = (a: Float64Array, b: Float64Array, wa: number, wb: number): Float64Array =>
  a.map((x, i) => wa * x + wb * b[i]!);

/** Gauss–Jordan inverse with partial pivoting. */
export function inverse(a: Float64Array, n: number): Float64Array {
  const m = Float64Array.from(a);
  const inv = identity(n);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r * n + col]!) > Math.abs(m[pivot * n + col]!)) pivot = r;
    for (const x of [m, inv]) {
      for (let j = 0; j < n; j++) [x[col * n + j], x[pivot * n + j]] = [x[pivot * n + j]!, x[col * n + j]!];
    }
    const d = m[col * n + col]!;
    for (let j = 0; j < n; j++) {
      m[col * n + j] = m[col * n + j]! / d;
      inv[col * n + j] = inv[col * n + j]! / d;
    }
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r * n + col]!;
      for (let j = 0; j < n; j++) {
        m[r * n + j] = m[r * n + j]! - f * m[col * n + j]!;
        inv[r * n + j] = inv[r * n + j]! - f * inv[col * n + j]!;
      }
    }
  }
  return inv;
}

/**
 * Denman & Beavers (1976): Y₀ = A, Z₀ = I, Y ← (Y + Z⁻¹)/2, Z ← (Z + Y⁻¹)/2 gives
 * Y → A^(1/2) and Z → A^(−1/2) for a symmetric positive definite A.
 */
export function sqrtAndInverseSqrt(a: Float64Array, n: number): { sqrt: Float64Array; invSqrt: Float64Array } {
  let y: Float64Array = Float64Array.from(a);
  let z: Float64Array = identity(n);
  for (let it = 0; it < 200; it++) {
    const yNext = combine(y, inverse(z, n), 0.5, 0.5);
    const zNext = combine(z, inverse(y, n), 0.5, 0.5);
    const change = Math.sqrt(yNext.reduce((s, x, i) => s + (x - y[i]!) ** 2, 0));
    const size = Math.sqrt(yNext.reduce((s, x) => s + x * x, 0));
    y = yNext;
    z = zNext;
    if (change <= 1e-15 * size) break;
  }
  return { sqrt: y, invSqrt: z };
}

/** (A + eps·I)^(−1/4) = √((A + eps·I)^(−1/2)), by two Denman–Beavers iterations. */
export function inverseFourthRoot(a: Float64Array, n: number, eps: number): Float64Array {
  const damped = combine(a, identity(n), 1, eps);
  return sqrtAndInverseSqrt(sqrtAndInverseSqrt(damped, n).invSqrt, n).sqrt;
}
