/**
 * `tf.train.adam` in one pass over memory per variable. TensorFlow.js's Adam updates
 * each variable with 13 separate elementwise ops (moments, bias corrections, square
 * root, division, step), each a full pass over the variable: for embedding_bag's
 * 16384×64 table that is most of the step. Where the backend has the fused elementwise
 * program (ELEMENTWISE_PROGRAM_KERNEL, the native kernels on wasm), the same float32
 * arithmetic, op for op and in the same order, runs as one program per variable: the
 * same bits as the stock optimizer (tested against it on the cpu backend), the same
 * state variables (so getWeights/setWeights and serialization are unchanged). Elsewhere
 * the stock method runs.
 */
import * as tf from '@tensorflow/tfjs';
import { ELEMENTWISE_PROGRAM_KERNEL, ELEMENTWISE_PROGRAM_OPS, type ElementwiseProgramOp } from '../../spec.ts';

/** The stock AdamOptimizer's fields this method reads (they are protected in its typings). */
interface AdamFields {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
  accumulatedSecondMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
  incrementIterations(): void;
}

/** A variable's name and gradient, as Optimizer.applyGradients takes them in a list. */
type NamedTensor = { name: string; tensor: tf.Tensor };
type Gradients = tf.NamedTensorMap | NamedTensor[];
type ApplyGradients = (this: unknown, variableGradients: Gradients) => void;

const OP = (name: ElementwiseProgramOp) => ELEMENTWISE_PROGRAM_OPS.findIndex(([n]) => n === name);

/**
 * The stock update as a program. Inputs: 0 g, 1 m, 2 v, 3 x, 4 1−β1ᵗ, 5 1−β2ᵗ (scalars);
 * constants: β1, 1−β1, β2, 1−β2, ε, −lr. Outputs: m', v', x'.
 *   m' = m·β1 + g·(1−β1);  v' = v·β2 + g²·(1−β2)
 *   x' = (m'/(1−β1ᵗ)) / (√(v'/(1−β2ᵗ)) + ε) · (−lr) + x
 */
function adamProgram(): { code: number[]; outputs: number[] } {
  const code: number[] = [];
  let next = 6;
  const emit = (op: ElementwiseProgramOp, a = 0, b = 0): number => {
    code.push(OP(op), a, b, 0);
    return next++;
  };
  const [b1, oneMinusB1, b2, oneMinusB2, eps, negLr] = [0, 1, 2, 3, 4, 5].map((i) => emit('const', i)) as [number, number, number, number, number, number];
  const m = emit('add', emit('mul', 1, b1), emit('mul', 0, oneMinusB1));
  const v = emit('add', emit('mul', 2, b2), emit('mul', emit('square', 0), oneMinusB2));
  const mHat = emit('div', m, 4);
  const vHat = emit('div', v, 5);
  const x = emit('add', emit('mul', emit('div', mHat, emit('add', emit('sqrt', vHat), eps)), negLr), 3);
  return { code, outputs: [m, v, x] };
}

const PROGRAM = adamProgram();

function fusedApplyGradients(this: AdamFields, variableGradients: Gradients): void {
  const entries = Array.isArray(variableGradients)
    ? variableGradients.map((g) => [g.name, g.tensor] as const)
    : Object.entries(variableGradients);
  tf.tidy(() => {
    const oneMinusAccBeta1 = tf.sub(1, this.accBeta1);
    const oneMinusAccBeta2 = tf.sub(1, this.accBeta2);
    const constants = [this.beta1, 1 - this.beta1, this.beta2, 1 - this.beta2, this.epsilon, -this.learningRate];
    entries.forEach(([name, gradient], i) => {
      const value = tf.engine().registeredVariables[name]!;
      this.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      this.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      if (gradient == null) return;
      const m = this.accumulatedFirstMoment[i]!.variable;
      const v = this.accumulatedSecondMoment[i]!.variable;
      const [newM, newV, newValue] = tf.engine().runKernel(
        ELEMENTWISE_PROGRAM_KERNEL,
        { x0: gradient, x1: m, x2: v, x3: value, x4: oneMinusAccBeta1, x5: oneMinusAccBeta2 },
        { shape: [...value.shape], code: PROGRAM.code, constants, outputs: PROGRAM.outputs } as unknown as tf.NamedAttrMap,
      ) as tf.Tensor[];
      m.assign(newM!);
      v.assign(newV!);
      value.assign(newValue!);
    });
    this.accBeta1.assign(tf.mul(this.accBeta1, this.beta1));
    this.accBeta2.assign(tf.mul(this.accBeta2, this.beta2));
  });
  this.incrementIterations();
}

let stock: ApplyGradients | undefined;

/** Whether a float32 variable set can take the fused path on the current backend. */
function fusable(variableGradients: Gradients): boolean {
  if (tf.getKernel(ELEMENTWISE_PROGRAM_KERNEL, tf.getBackend()) === undefined) return false;
  const tensors = Array.isArray(variableGradients) ? variableGradients.map((g) => g.tensor) : Object.values(variableGradients);
  return tensors.every((t) => t == null || t.dtype === 'float32');
}

/** Routes AdamOptimizer.applyGradients through the fused program where it can run (once per process). */
export function installStockAdam(): void {
  if (stock !== undefined) return;
  const proto = tf.AdamOptimizer.prototype as unknown as { applyGradients: ApplyGradients };
  const original = proto.applyGradients;
  stock = original;
  proto.applyGradients = function (this: unknown, variableGradients: Gradients) {
    if (fusable(variableGradients)) fusedApplyGradients.call(this as AdamFields, variableGradients);
    else original.call(this, variableGradients);
  };
}

/** The stock method, for tests that compare against it. */
export function stockAdamApplyGradients(): ApplyGradients | undefined {
  return stock;
}
