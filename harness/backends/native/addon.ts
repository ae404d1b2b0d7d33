/**
 * Loads algobench's native kernel addon (built from ./src by `npm ci`, see build.mjs).
 * It is optional: where it was not built (no C++ compiler) the wasm backend runs
 * with its own kernels only, and `loadNativeAddon` answers undefined.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
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
  /** y = x transposed by perm (elements of 1 or 4 bytes, rank ≤ 8). */
  transpose(x: ArrayBufferView, y: ArrayBufferView, elementBytes: number, shape: Float64Array, perm: Float64Array): void;
  /** y[o, j, :] = x[o, ids[j], :] for x viewed as [outer, axis, innerBytes]; answers the position of the first bad id, or −1. */
  gather(x: ArrayBufferView, ids: Int32Array, y: ArrayBufferView, outer: number, axis: number, innerBytes: number): number;
  /** y[s, :] = Σ x[r, :] over rows r with ids[r] = s (others dropped). */
  segmentSum(x: Float32Array, ids: Int32Array, y: Float32Array, rows: number, inner: number, segments: number): void;
  /** out = a op b, broadcast: strides are per output axis, 0 where the operand repeats. dtype 0 float32, 1 int32. */
  binary(op: number, dtype: number, a: ArrayBufferView, b: ArrayBufferView, out: ArrayBufferView, shape: Float64Array, aStrides: Float64Array, bStrides: Float64Array): void;
  /** y = op(x) elementwise over float32 (alpha: Step's value at x ≤ 0). */
  unary(op: number, x: Float32Array, y: Float32Array, alpha: number): void;
  /** out[i] = cond[⌊i / inner⌋] ? t[i] : e[i]. */
  select(cond: ArrayBufferView, t: ArrayBufferView, e: ArrayBufferView, out: ArrayBufferView, inner: number, elementBytes: number): void;
  /** Converts n elements between dtypes coded 0 float32, 1 int32, 2 bool. */
  cast(x: ArrayBufferView, y: ArrayBufferView, n: number, from: number, to: number): void;
  oneHot(ids: Int32Array, y: ArrayBufferView, depth: number, on: number, off: number, dtype: number): void;
  /** Softmax (log = 1: log-softmax) of each row. */
  softmax(x: Float32Array, y: Float32Array, rows: number, cols: number, log: number): void;
  /** op 0 max, 1 min, 2 prod, 3 argmax, 4 argmin over x viewed as [outer, reduced, inner]. */
  reduce(op: number, x: Float32Array, y: ArrayBufferView, outer: number, reduced: number, inner: number): void;
  /**
   * y[dstOffset + Σ i·dstStrides] = x[srcOffset + Σ i·srcStrides] for every index i of dims (offsets and
   * strides in elements of elementBytes 1 or 4; source strides may be 0 or negative; rank ≤ 16).
   */
  stridedCopy(x: ArrayBufferView, y: ArrayBufferView, elementBytes: number, srcOffset: number, dstOffset: number, dims: Float64Array, srcStrides: Float64Array, dstStrides: Float64Array): void;
  /** Depthwise conv forward: (x, w) → y. Geometry as conv2d's, with out channels C·M. Absent from addons built before it. */
  depthwiseConv2d?(x: Float32Array, w: Float32Array, y: Float32Array, geometry: Float64Array): void;
  /** Depthwise conv gradients, mode 1: (dy, w) → dx; 2: (x, dy) → dw. Geometry as conv2d's, with out channels C·M. */
  depthwiseConv2dGrad(mode: 1 | 2, in0: Float32Array, in1: Float32Array, out: Float32Array, geometry: Float64Array): void;
  /**
   * ELEMENTWISE_PROGRAM_KERNEL (harness/spec.ts) over n elements: each input holds n or 1
   * (broadcast) floats, `code` 4 numbers per instruction, `outputRegisters` one register per output.
   */
  elementwiseProgram(
    inputs: Float32Array[], outputs: Float32Array[], code: Int32Array, constants: Float64Array, outputRegisters: Int32Array, n: number,
    /** (mid, inner) per input: it lacks an axis of extent mid (inner: the product of the axes after it); mid 0 for none. */
    inputViews?: Float64Array,
    /** Sums of registers over one axis (or all: mid = n, inner = 1), n / mid floats each. */
    sums?: Float32Array[], sumRegisters?: Int32Array, sumViews?: Float64Array,
  ): void;
  /**
   * elementwiseProgram over several tensors in one call (ELEMENTWISE_PROGRAMS_KERNEL in harness/spec.ts): N inputs
   * per tensor (tensor t's at t·N…), K outputs and C constants per tensor (t·K…, t·C…), `sizes` the tensors'
   * element counts; no axis views, no sums. Absent from addons built before it.
   */
  elementwisePrograms?(inputs: Float32Array[], outputs: Float32Array[], code: Int32Array, constants: Float64Array, outputRegisters: Int32Array, sizes: Float64Array): void;
  /**
   * A fused activation gradient over float32s of one length: op 0 dx = dy·(1 − v²) (v = tanh's
   * output), 1 dx = dy·v·(1 − v) (sigmoid's output), 2 dx = lo ≤ v ≤ hi ? dy : 0 (clip's input).
   * Absent from addons built before it.
   */
  activationGrad?(op: 0 | 1 | 2, dy: Float32Array, v: Float32Array, dx: Float32Array, lo: number, hi: number): void;
  /**
   * y = (x − mean)·scale/√(variance + eps) + offset over channels-last x (src/norm.cc); each parameter has
   * `channels` values or 1; scale and offset may be null. Absent from addons built before it.
   */
  batchNorm?(x: Float32Array, y: Float32Array, channels: number, mean: Float32Array, variance: Float32Array, scale: Float32Array | null, offset: Float32Array | null, eps: number): void;
  /**
   * Column sums of products over [rows, cols] views (src/dots.cc): outputs[k][c] = Σ_r inputs[pairs[2k]][r, c]·inputs[pairs[2k+1]][r, c],
   * each input rows·cols floats, each output cols floats; with rowOutputs (rows floats each) the row sums too, in the
   * same pass. Absent from addons built before it.
   */
  dots?(inputs: Float32Array[], pairs: Int32Array, rows: number, cols: number, outputs: Float32Array[], rowOutputs?: Float32Array[]): void;
  /**
   * Schedule-free AdamW's step (src/schedule_free.cc; SCHEDULE_FREE_KERNEL in harness/spec.ts), all arrays of one
   * length; coefficients b1, 1−b1, b2, 1−b2, eps, c2, lr, c, 1−c, wd, apply. Absent from addons built before it.
   */
  scheduleFreeStep?(g: Float32Array, v: Float32Array, z: Float32Array, x: Float32Array, p: Float32Array, vOut: Float32Array, zOut: Float32Array, xOut: Float32Array, out: Float32Array, coefficients: Float64Array): void;
  /**
   * Adam's step with LAMB's Σu², Σu·p, Σp² in the same pass (src/adam_dots.cc; ADAM_MOMENTS_DOTS_KERNEL in
   * harness/spec.ts): g, m, v, p and the three outputs of one length, sums 3 floats, coefficients as adamMoments'.
   * Absent from addons built before it.
   */
  adamMomentsDots?(g: Float32Array, m: Float32Array, v: Float32Array, p: Float32Array, mOut: Float32Array, vOut: Float32Array, update: Float32Array, sums: Float32Array, coefficients: Float64Array): void;
  /**
   * adamMomentsDots of several tensors in one call (one job of the thread pool; each tensor's sums with
   * adamMomentsDots's bits): one Float32Array per tensor in each list, sums 3 floats per tensor. Absent from
   * addons built before it.
   */
  adamMomentsDotsMany?(gs: Float32Array[], ms: Float32Array[], vs: Float32Array[], ps: Float32Array[], mOuts: Float32Array[], vOuts: Float32Array[], updates: Float32Array[], sums: Float32Array, coefficients: Float64Array): void;
  /**
   * Adafactor's factored second moment of a [rows, cols] matrix (src/factored_rms.cc; FACTORED_RMS_KERNEL in
   * harness/spec.ts): new row and column states, their factors, u, and Σu², Σp² into sums. coefficients: beta,
   * 1−beta, the row and column sums' eps terms, their divisors, d0, sumU, sumP. Absent from addons built before it.
   */
  factoredRms?(g: Float32Array, p: Float32Array | null, row: Float32Array, col: Float32Array, rowOut: Float32Array, colOut: Float32Array, rowFactor: Float32Array, colFactor: Float32Array, u: Float32Array, sums: Float32Array, rows: number, cols: number, coefficients: Float64Array): void;
  /**
   * scaleByFactoredRms's step of every parameter in one call (src/factored_rms.cc; FACTORED_RMS_STEP_KERNEL in
   * harness/spec.ts): per g, its states (row, col or v) and outputs (rowOut, colOut, u or vOut, u) in order,
   * ps one per g where scaled (else none), factors one per g, shapes rows, cols, d0 (−1: full average) per g,
   * options beta, 1−beta, eps, clip, paramScale, clipped, scaled. Absent from addons built before it.
   */
  factoredRmsStep?(gs: Float32Array[], ps: Float32Array[], states: Float32Array[], outs: Float32Array[], factors: Float32Array, shapes: Float64Array, options: Float64Array): void;
  /**
   * Adam's step with AdamP's per-column sums in the same pass (src/adam_dots.cc; ADAM_MOMENTS_DOTS_KERNEL with
   * `columns`): pairs index (0 g, 1 p, 2 the update) two by two, one output of cols floats per pair, the
   * sums on DOTS_KERNEL's column grid. Absent from addons built before it.
   */
  adamMomentsColumnDots?(g: Float32Array, m: Float32Array, v: Float32Array, p: Float32Array, mOut: Float32Array, vOut: Float32Array, update: Float32Array, pairs: Int32Array, cols: number, outputs: Float32Array[], coefficients: Float64Array): void;
  /**
   * SAM's perturbed point of every parameter in one call (src/dots.cc; SAM_PERTURB_KERNEL in harness/spec.ts):
   * outputs[i] = params[i] + grads[i]·f (ASAM: params[i] + ((params[i]²)·grads[i])·f), f = rho / (norm + eps),
   * norm the global L2 norm of the grads (ASAM: of |params|·grads); answers the norm. Absent from addons built before it.
   */
  samPerturb?(params: Float32Array[], grads: Float32Array[], outputs: Float32Array[], rho: number, eps: number, adaptive: boolean): number;
  /**
   * AdamP's step of a [n / cols, cols] weight up to its last pass (src/adam_dots.cc; ADAMP_KERNEL in harness/spec.ts):
   * Adam's m', v', u with the per-column sums, then the branch and one factor per column. projection: channel
   * threshold, layer threshold, eps, wdRatio, wd. Absent from addons built before it.
   */
  adampColumnStep?(g: Float32Array, m: Float32Array, v: Float32Array, p: Float32Array, mOut: Float32Array, vOut: Float32Array, update: Float32Array, factor: Float32Array, cols: number, projection: Float64Array, coefficients: Float64Array): void;
  /**
   * adampColumnStep, then `update` ← update + p·factor (factor repeated along the rows; the product and the sum
   * each rounded to float32) in a second threaded pass: AdamP's step itself. Absent from addons built before it.
   */
  adampStep?(g: Float32Array, m: Float32Array, v: Float32Array, p: Float32Array, mOut: Float32Array, vOut: Float32Array, update: Float32Array, factor: Float32Array, cols: number, projection: Float64Array, coefficients: Float64Array): void;
  /**
   * The eigenvalues and unit eigenvectors (row k of `vectors` for values[k]) of the symmetric n×n float64 `a`,
   * its symmetric part (a + aᵀ)/2 taken (src/eigh.cc: Householder tridiagonalisation and implicit QR with Wilkinson shifts).
   * Answers the QR steps made, or −1 (no convergence in 30 steps per eigenvalue, or a non-finite entry: NaN out).
   * Absent from addons built before it.
   */
  symmetricEigh?(a: Float64Array, values: Float64Array, vectors: Float64Array, n: number): number;
  /**
   * out = V·diag((max(λ, 0) + eps)^(−1/p))·Vᵀ of the symmetric n×n float64 `a` (src/eigh.cc; DAMPED_INVERSE_ROOT_KERNEL
   * in harness/spec.ts). Answers as symmetricEigh (−1: out NaN). Absent from addons built before it.
   */
  dampedInverseRoot?(a: Float64Array, out: Float64Array, n: number, p: number, eps: number): number;
  /** Threads the kernels use (ALGOBENCH_THREADS, else the machine's core count; 1 while serialKernels(true) holds). */
  threads(): number;
  /**
   * Every kernel on the calling thread (true), or on the thread pool again (false): for the
   * harness pinned to one CPU beside a trial (backends/cpu_plan.ts). While true, results are
   * a one-thread process's (ALGOBENCH_THREADS=1). Absent from addons built before it.
   */
  serialKernels?(on: boolean): void;
  /** Pins the calling thread (the threads it starts later inherit it) to these CPUs; whether it did (Linux only). Absent from addons built before it. */
  pinThread?(cpus: Float64Array): boolean;
}

export const NATIVE_ADDON_PATH = fileURLToPath(new URL('./build/Release/algobench_native.node', import.meta.url));

let cached: NativeAddon | null | undefined;

/**
 * What the native kernels are, as a short hash: the addon's bytes (a rebuild from other
 * sources, or with other flags, is other kernels), the kernels registered from it (a stale
 * build lacking one leaves that op on the wasm kernel) and the threads they use
 * (ALGOBENCH_THREADS; `trialThreads` where trials run on other threads than this process's
 * kernels, backends/cpu_plan.ts). Part of the backend's version, and so of the hardware fingerprint
 * that keys trials and boards: results of other kernels are never reused or ranked together.
 */
export function nativeAddonIdentity(addon: NativeAddon, kernels: readonly string[], trialThreads?: number): string {
  return createHash('sha256')
    .update(readFileSync(NATIVE_ADDON_PATH))
    .update('\0')
    .update([...kernels].sort().join(','))
    .update('\0')
    .update(String(trialThreads ?? addon.threads()))
    .digest('hex')
    .slice(0, 12);
}

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
