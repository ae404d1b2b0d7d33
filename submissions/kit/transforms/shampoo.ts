/**
 * Shampoo's preconditioning (Gupta, Koren & Singer 2018, "Shampoo: Preconditioned
 * Stochastic Tensor Optimization", ICML, Algorithm 1 for matrices) with the per-layer
 * grafting of Anil, Gupta, Koren, Regan & Singer 2020 ("Scalable Second Order
 * Optimization for Deep Learning"), before the learning rate:
 *   matrix G (m×n):  L ← L + G·Gᵀ;  R ← R + Gᵀ·G;   D = (L + eps·I)^(−1/4) · G · (R + eps·I)^(−1/4)
 *   otherwise:       H ← H + g²;                     D = g / √(H + eps)     (diagonal AdaGrad)
 *   grafting (per parameter):  'adagrad': D ← D·‖g/√(H + eps)‖/(‖D‖ + 1e-16)
 *                              'sgd':     D ← D·‖g‖/(‖D‖ + 1e-16)
 *                              'none':    D as it is
 * The paper starts L and R at eps·I; damping the root instead is the same thing. With
 * `b2` every statistic is a moving average instead, S ← b2·S + (1−b2)·X, as practical
 * Shampoo does. For a diagonal parameter the AdaGrad graft is its own direction and
 * leaves it unchanged.
 *
 * Which parameters get the two-sided preconditioner: rank ≥ 2, viewed as the matrix
 * [numel/last, last] (a conv kernel [kh, kw, in, out] as [kh·kw·in, out]), when
 * neither side exceeds `maxDim`; the rest (vectors, and matrices with a side over
 * `maxDim`) fall back to the diagonal. Practical Shampoo would block the large side
 * instead; that is left out.
 *
 * Cost: the statistics are float32 tensors updated every step on the device (two
 * matmuls); the inverse roots are computed every `updateEvery` steps (at steps 0,
 * updateEvery, 2·updateEvery, ...), in float64 from the statistics, and cached in the
 * state as float32 tensors. Where the backend has DAMPED_INVERSE_ROOT_KERNEL
 * (harness/spec.ts; algobench's native kernels) that is a Householder tridiagonalisation
 * and implicit QR (≈ 9n³ flops, one thread): measured here 0.3 ms for 64×64, 9–10 ms
 * for 256×256, 0.32–0.35 s for 768×768 (the Jacobi below: 38 ms, 0.36–0.48 s, 15 s on
 * the same matrices, the same run). Elsewhere it is the
 * JavaScript Jacobi eigen-decomposition of `_eigh.ts`, ≈ 6n³ flops per sweep and 10–14
 * sweeps: measured in Node 20 on one core of a shared machine, 0.3–1.5 s for a 256×256
 * statistic and 12–33 s for 784×784 (mnist_mlp's first layer: L is 784×784, R 256×256).
 * There, with the default updateEvery = 1 and maxDim = 1024, a step costs tens of
 * seconds: set `updateEvery` to a few hundred, or `maxDim` below 784 (that layer then
 * goes diagonal). The roots of the steps in between are stale, as in practical Shampoo.
 */
import * as tf from '@tensorflow/tfjs';
import { DAMPED_INVERSE_ROOT_KERNEL, type TensorMap } from '../../../harness/spec.ts';
import { dots } from '../dots.ts';
import { ElementwiseProgram, type Expr } from '../elementwise.ts';
import { fusedOpsEnabled } from '../fused.ts';
import { elementwiseTransformation, type GradientTransformation } from '../transform.ts';
import { dampedInverseRoot } from './_eigh.ts';

export type ShampooGraft = 'adagrad' | 'sgd' | 'none';

export interface ShampooScalingOptions {
  /** Moving-average decay of the statistics; leave unset to sum them (the paper). */
  readonly b2?: number;
  /** Damping of every root: (S + eps·I)^(−1/4), √(H + eps). @default 1e-4 */
  readonly eps?: number;
  /** Recompute the inverse roots every this many steps. @default 1 */
  readonly updateEvery?: number;
  /** Whose per-layer step size the Shampoo direction takes. @default 'adagrad' */
  readonly graftWith?: ShampooGraft;
  /** Matrices with a side longer than this use the diagonal preconditioner. @default 1024 */
  readonly maxDim?: number;
}

export interface ShampooState {
  count: number;
  /** Per two-sided parameter: the statistics L and R and their cached inverse 4th roots. */
  left: TensorMap;
  right: TensorMap;
  leftRoot: TensorMap;
  rightRoot: TensorMap;
  /** Per parameter that needs it: the sum of squared gradients (diagonal or AdaGrad graft). */
  diag: TensorMap;
  [key: string]: number | TensorMap;
}

/** The [m, n] matrix view of a parameter that gets the two-sided preconditioner, or null. */
export function shampooMatrixShape(shape: readonly number[], maxDim: number): [number, number] | null {
  if (shape.length < 2) return null;
  const n = shape[shape.length - 1]!;
  const m = shape.reduce((a, b) => a * b, 1) / n;
  return m <= maxDim && n <= maxDim ? [m, n] : null;
}

export function scaleByShampoo(options: ShampooScalingOptions = {}): GradientTransformation<ShampooState> {
  const eps = options.eps ?? 1e-4;
  const updateEvery = options.updateEvery ?? 1;
  const graft = options.graftWith ?? 'adagrad';
  const maxDim = options.maxDim ?? 1024;
  const b2 = options.b2;
  if (!Number.isInteger(updateEvery) || updateEvery < 1) {
    throw new RangeError(`shampoo: updateEvery must be an integer ≥ 1 (got ${updateEvery})`);
  }
  if (b2 !== undefined && !(b2 > 0 && b2 <= 1)) throw new RangeError(`shampoo: b2 must be in (0, 1] (got ${b2})`);
  if (!(eps > 0)) throw new RangeError(`shampoo: eps must be > 0 (got ${eps})`);
  // S·b2 + X·(1−b2) (or S + X) as one program of its own. On a step that refreshes the
  // roots it runs at once (the roots read it); otherwise it is left to the chain's
  // `materialize`, so that every statistic of the step (L and R of each matrix: programs
  // of one code) is one ELEMENTWISE_PROGRAMS_KERNEL call, not one call each, and may
  // write over the old statistic. The same ops, so the same bits.
  const accumulate = (s: tf.Tensor, x: tf.Tensor): Expr => {
    const a = new ElementwiseProgram(s.shape);
    return b2 === undefined || b2 === 1 ? a.add(s, x) : a.add(a.mul(s, b2), a.mul(x, 1 - b2));
  };
  const accumulateNow = (s: tf.Tensor, x: tf.Tensor): tf.Tensor => {
    const e = accumulate(s, x);
    return e.program.run([e])[0]!;
  };
  const matrixOf = (p: tf.Tensor) => shampooMatrixShape(p.shape, maxDim);
  const needsDiag = (p: tf.Tensor) => matrixOf(p) === null || graft === 'adagrad';

  return elementwiseTransformation<ShampooState>({
    init: (params) => {
      const matrices = Object.entries(params).filter(([, p]) => matrixOf(p) !== null);
      const square = (side: 0 | 1, value: number) =>
        Object.fromEntries(matrices.map(([n, p]) => [n, tf.mul(tf.eye(matrixOf(p)![side]), value)]));
      return {
        count: 0,
        left: square(0, 0),
        right: square(1, 0),
        leftRoot: square(0, eps ** -0.25),
        rightRoot: square(1, eps ** -0.25),
        diag: Object.fromEntries(
          Object.entries(params)
            .filter(([, p]) => needsDiag(p))
            .map(([n, p]) => [n, tf.zerosLike(p)]),
        ),
      };
    },
    // Elementwise where the rule is: the diagonal statistic, the AdaGrad direction and
    // graft join the chain's program (with the decay and learning rate after them), so
    // a diagonal parameter's whole step is one pass; the norms a graft needs are sums
    // of that pass or of one dots pass over the two-sided direction.
    updateElementwise: (grads, state) => {
      const refresh = state.count % updateEvery === 0;
      const left: Record<string, tf.Tensor | Expr> = {};
      const right: Record<string, tf.Tensor | Expr> = {};
      const leftRoot: Record<string, tf.Tensor> = {};
      const rightRoot: Record<string, tf.Tensor> = {};
      const diag: Record<string, tf.Tensor | Expr> = {};
      const updates: Record<string, Expr> = {};
      for (const [n, ge] of Object.entries(grads)) {
        const b = ge.program;
        const shape = shampooMatrixShape(b.shape, maxDim);
        const average = (old: tf.Tensor, x: Expr): Expr => (b2 === undefined || b2 === 1 ? b.add(old, x) : b.add(b.mul(old, b2), b.mul(x, 1 - b2)));
        let adagrad: Expr | undefined;
        if (state.diag[n] !== undefined) {
          diag[n] = average(state.diag[n]!, b.square(ge));
          adagrad = b.div(ge, b.sqrt(b.add(diag[n] as Expr, eps)));
        }
        if (shape === null) {
          // Diagonal AdaGrad: the adagrad graft is the direction itself.
          if (graft !== 'sgd') {
            updates[n] = adagrad!;
            continue;
          }
          const [gg, aa] = b.runWithSums([], [{ of: b.square(ge) }, { of: b.square(adagrad!) }]).sums as [tf.Tensor, tf.Tensor];
          updates[n] = b.mul(adagrad!, b.div(b.sqrt(gg), b.add(b.sqrt(aa), 1e-16)));
          continue;
        }
        // The two-sided direction: the statistics and roots are matrices (tensors).
        // The graft's Σ of squares (a one-element tensor); its root is taken in the update's program.
        let targetSquares: tf.Tensor | undefined;
        let g: tf.Tensor;
        if (graft === 'adagrad') {
          const done = b.evaluateWithSums([ge, diag[n] as Expr], [{ of: b.square(adagrad!) }]);
          [g, diag[n]] = done.outputs as [tf.Tensor, tf.Tensor];
          targetSquares = done.sums[0]!;
        } else {
          g = b.run([ge])[0]!;
          if (graft === 'sgd') targetSquares = dots([g], [[0, 0]])[0]!;
        }
        const g2 = g.shape.length === 2 && g.shape[0] === shape[0] ? g : tf.reshape(g, shape);
        const gramLeft = tf.matMul(g2, g2, false, true);
        const gramRight = tf.matMul(g2, g2, true, false);
        if (refresh) {
          const l = accumulateNow(state.left[n]!, gramLeft);
          const r = accumulateNow(state.right[n]!, gramRight);
          [left[n], right[n]] = [l, r];
          leftRoot[n] = inverseFourthRoot(l, eps);
          rightRoot[n] = inverseFourthRoot(r, eps);
        } else {
          left[n] = accumulate(state.left[n]!, gramLeft);
          right[n] = accumulate(state.right[n]!, gramRight);
          leftRoot[n] = state.leftRoot[n]!;
          rightRoot[n] = state.rightRoot[n]!;
        }
        const product = tf.matMul(tf.matMul(leftRoot[n]!, g2), rightRoot[n]!);
        const direction = g.shape.length === 2 ? product : tf.reshape(product, g.shape);
        if (targetSquares === undefined) {
          updates[n] = b.value(direction);
          continue;
        }
        // Grafted: direction·‖target‖/(‖direction‖ + 1e-16), ‖direction‖² from one dots pass,
        // both roots as the program's scalar ops (no tfjs op each).
        updates[n] = b.mul(direction, b.div(b.sqrt(targetSquares), b.add(b.sqrt(dots([direction], [[0, 0]])[0]!), 1e-16)));
      }
      return { updates, state: { count: state.count + 1, left, right, leftRoot, rightRoot, diag } };
    },
  });
}

/**
 * (S + eps·I)^(−1/4) of a symmetric statistic: by DAMPED_INVERSE_ROOT_KERNEL where the
 * backend has it (algobench's native kernels: float64 Householder + implicit QR), else
 * by the float64 Jacobi solver here.
 */
function inverseFourthRoot(s: tf.Tensor, eps: number): tf.Tensor {
  if (fusedOpsEnabled() && s.dtype === 'float32' && tf.getKernel(DAMPED_INVERSE_ROOT_KERNEL, tf.getBackend()) !== undefined) {
    return tf.engine().runKernel(DAMPED_INVERSE_ROOT_KERNEL, { s }, { p: 4, eps } as never) as tf.Tensor;
  }
  const n = s.shape[0]!;
  const root = dampedInverseRoot(Float64Array.from(s.dataSync()), n, 4, eps);
  return tf.tensor2d(Float32Array.from(root), [n, n]);
}
