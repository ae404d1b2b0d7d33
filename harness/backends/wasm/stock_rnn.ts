/**
 * tf.layers' LSTMCell and GRUCell with each time step as one fused kernel (forward and
 * backward, harness/backends/native/kernels_rnn.ts). The stock `call` runs 25–40 tfjs
 * ops a step and its gradient about twice as many, so a tf.layers LSTM or GRU spends
 * most of its step in per-op cost. Where the fused kernels are registered for the
 * current backend (the native kernels on wasm), a cell whose configuration they cover
 * runs them:
 *   - activation tanh, recurrentActivation hardSigmoid or sigmoid (tfjs's definitions:
 *     hardSigmoid = clip(0.2·x + 0.5, 0, 1));
 *   - no dropout or recurrentDropout in effect (tfjs applies them for 0 < rate < 1);
 *   - float32 inputs of rank 2 (the RNN layer hands the cell one time step);
 *   - with or without bias (useBias), any units, initializers, regularizers and
 *     constraints (those act on the weights, outside `call`).
 * GRUCell computes as tfjs's (reset_after false, the only mode tfjs has; tfjs ignores
 * `implementation`). Everything else runs the stock method. The LSTM and GRU layers
 * (not a generic tf.layers.rnn) also multiply every time step's inputs by the kernel in
 * one matmul before the recurrence (patchLayer). A gradient of a gradient through a
 * fused cell is not supported (neither is it through the stock cell: tfjs cannot
 * differentiate tanh's, sigmoid's or the clip's gradient). The result equals the
 * stock cell's to float32 rounding (tested against the stock cell on the cpu backend),
 * not bit for bit: the recurrent product is summed in another order.
 */
import * as tf from '@tensorflow/tfjs';
import { GRU_CELL_KERNEL, LSTM_CELL_KERNEL, RECURRENT_ACTIVATIONS } from '../native/kernels_rnn.ts';

/** The stock cells' fields `call` reads (protected or untyped in tfjs-layers' typings). */
interface CellFields {
  units: number;
  useBias: boolean;
  dropout: number;
  recurrentDropout: number;
  activation: object;
  recurrentActivation: object;
  kernel: { read(): tf.Tensor };
  recurrentKernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor } | null;
}

type Call = (this: unknown, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];

const className = (activation: object): string => (activation.constructor as { className?: string }).className ?? '';
const inEffect = (rate: number): boolean => rate > 0 && rate < 1;

/** The recurrent activation's code for the kernels where they cover the cell's configuration on this backend. */
function coveredActivation(cell: CellFields, kernelName: string): number | undefined {
  if (tf.getKernel(kernelName, tf.getBackend()) === undefined) return undefined;
  if (inEffect(cell.dropout) || inEffect(cell.recurrentDropout) || className(cell.activation) !== 'tanh') return undefined;
  return RECURRENT_ACTIVATIONS[className(cell.recurrentActivation)];
}

/** As coveredActivation, for a call with these inputs (one time step and the states), else undefined. */
function fusedActivation(cell: CellFields, kernelName: string, inputs: tf.Tensor | tf.Tensor[], states: number): number | undefined {
  if (!Array.isArray(inputs) || inputs.length !== states + 1) return undefined;
  if (!inputs.every((t) => t.dtype === 'float32' && t.rank === 2)) return undefined;
  return coveredActivation(cell, kernelName);
}

/**
 * Set on a cell while its LSTM or GRU layer runs it over inputs it has already
 * multiplied by the cell's kernel (one matmul for every time step at once, see
 * patchLayer): the cell then takes its input as xw.
 */
const PROJECTED = Symbol('algobench.projectedInputs');
type Projectable = CellFields & { [PROJECTED]?: boolean };

function cellInputs(cell: Projectable, x: tf.Tensor): Record<string, tf.Tensor> {
  const xw = cell[PROJECTED] === true ? x : tf.matMul(x, cell.kernel.read());
  const inputs: Record<string, tf.Tensor> = { xw, recurrentKernel: cell.recurrentKernel.read() };
  if (cell.useBias && cell.bias !== null) inputs['bias'] = cell.bias.read();
  return inputs;
}

function lstmCall(cell: CellFields, [x, h, c]: tf.Tensor[], act: number): tf.Tensor[] {
  return tf.tidy(() => {
    const inputs = { ...cellInputs(cell, x!), h: h!, c: c! };
    const [hOut, cOut] = tf.engine().runKernel(LSTM_CELL_KERNEL, inputs, { recurrentActivation: act, hasBias: 'bias' in inputs }) as tf.Tensor[];
    return [hOut!, hOut!, cOut!];
  });
}

function gruCall(cell: CellFields, [x, h]: tf.Tensor[], act: number): tf.Tensor[] {
  return tf.tidy(() => {
    const inputs = { ...cellInputs(cell, x!), h: h! };
    const [hOut] = tf.engine().runKernel(GRU_CELL_KERNEL, inputs, { recurrentActivation: act, hasBias: 'bias' in inputs }) as tf.Tensor[];
    return [hOut!, hOut!];
  });
}

const stock = new Map<string, Call>();

function patchCell(prototype: { call: Call }, name: string, kernelName: string, states: number, fused: typeof lstmCall): void {
  const original = prototype.call;
  stock.set(name, original);
  prototype.call = function (this: unknown, inputs, kwargs) {
    const cell = this as Projectable;
    const act = fusedActivation(cell, kernelName, inputs, states);
    if (act !== undefined) return fused(cell, inputs as tf.Tensor[], act);
    if (cell[PROJECTED] === true) throw new Error(`${name}: inputs were projected for the fused cell, which no longer applies`);
    return original.call(this, inputs, kwargs);
  };
}

/**
 * The LSTM or GRU layer's `call` with inputs·kernel computed for all time steps in one
 * matmul ([batch·time, features] · kernel) before the recurrence, where the cell is
 * covered: the stock cell multiplies each time step's inputs separately, a small
 * matmul forward and two backward per step. The RNN machinery (masks, initial and
 * stateful states, goBackwards, returnSequences) runs unchanged on the projected inputs.
 */
function patchLayer(prototype: { call: Call }, name: string, kernelName: string): void {
  const original = prototype.call;
  stock.set(name, original);
  prototype.call = function (this: unknown, inputs, kwargs) {
    const cell = (this as { cell: Projectable }).cell;
    const x = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0]! : undefined) : inputs;
    const covered = x !== undefined && x.rank === 3 && x.dtype === 'float32' && coveredActivation(cell, kernelName) !== undefined;
    if (!covered) return original.call(this, inputs, kwargs);
    return tf.tidy(() => {
      const [batch, steps, features] = x.shape as [number, number, number];
      const kernel = cell.kernel.read();
      const xw = tf.reshape(tf.matMul(tf.reshape(x, [batch * steps, features]), kernel), [batch, steps, kernel.shape[1]!]);
      cell[PROJECTED] = true;
      try {
        return original.call(this, xw, kwargs);
      } finally {
        cell[PROJECTED] = false;
      }
    });
  };
}

/** Routes LSTMCell.call and GRUCell.call through the fused kernels where they cover the cell (once per process). */
export function installStockRnn(): void {
  if (stock.size > 0) return;
  // The classes are not exported by name; a throwaway cell (no weights until built) gives their prototypes.
  const prototypeOf = (instance: object) => Object.getPrototypeOf(instance) as { call: Call };
  patchCell(prototypeOf(tf.layers.lstmCell({ units: 1 })), 'LSTMCell', LSTM_CELL_KERNEL, 2, lstmCall);
  patchCell(prototypeOf(tf.layers.gruCell({ units: 1 })), 'GRUCell', GRU_CELL_KERNEL, 1, gruCall);
  patchLayer(prototypeOf(tf.layers.lstm({ units: 1 })), 'LSTM', LSTM_CELL_KERNEL);
  patchLayer(prototypeOf(tf.layers.gru({ units: 1 })), 'GRU', GRU_CELL_KERNEL);
}

/** The stock `call` of LSTMCell, GRUCell, LSTM or GRU, for tests that compare against it. */
export function stockRnnCall(name: 'LSTMCell' | 'GRUCell' | 'LSTM' | 'GRU'): Call | undefined {
  return stock.get(name);
}
