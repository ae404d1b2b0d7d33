/**
 * The fused LSTMCell and GRUCell steps (harness/backends/wasm/stock_rnn.ts over the
 * kernels of harness/backends/native/kernels_rnn.ts) against tf.layers' stock cells on
 * tfjs's cpu backend (which has no fused kernel, so the stock `call` runs there): the
 * layer's output and the gradients of every weight and of the input, to 1e-4 relative,
 * on odd sizes over several time steps, with returnSequences on and off, both recurrent
 * activations, without bias, from a given initial state, for cells stacked in a
 * generic tf.layers.rnn, with masked steps, and for whole tf.layers models; that the fused kernels run
 * on wasm and leak no tensor; and that a cell they do not cover (dropout, another
 * activation) runs the stock method.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { GRU_CELL_GRAD_KERNEL, GRU_CELL_KERNEL, LSTM_CELL_GRAD_KERNEL, LSTM_CELL_KERNEL } from '../../harness/backends/native/kernels_rnn.ts';
import { selectBackend } from '../../harness/backends/select.ts';
import { type Case, type Outputs, compare, normal } from './_cpu_reference.ts';

/**
 * A layer built on the active backend with seeded weights (scaled so that hardSigmoid's
 * gates reach both flat ends), its output for a seeded input, and the gradients of
 * Σ probe·output with respect to every weight and to the input.
 */
function layerRun(make: () => tf.layers.Layer, input: number[], scale = 0.6): Outputs {
  const layer = make();
  const x = tf.mul(normal(input), 1.5);
  layer.apply(x);
  layer.setWeights(layer.getWeights().map((w) => tf.mul(normal(w.shape), scale)));
  const y = layer.apply(x) as tf.Tensor;
  const probe = normal(y.shape);
  const weights = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  const loss = () => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, probe)) as tf.Scalar;
  const { grads } = tf.variableGrads(loss, weights);
  const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(layer.apply(a) as tf.Tensor, probe)))(x);
  const out: Outputs = { y, dx };
  weights.forEach((w, i) => {
    out[`d${i}`] = tf.clone(grads[w.name]!);
  });
  tf.dispose(Object.values(grads));
  layer.dispose();
  return out;
}

/** An RNN layer of each kind with the same options. */
const KINDS = {
  lstm: (args: Parameters<typeof tf.layers.lstm>[0]) => tf.layers.lstm(args),
  gru: (args: Parameters<typeof tf.layers.gru>[0]) => tf.layers.gru(args),
} as const;

const CASES: Case[] = Object.entries(KINDS).flatMap(([kind, make]): Case[] => [
  [`${kind}: default activations, units 7, 5 steps, last state`, () => layerRun(() => make({ units: 7 }), [3, 5, 4])],
  [`${kind}: returnSequences, units 33, 6 steps, batch 5, 11 features`, () => layerRun(() => make({ units: 33, returnSequences: true }), [5, 6, 11])],
  [`${kind}: sigmoid gates, returnSequences and returnState`, () => {
    const layer = make({ units: 9, recurrentActivation: 'sigmoid', returnSequences: true, returnState: true });
    const x = normal([4, 3, 6]);
    layer.apply(x);
    layer.setWeights(layer.getWeights().map((w) => tf.mul(normal(w.shape), 0.5)));
    const outs = layer.apply(x) as tf.Tensor[];
    const probes = outs.map((o) => normal(o.shape));
    const weights = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => tf.addN((layer.apply(x) as tf.Tensor[]).map((o, i) => tf.sum(tf.mul(o, probes[i]!)))) as tf.Scalar, weights);
    const result: Outputs = { value, ...Object.fromEntries(outs.map((o, i) => [`out${i}`, o])) };
    weights.forEach((w, i) => {
      result[`d${i}`] = grads[w.name]!;
    });
    return result;
  }],
  [`${kind}: without bias, goBackwards`, () => layerRun(() => make({ units: 5, useBias: false, goBackwards: true }), [2, 4, 3])],
  [`${kind}: batch 1, units 1, 2 steps`, () => layerRun(() => make({ units: 1 }), [1, 2, 2])],
]);

CASES.push(
  ['tf.layers model: embedding → lstm (sequences) → gru → dense softmax, cross-entropy gradients of every weight', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 50, outputDim: 8, inputLength: 7 }),
        tf.layers.lstm({ units: 13, returnSequences: true }),
        tf.layers.gru({ units: 6 }),
        tf.layers.dense({ units: 4, activation: 'softmax' }),
      ],
    });
    model.setWeights(model.getWeights().map((w) => tf.mul(normal(w.shape), 0.4)));
    const tokens = tf.cast(tf.floor(tf.mul(tf.randomUniform([5, 7], 0, 1, 'float32', 77), 50)), 'float32');
    const labels = tf.oneHot(tf.tensor1d([0, 3, 1, 2, 3], 'int32'), 4);
    const weights = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(labels, model.apply(tokens) as tf.Tensor) as tf.Scalar, weights);
    const result: Outputs = { loss: value };
    weights.forEach((w, i) => {
      result[`d${i}`] = grads[w.name]!;
    });
    model.dispose();
    return result;
  }],
  ['tf.layers.rnn over stacked cells (lstmCell then gruCell: the inputs multiplied in each cell, step by step)', () =>
    layerRun(() => tf.layers.rnn({ cell: [tf.layers.lstmCell({ units: 6 }), tf.layers.gruCell({ units: 5 })], returnSequences: true }), [3, 4, 7])],
  ['embedding with maskZero → gru (sequences) → lstm: masked steps keep the state', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 20, outputDim: 5, inputLength: 6, maskZero: true }),
        tf.layers.gru({ units: 7, returnSequences: true }),
        tf.layers.lstm({ units: 4, returnSequences: true }),
      ],
    });
    model.setWeights(model.getWeights().map((w) => tf.mul(normal(w.shape), 0.5)));
    const tokens = tf.tensor2d([[3, 7, 0, 0, 1, 2], [0, 5, 9, 11, 0, 4], [19, 18, 17, 0, 0, 0]]);
    const probe = normal([3, 6, 4]);
    const weights = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(model.apply(tokens) as tf.Tensor, probe)) as tf.Scalar, weights);
    const result: Outputs = { y: model.apply(tokens) as tf.Tensor, value };
    weights.forEach((w, i) => {
      result[`d${i}`] = grads[w.name]!;
    });
    model.dispose();
    return result;
  }],
  ['lstm with an initial state (the cell gets c from the caller)', () => {
    const layer = tf.layers.lstm({ units: 6, returnSequences: true });
    const x = normal([3, 4, 5]);
    const h0 = normal([3, 6]);
    const c0 = normal([3, 6]);
    const apply = (a: tf.Tensor, h: tf.Tensor, c: tf.Tensor) => layer.apply(a, { initialState: [h, c] }) as tf.Tensor;
    apply(x, h0, c0);
    layer.setWeights(layer.getWeights().map((w) => tf.mul(normal(w.shape), 0.5)));
    const probe = normal([3, 4, 6]);
    const [dx, dh0, dc0] = tf.grads((a: tf.Tensor, h: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(apply(a, h, c), probe)))([x, h0, c0]);
    return { y: apply(x, h0, c0), dx: dx!, dh0: dh0!, dc0: dc0! };
  }],
);

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('fused tf.layers LSTM and GRU cells', () => {
  it.each(CASES.map(([label, run]) => [label, run] as const))('%s matches the stock cell on cpu', (_, run) => compare(run));

  /** The kernels a layer's forward and backward pass run on the wasm backend, and whether it leaked tensors. */
  async function kernelsOf(make: () => tf.layers.Layer): Promise<{ kernels: string[]; leaked: number }> {
    tf.setBackend('wasm');
    const layer = make();
    const x = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 5);
    layer.apply(x);
    const before = tf.memory().numTensors;
    const weights = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const profile = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(layer.apply(x) as tf.Tensor) as tf.Scalar, weights);
      tf.dispose([value, ...Object.values(grads)]);
    });
    const leaked = tf.memory().numTensors - before;
    layer.dispose();
    x.dispose();
    return { kernels: profile.kernels.map((k) => k.name), leaked };
  }

  it('runs one fused kernel per step forward and backward and one input product per layer, leaking nothing', async () => {
    const lstm = await kernelsOf(() => tf.layers.lstm({ units: 5 }));
    expect(lstm.kernels.filter((k) => k === LSTM_CELL_KERNEL)).toHaveLength(3);
    expect(lstm.kernels.filter((k) => k === LSTM_CELL_GRAD_KERNEL)).toHaveLength(3);
    expect(lstm.kernels).not.toContain('ClipByValue');
    // inputs·kernel for all steps at once: one product forward, one backward (the kernel's gradient; x needs none).
    expect(lstm.kernels.filter((k) => k === 'BatchMatMul')).toHaveLength(2);
    expect(lstm.leaked).toBe(0);
    const gru = await kernelsOf(() => tf.layers.gru({ units: 5, useBias: false }));
    expect(gru.kernels.filter((k) => k === GRU_CELL_KERNEL)).toHaveLength(3);
    expect(gru.kernels.filter((k) => k === GRU_CELL_GRAD_KERNEL)).toHaveLength(3);
    expect(gru.kernels).not.toContain('SplitV');
    expect(gru.leaked).toBe(0);
  });

  it('leaves cells it does not cover to the stock method (dropout, another activation)', async () => {
    for (const make of [
      () => tf.layers.lstm({ units: 5, recurrentDropout: 0.5 }),
      () => tf.layers.gru({ units: 5, dropout: 0.25 }),
      () => tf.layers.lstm({ units: 5, activation: 'relu' }),
      () => tf.layers.gru({ units: 5, recurrentActivation: 'tanh' }),
    ]) {
      const { kernels, leaked } = await kernelsOf(make);
      expect(kernels.filter((k) => k.startsWith('Algobench') && k.includes('Cell'))).toEqual([]);
      expect(leaked).toBe(0);
    }
  });

  it('matches the stock cell for a covered cell with dropout rates of 0 and 1 (tfjs applies neither)', () => {
    compare(() => layerRun(() => tf.layers.gru({ units: 4, dropout: 1, recurrentDropout: 0 }), [2, 3, 3]));
  });
});
