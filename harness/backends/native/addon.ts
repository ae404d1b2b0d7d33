/**
 * Loads algobench's native kernel addon (built from ./src by `npm ci`, see build.mjs).
 * It is optional: where it was not built (no C++ compiler) the wasm backend runs
 * with its own kernels only, and `loadNativeAddon` answers undefined.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface NativeAddon {
  /** For each of `batch` products c[i] = op(a[i])·op(b[i]); a stride of 0 broadcasts that operand. */
  batchMatMul(
    a: Float32Array, b: Float32Array, c: Float32Array,
    batch: number, m: number, n: number, k: number,
    transposeA: boolean, transposeB: boolean, strideA: number, strideB: number,
  ): void;
  /** mode 0: (x, w) → y; 1: (dy, w) → dx; 2: (x, dy) → dw. Geometry: see convGeometry in kernels.ts. */
  conv2d(mode: 0 | 1 | 2, in0: Float32Array, in1: Float32Array, out: Float32Array, geometry: Float64Array): void;
  maxPool(x: Float32Array, y: Float32Array, geometry: Float64Array): void;
  maxPoolGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, geometry: Float64Array): void;
  /** y[o, i] = scale · Σ_r x[o, r, i] for x viewed as [outer, reduced, inner]. */
  reduceSum(x: Float32Array, y: Float32Array, outer: number, reduced: number, inner: number, scale: number): void;
  /** Adam's moments and update in one pass; coefficients laid out as ADAM_MOMENTS_COEFFICIENTS in harness/spec.ts. */
  adamMoments(g: Float32Array, m: Float32Array, v: Float32Array, mOut: Float32Array, vOut: Float32Array, update: Float32Array, coefficients: Float64Array): void;
  /**
   * ELEMENTWISE_PROGRAM_KERNEL (harness/spec.ts) over n elements: each input holds n or 1
   * (broadcast) floats, `code` 4 numbers per instruction, `outputRegisters` one register per output.
   */
  elementwiseProgram(
    inputs: Float32Array[], outputs: Float32Array[], code: Int32Array, constants: Float64Array, outputRegisters: Int32Array, n: number,
  ): void;
  /** Threads the kernels use (ALGOBENCH_THREADS, else the machine's core count). */
  threads(): number;
}

export const NATIVE_ADDON_PATH = fileURLToPath(new URL('./build/Release/algobench_native.node', import.meta.url));

let cached: NativeAddon | null | undefined;

/** The addon, or undefined when it is not built or cannot load (ALGOBENCH_NATIVE=0 turns it off). */
export function loadNativeAddon(): NativeAddon | undefined {
  if (cached === undefined) {
    cached = null;
    if (process.env['ALGOBENCH_NATIVE'] !== '0' && existsSync(NATIVE_ADDON_PATH)) {
      try {
        cached = createRequire(import.meta.url)(NATIVE_ADDON_PATH) as NativeAddon;
      } catch {
        // Built for another Node ABI or CPU: run without it.
      }
    }
  }
  return cached ?? undefined;
}
