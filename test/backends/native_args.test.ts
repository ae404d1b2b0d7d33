/**
 * The native addon's argument checks (src/napi_args.h): every entry point refuses a
 * wrong call with one E_NATIVE_KERNEL error that names the entry point and the
 * problem, and checks sizes against shapes before any kernel writes, so a wrong call
 * from TypeScript throws instead of writing out of bounds into the wasm heap.
 */
import { describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../harness/backends/native/addon.ts';

const addon = loadNativeAddon() as unknown as Record<string, (...args: unknown[]) => unknown> | undefined;

/** The addon's functions are non-enumerable properties (napi_default). */
const entryPoints = (): string[] => Object.getOwnPropertyNames(addon).filter((n) => typeof addon![n] === 'function' && n !== 'threads');

function thrown(f: () => unknown): { code?: string; message: string } {
  try {
    f();
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error('expected the call to throw');
}

describe.runIf(addon !== undefined)('native addon argument checks', () => {
  it('every entry point refuses a call without arguments with one error naming itself', () => {
    const names = entryPoints();
    expect(names.length).toBeGreaterThan(25);
    for (const name of names) {
      const err = thrown(() => addon![name]!());
      expect(err.code, name).toBe('E_NATIVE_KERNEL');
      expect(err.message, name).toMatch(new RegExp(`^${name}\\b`));
    }
  });

  it('names the argument and the type it must have', () => {
    const f = (n: number) => new Float32Array(n);
    expect(thrown(() => addon!['batchNorm']!(new Float64Array(4), f(4), 2, f(2), f(2), null, null, 1e-3)).message)
      .toBe('batchNorm: argument 0 must be a Float32Array');
    const arrays = Array.from({ length: 9 }, () => f(3));
    expect(thrown(() => addon!['scheduleFreeStep']!(...arrays, new Float32Array(11))).message)
      .toBe('scheduleFreeStep: argument 9 must be a Float64Array');
    expect(thrown(() => addon!['activationGrad']!(0, f(3), f(3), f(3), 'low', 1)).message)
      .toBe('activationGrad: argument 4 must be a number');
    // Only the first problem is reported (arguments 0 and 1 are both wrong here).
    expect(thrown(() => addon!['batchMatMul']!([1], [2], f(1), 1, 1, 1, 1, false, false, 0, 0)).message)
      .toBe('batchMatMul: argument 0 must be a Float32Array');
  });

  it('checks sizes against the shape before writing anything', () => {
    const x = Float32Array.from({ length: 6 }, (_, i) => i + 1);
    const y = new Float32Array(5).fill(-7);
    // A 2×3 transpose into 5 floats.
    expect(thrown(() => addon!['transpose']!(x, y, 4, Float64Array.from([2, 3]), Float64Array.from([1, 0]))).message)
      .toBe('transpose: operand sizes do not match the shape');
    expect(Array.from(y)).toEqual([-7, -7, -7, -7, -7]);
    // A strided view reaching one element past the end of y.
    expect(thrown(() => addon!['stridedCopy']!(x, y, 4, 0, 0, Float64Array.from([6]), Float64Array.from([1]), Float64Array.from([1]))).message)
      .toBe('stridedCopy: a view reaches outside its array, or a bad element size');
    expect(Array.from(y)).toEqual([-7, -7, -7, -7, -7]);
    // gruCell(act, B, u, xw, bias, h, U, hOut, aux) with B = 2, u = 3: hOut must hold 6 floats.
    const hOut = new Float32Array(5).fill(-7);
    const g = (n: number) => new Float32Array(n).fill(0.5);
    expect(thrown(() => addon!['gruCell']!(0, 2, 3, g(18), null, g(6), g(27), hOut, g(24))).message)
      .toBe('gruCell: argument 7 has 5 floats, expected 6');
    expect(Array.from(hOut)).toEqual([-7, -7, -7, -7, -7]);
    expect(thrown(() => addon!['gruCell']!(5, 2, 3, g(18), null, g(6), g(27), g(6), g(24))).message)
      .toBe('gruCell: bad activation or shape');
  });

  it('takes an absent optional operand as none: batchNorm without scale and offset normalizes only', () => {
    // Two rows of two channels; y = (x − mean) / √(variance + eps), per channel.
    const x = Float32Array.from([1, 10, 3, 30]);
    const mean = Float32Array.from([2, 20]);
    const variance = Float32Array.from([4, 100]);
    const eps = 1e-3;
    for (const absent of [null, undefined]) {
      const y = new Float32Array(4);
      addon!['batchNorm']!(x, y, 2, mean, variance, absent, absent, eps);
      const want = [(1 - 2) / Math.sqrt(4 + eps), (10 - 20) / Math.sqrt(100 + eps), (3 - 2) / Math.sqrt(4 + eps), (30 - 20) / Math.sqrt(100 + eps)];
      want.forEach((w, i) => expect(y[i]).toBeCloseTo(w, 5));
    }
    // A present scale must fit: 3 values for 2 channels is refused.
    expect(thrown(() => addon!['batchNorm']!(x, new Float32Array(4), 2, mean, variance, new Float32Array(3), null, eps)).message)
      .toBe('batchNorm: x and y must have the same length, a multiple of channels; each parameter 1 or channels values');
  });
});
