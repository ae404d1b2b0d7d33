/**
 * Recurrent cells stepped one time step at a time over one-hot inputs.
 *
 * Inputs are one-hot rows (a letter or a phoneme; all-zero rows for padding), so a
 * cell's input weights are a lookup table — typed `embedding` — and each token's
 * row acts as its own gate bias: the cells have no separate biases, which saves an
 * add per gate and step (and its gradient's reduction), the cost that dominates a
 * recurrent step of this size on wasm.
 *
 * - gru: Cho et al. (2014), reset applied before the recurrent product:
 *     r, z = σ(x·W_rz + h·U_rz);  n = tanh(x·W_n + (r ⊙ h)·U_n);  h' = n + z ⊙ (h − n)
 * - gru_no_reset: the same without the reset gate (n = tanh(x·W_n + h·U_n)), as in
 *   the light GRU of Ravanelli et al. (2018) — one gate fewer, a different dynamics.
 * - lstm: Hochreiter & Schmidhuber (1997) with a forget gate, no peepholes; the
 *   forget gate's input rows start at +1 (Jozefowicz et al. 2015) so that the cell
 *   remembers by default.
 *
 * tanh is computed as 2σ(2x) − 1: on the wasm backend sigmoid is several times
 * faster than tanh (char_lm measured the same for GELU).
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../../harness/core/rng.ts';
import type { ParamType, TensorMap } from '../../harness/spec.ts';

export type CellKind = 'gru' | 'gru_no_reset' | 'lstm';

/** A cell's recurrent state: h, and the LSTM's memory c. */
export interface CellState {
  readonly h: tf.Tensor2D;
  readonly c?: tf.Tensor2D;
}

type AddParam = (name: string, type: ParamType, value: tf.Tensor) => void;

function param(params: TensorMap, name: string): tf.Tensor2D {
  const p = params[name];
  if (p === undefined) throw new Error(`g2p_gru: missing parameter ${name}`);
  return p as tf.Tensor2D;
}

/** Gate blocks of each cell: [name, columns in units of the hidden size]. */
const BLOCKS: Readonly<Record<CellKind, ReadonlyArray<readonly [string, number]>>> = {
  gru: [
    ['gates', 2],
    ['candidate', 1],
  ],
  gru_no_reset: [
    ['gates', 1],
    ['candidate', 1],
  ],
  lstm: [['gates', 4]],
};

/**
 * Adds `name/<block>/input` [inputs, k·hidden] (embedding) and `name/<block>/recurrent`
 * [hidden, k·hidden] (weight) for each of the cell's gate blocks. Input rows are
 * N(0, inputStd²) — one-hot inputs have fan-in 1 — and recurrent weights
 * N(0, 1 / hidden), whose spectral radius is about 1.
 */
export function initCell(
  kind: CellKind,
  name: string,
  inputs: number,
  hidden: number,
  init: { seed: number; inputStd: number },
  add: AddParam,
): void {
  for (const [block, k] of BLOCKS[kind]) {
    const input = `${name}/${block}/input`;
    const recurrent = `${name}/${block}/recurrent`;
    const table = tf.tidy(() => {
      const t = tf.randomNormal([inputs, k * hidden], 0, init.inputStd, 'float32', deriveSeed(init.seed, input));
      if (kind !== 'lstm') return t;
      // Column blocks i, f, o, g (sigmoid gates first): the forget block starts at +1.
      return tf.add(t, tf.concat([tf.zeros([inputs, hidden]), tf.ones([inputs, hidden]), tf.zeros([inputs, 2 * hidden])], 1));
    });
    add(input, 'embedding', table);
    add(recurrent, 'weight', tf.randomNormal([hidden, k * hidden], 0, 1 / Math.sqrt(hidden), 'float32', deriveSeed(init.seed, recurrent)));
  }
}

/** tanh(x) as 2σ(2x) − 1 (faster on wasm). */
export function fastTanh<T extends tf.Tensor>(x: T): T {
  return tf.sub(tf.mul(tf.sigmoid(tf.mul(x, 2)), 2), 1);
}

/** The state before the first step: zeros. */
export function zeroState(kind: CellKind, batch: number, hidden: number): CellState {
  const h = tf.zeros([batch, hidden]) as tf.Tensor2D;
  return kind === 'lstm' ? { h, c: tf.zeros([batch, hidden]) as tf.Tensor2D } : { h };
}

/** One step of the cell on one-hot inputs x [B, inputs]; returns the next state. */
export function cellStep(kind: CellKind, params: TensorMap, name: string, x: tf.Tensor2D, state: CellState): CellState {
  const { h } = state;
  const hidden = h.shape[1];
  const pre = (block: string, recurrentIn: tf.Tensor2D): tf.Tensor2D =>
    tf.add(tf.matMul(x, param(params, `${name}/${block}/input`)), tf.matMul(recurrentIn, param(params, `${name}/${block}/recurrent`)));
  if (kind === 'lstm') {
    const [sig, g] = tf.split(pre('gates', h), [3 * hidden, hidden], 1) as [tf.Tensor2D, tf.Tensor2D];
    const [i, f, o] = tf.split(tf.sigmoid(sig), 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const c: tf.Tensor2D = tf.add(tf.mul(f, state.c!), tf.mul(i, fastTanh(g)));
    return { h: tf.mul(o, fastTanh(c)), c };
  }
  let n: tf.Tensor2D;
  let z: tf.Tensor2D;
  if (kind === 'gru') {
    const [r, update] = tf.split(tf.sigmoid(pre('gates', h)), 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    n = fastTanh(pre('candidate', tf.mul(r, h)));
    z = update;
  } else {
    z = tf.sigmoid(pre('gates', h));
    n = fastTanh(pre('candidate', h));
  }
  return { h: tf.add(n, tf.mul(z, tf.sub(h, n))) };
}

/**
 * Keeps the previous state where `mask` [B, 1] is 0. The encoder reads its padding
 * first, from the zero state, so a masked step only has to stay at zero.
 */
export function maskState(state: CellState, mask: tf.Tensor2D): CellState {
  const h: tf.Tensor2D = tf.mul(state.h, mask);
  return state.c === undefined ? { h } : { h, c: tf.mul(state.c, mask) as tf.Tensor2D };
}
