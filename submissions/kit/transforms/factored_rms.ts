/**
 * Adafactor's second-moment scaling (Shazeer & Stern 2018), as optax's
 * `scale_by_factored_rms`. With β2ₜ = 1 − t^(−decayRate) (t = 1 at the first step, so
 * the first step keeps only the current gradient) and G = g² + eps:
 * - a parameter whose two largest dimensions are at least `minDimSizeToFactor` keeps
 *   only a row and a column average over those two dimensions (the others are kept):
 *     r ← β2ₜ·r + (1−β2ₜ)·mean_cols(G);  c ← β2ₜ·c + (1−β2ₜ)·mean_rows(G)
 *     update = g / √(r ⊗ c / mean(r))
 *   which is the paper's V̂ = R·C / (1ᵀR) written with means instead of sums;
 * - any other parameter (vectors, scalars) keeps the full average:
 *     v ← β2ₜ·v + (1−β2ₜ)·G;  update = g / √v
 * The row/column memory is what makes Adafactor sublinear; the factored estimate is
 * exact when G is rank one.
 */
import * as tf from '@tensorflow/tfjs';
import { FACTORED_RMS_KERNEL, FACTORED_RMS_STEP_KERNEL, type TensorMap } from '../../../harness/spec.ts';
import { dots, dotsWithRowSums } from '../dots.ts';
import { ElementwiseProgram, type Expr } from '../elementwise.ts';
import { fusedOpsEnabled } from '../fused.ts';
import { elementwiseTransformation, type GradientTransformation } from '../transform.ts';

export interface FactoredRmsOptions {
  /** Exponent c of β2ₜ = 1 − t^(−c). @default 0.8 */
  readonly decayRate?: number;
  /** Added to g² (the paper's ε1). @default 1e-30 */
  readonly eps?: number;
  /**
   * Factor a parameter only if its second-largest dimension is at least this. The
   * default factors every matrix, as the paper does; optax's default is 128.
   * @default 1
   */
  readonly minDimSizeToFactor?: number;
  /**
   * Adafactor's update clipping in the same transformation: u ← u / max(1, RMS(u)/clip)
   * per parameter, as `clipByBlockRms(clip)` after this one. @default Infinity (none)
   */
  readonly clipThreshold?: number;
  /**
   * Adafactor's relative step size in the same transformation, after the clipping:
   * u ← u · max(paramScale, RMS(p)), as `scaleByParamBlockRms(paramScale)`. Unset: none.
   */
  readonly paramScale?: number;
}

export interface FactoredRmsState {
  /** Steps taken. */
  count: number;
  /** Row averages of factored parameters (the shape without the largest dimension). */
  vRow: TensorMap;
  /** Column averages of factored parameters (the shape without the second largest). */
  vCol: TensorMap;
  /** Full averages of the parameters that are not factored. */
  v: TensorMap;
  [key: string]: number | TensorMap;
}

/**
 * The axes [d1, d0] of the second-largest and the largest dimension (ties: the earlier
 * axis first, as numpy's argsort orders them), or undefined when not factored.
 */
export function factoredDims(shape: readonly number[], minDimSizeToFactor: number): [number, number] | undefined {
  if (shape.length < 2) return undefined;
  const order = shape.map((_, axis) => axis).sort((a, b) => shape[a]! - shape[b]!);
  const d1 = order[order.length - 2]!;
  const d0 = order[order.length - 1]!;
  return shape[d1]! >= minDimSizeToFactor ? [d1, d0] : undefined;
}

const without = (shape: readonly number[], axis: number): number[] => shape.filter((_, i) => i !== axis);

export function scaleByFactoredRms(options: FactoredRmsOptions = {}): GradientTransformation<FactoredRmsState> {
  const decayRate = options.decayRate ?? 0.8;
  const eps = options.eps ?? 1e-30;
  const minDim = options.minDimSizeToFactor ?? 1;
  const clip = options.clipThreshold ?? Infinity;
  const paramScale = options.paramScale;
  // Σu² (for the clipping) by a pass of u's program, Σp² (for the step size) by the dots
  // kernel (one native read of p; measured faster than a second sum in u's pass).
  const squareSums = (b: Expr['program'], u: Expr, p: tf.Tensor): [tf.Tensor | undefined, tf.Tensor | undefined] => [
    Number.isFinite(clip) ? b.runWithSums([], [{ of: b.square(u) }]).sums[0]! : undefined,
    paramScale === undefined ? undefined : tf.reshape(dots([p], [[0, 0]])[0]!, []),
  ];
  // u·(max(paramScale, RMS(p))/max(1, RMS(u)/clip)), from Σu² and Σp² (scalar tensors):
  // the factor is a scalar, so u takes one multiplication, not a division and a product.
  const finish = (b: Expr['program'], u: Expr, sumU2: tf.Tensor | undefined, sumP2: tf.Tensor | undefined): Expr => {
    const denominator = sumU2 === undefined ? undefined : b.max(b.div(b.sqrt(b.div(sumU2, b.size)), clip), 1);
    const scale = sumP2 === undefined ? undefined : b.max(b.sqrt(b.div(sumP2, b.size)), paramScale!);
    if (denominator === undefined) return scale === undefined ? u : b.mul(u, scale);
    return b.mul(u, scale === undefined ? b.div(1, denominator) : b.div(scale, denominator));
  };
  // FACTORED_RMS_KERNEL where the backend has it: [row', col', u, Σu², Σp²]
  // (a sum not asked for is undefined), else undefined.
  const factoredRmsKernel = (g: tf.Tensor, row: tf.Tensor, col: tf.Tensor, p: tf.Tensor, d0: number, beta: number) => {
    if (!fusedOpsEnabled() || g.dtype !== 'float32' || tf.getKernel(FACTORED_RMS_KERNEL, tf.getBackend()) === undefined) return undefined;
    const sumU = Number.isFinite(clip);
    const sumP = paramScale !== undefined;
    const inputs: Record<string, tf.Tensor> = sumP ? { g, row, col, p } : { g, row, col };
    const out = tf.engine().runKernel(FACTORED_RMS_KERNEL, inputs, { d0, beta, eps, sumU, sumP } as never) as tf.Tensor[];
    // The factors are in u already.
    tf.dispose([out[2]!, out[3]!, ...(sumU ? [] : [out[5]!]), ...(sumP ? [] : [out[6]!])]);
    return [out[0]!, out[1]!, out[4]!, sumU ? out[5] : undefined, sumP ? out[6] : undefined] as const;
  };
  // FACTORED_RMS_STEP_KERNEL where the backend has it: every float32 parameter's step
  // (a factored one of rank 2, or one of the full average) in one call, whose outputs
  // are the new states, u and u's factor, so that the update's program is u·factor, the
  // same program for every parameter (one ELEMENTWISE_PROGRAMS_KERNEL call for all).
  // The bits are those of the per-parameter path below. Answers the names it took.
  const stepKernel = (
    grads: Record<string, Expr>, state: FactoredRmsState, params: TensorMap, beta: number,
    updates: Record<string, Expr>, vRow: Record<string, tf.Tensor>, vCol: Record<string, tf.Tensor>, v: Record<string, Expr | tf.Tensor>,
  ): Set<string> => {
    const taken = new Set<string>();
    if (!fusedOpsEnabled() || tf.getKernel(FACTORED_RMS_STEP_KERNEL, tf.getBackend()) === undefined) return taken;
    const inputs: Record<string, tf.Tensor> = {};
    const d0s: number[] = [];
    const programs: Expr['program'][] = [];
    for (const [n, ge] of Object.entries(grads)) {
      const b = ge.program;
      const dims = factoredDims(b.shape, minDim);
      const p = params[n];
      if (b.size === 0 || (dims !== undefined && b.shape.length !== 2) || (paramScale !== undefined && p?.dtype !== 'float32')) continue;
      const g = b.run([ge])[0]!;
      if (g.dtype !== 'float32') continue;
      const i = d0s.length;
      inputs[`g${i}`] = g;
      if (paramScale !== undefined) inputs[`p${i}`] = p!;
      if (dims === undefined) inputs[`v${i}`] = state.v[n]!;
      else [inputs[`r${i}`], inputs[`c${i}`]] = [state.vRow[n]!, state.vCol[n]!];
      d0s.push(dims === undefined ? -1 : dims[1]);
      programs.push(b);
      taken.add(n);
    }
    if (taken.size === 0) return taken;
    const attrs = { count: d0s.length, d0s, beta, eps, clip, ...(paramScale !== undefined ? { paramScale } : {}) };
    const out = tf.engine().runKernel(FACTORED_RMS_STEP_KERNEL, inputs, attrs as never) as tf.Tensor[];
    const scaled = Number.isFinite(clip) || paramScale !== undefined;
    let at = 0;
    [...taken].forEach((n, i) => {
      const b = programs[i]!;
      if (d0s[i] === -1) v[n] = out[at++]!;
      else [vRow[n], vCol[n]] = [out[at++]!, out[at++]!];
      const u = b.value(out[at++]!);
      const factor = out[at++]!;
      if (scaled) updates[n] = b.mul(u, factor);
      else {
        factor.dispose();
        updates[n] = u;
      }
    });
    return taken;
  };
  return elementwiseTransformation<FactoredRmsState>({
    init: (params) => {
      const vRow: Record<string, tf.Tensor> = {};
      const vCol: Record<string, tf.Tensor> = {};
      const v: Record<string, tf.Tensor> = {};
      for (const [n, p] of Object.entries(params)) {
        const dims = factoredDims(p.shape, minDim);
        if (dims === undefined) {
          v[n] = tf.zerosLike(p);
        } else {
          vRow[n] = tf.zeros(without(p.shape, dims[1]), p.dtype);
          vCol[n] = tf.zeros(without(p.shape, dims[0]), p.dtype);
        }
      }
      return { count: 0, vRow, vCol, v };
    },
    // Elementwise throughout: the row and column sums of g² + eps come out of one pass
    // of the gradient's program (g² is not stored), and the row and column factors
    // join the update's program as inputs repeated along the reduced axis.
    updateElementwise: (grads, state, params) => {
      const count = state.count + 1;
      const beta = 1 - count ** -decayRate;
      const updates: Record<string, Expr> = {};
      const vRow: Record<string, tf.Tensor> = {};
      const vCol: Record<string, tf.Tensor> = {};
      const v: Record<string, Expr | tf.Tensor> = {};
      const done = stepKernel(grads, state, params, beta, updates, vRow, vCol, v);
      for (const [n, ge] of Object.entries(grads)) {
        if (done.has(n)) continue;
        const b = ge.program;
        const g2e = b.add(b.square(ge), eps);
        const dims = factoredDims(b.shape, minDim);
        if (dims === undefined) {
          v[n] = b.average(state.v[n]!, g2e, beta);
          const u = b.mul(ge, b.rsqrt(v[n]));
          // Both sums in one pass of u's program here: a vector's cost is the call, not the pass.
          const both = Number.isFinite(clip) && paramScale !== undefined ? b.runWithSums([], [{ of: b.square(u) }, { of: b.square(params[n]!) }]).sums : undefined;
          updates[n] = finish(b, u, ...(both !== undefined ? ([both[0], both[1]] as [tf.Tensor, tf.Tensor]) : squareSums(b, u, params[n]!)));
          continue;
        }
        const [d1, d0] = dims;
        const native = b.shape.length === 2 && b.size > 0 ? factoredRmsKernel(b.run([ge])[0]!, state.vRow[n]!, state.vCol[n]!, params[n]!, d0, beta) : undefined;
        if (native !== undefined) {
          // One native call: both averages, Σu² and Σp², as the programs below compute them,
          // and u itself (the same two products), so the update's program reads u as a plain
          // input: repeating the factors along their axes cost that program more than u's
          // write costs here (10M, one thread, under load: 70 ms vs adamw's final 28 ms).
          const [row, col, u, sumU2, sumP2] = native;
          updates[n] = finish(b, b.value(u), sumU2, sumP2);
          vRow[n] = row;
          vCol[n] = col;
          continue;
        }
        // Σ(g² + eps) over each of the two axes: for a matrix, Σg² over its rows and its
        // columns in one dots pass (native where the backend has it) plus eps times the
        // count; otherwise sums of the gradient's program.
        // (The eps terms join the small programs below.)
        let rowSum: tf.Tensor;
        let colSum: tf.Tensor;
        let [rowEps, colEps] = [0, 0];
        if (b.shape.length === 2) {
          const [rows, cols] = b.shape as [number, number];
          const sums = dotsWithRowSums([b.run([ge])[0]!], [[0, 0]], cols);
          // Over axis 0 (shape [cols], rows terms) and over axis 1 (shape [rows], cols terms).
          const overRows: [tf.Tensor, number] = [sums.columns[0]!, rows * eps];
          const overCols: [tf.Tensor, number] = [sums.rows[0]!, cols * eps];
          [[rowSum, rowEps], [colSum, colEps]] = d0 === 0 ? [overRows, overCols] : [overCols, overRows];
        } else {
          [rowSum, colSum] = b.runWithSums([], [{ of: g2e, axis: d0 }, { of: g2e, axis: d1 }]).sums as [tf.Tensor, tf.Tensor];
        }
        // The averages and factors in small programs (one kernel call each where the
        // backend has it), not a tfjs op each.
        const c = new ElementwiseProgram(colSum.shape);
        const colE = c.average(state.vCol[n]!, c.div(colEps === 0 ? c.value(colSum) : c.add(colSum, colEps), b.shape[d1]!), beta);
        const [col, colFactor] = c.run([colE, c.rsqrt(colE)]) as [tf.Tensor, tf.Tensor];
        const r = new ElementwiseProgram(rowSum.shape);
        const rowE = r.average(state.vRow[n]!, r.div(rowEps === 0 ? r.value(rowSum) : r.add(rowSum, rowEps), b.shape[d0]!), beta);
        // mean(row) over d1's position in `row` (whose axis d0 is gone): for a matrix the
        // row vector's whole sum, taken as the program computes the row; else tf.mean.
        let row: tf.Tensor;
        let rowMean: tf.Tensor;
        if (rowSum.rank === 1) {
          const done = r.runWithSums([rowE], [{ of: rowE }]);
          [row, rowMean] = [done.outputs[0]!, done.sums[0]!];
        } else {
          row = r.run([rowE])[0]!;
          rowMean = tf.broadcastTo(tf.mean(row, d1 > d0 ? d1 - 1 : d1, true), row.shape);
        }
        const f = new ElementwiseProgram(row.shape);
        const mean = rowSum.rank === 1 ? f.div(rowMean, row.size) : f.value(rowMean);
        const [rowFactor] = f.run([f.rsqrt(f.div(row, mean))]) as [tf.Tensor];
        const u = b.mul(b.mul(ge, b.along(rowFactor, d0)), b.along(colFactor, d1));
        updates[n] = finish(b, u, ...squareSums(b, u, params[n]!));
        vRow[n] = row;
        vCol[n] = col;
      }
      return { updates, state: { count, vRow, vCol, v } };
    },
  });
}
