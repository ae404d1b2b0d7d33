/**
 * The fused activation gradients (harness/backends/native/kernels_gradients.ts) against
 * tfjs's cpu backend, whose gradients are the stock composed ones: Tanh, Sigmoid and
 * ClipByValue (alone, as tf.layers' hardSigmoid, and at the clip bounds exactly), and
 * Multiply with broadcasting, to 1e-4 relative on odd shapes; a gradient of a gradient
 * (which must fall back to the stock, differentiable ops); a tf.layers LSTM and GRU
 * whose weight gradients run through all of them; and that the overrides leave the
 * cpu backend's gradient ops as they were.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLIP_GRAD_KERNEL, SIGMOID_GRAD_KERNEL, TANH_GRAD_KERNEL } from '../../harness/backends/native/kernels_gradients.ts';
import { selectBackend } from '../../harness/backends/select.ts';
import { type Case, compare, gradsOf, normal } from './_cpu_reference.ts';

const SHAPES = [[7], [5, 33], [3, 1, 129], [1234]];

/** x with some elements set to exactly lo and hi (the clip's gradient passes dy there). */
function withBounds(shape: number[], lo: number, hi: number): tf.Tensor {
  const x = tf.mul(normal(shape), 2);
  const n = x.size;
  const marks = tf.tensor(Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 1 : i % 5 === 1 ? 2 : 0)), shape, 'int32');
  return tf.where(tf.equal(marks, 1), tf.fill(shape, lo), tf.where(tf.equal(marks, 2), tf.fill(shape, hi), x));
}

const hardSigmoid = (x: tf.Tensor) => tf.clipByValue(tf.add(0.5, tf.mul(0.2, x)), 0, 1);

/** Builds a layer on the active backend with seeded weights, and its weights' gradients for a seeded probe. */
function layerGrads(make: () => tf.layers.Layer, input: number[]): Record<string, tf.Tensor> {
  const layer = make();
  const x = normal(input);
  layer.apply(x);
  layer.setWeights(layer.getWeights().map((w) => tf.mul(normal(w.shape), 0.3)));
  const out = layer.apply(x) as tf.Tensor;
  const probe = normal(out.shape);
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, probe)) as tf.Scalar, layer.trainableWeights.map((w) => w.read() as tf.Variable));
  const result: Record<string, tf.Tensor> = { loss: value };
  layer.trainableWeights.forEach((w, i) => {
    result[`d${i}`] = tf.clone(grads[(w.read() as tf.Variable).name]!);
  });
  tf.dispose(Object.values(grads));
  layer.dispose();
  return result;
}

const CASES: Record<string, Case[]> = {
  [TANH_GRAD_KERNEL]: [
    ...SHAPES.map((shape): Case => [`tanh [${shape}]`, () => ({ y: tf.tanh(tf.mul(normal(shape), 3)), ...gradsOf(tf.tanh, [tf.mul(normal(shape), 3)]) })]),
    ['tanh of 0, ±1e-6, ±40 and ±∞', () => {
      const x = tf.tensor1d([0, 1e-6, -1e-6, 0.6, -0.65, 40, -40, Infinity, -Infinity]);
      return { y: tf.tanh(x), ...gradsOf(tf.tanh, [x]) };
    }],
  ],
  [SIGMOID_GRAD_KERNEL]: SHAPES.map((shape): Case => [`sigmoid [${shape}]`, () => {
    const x = tf.mul(normal(shape), 4);
    return { y: tf.sigmoid(x), ...gradsOf(tf.sigmoid, [x]) };
  }]),
  [CLIP_GRAD_KERNEL]: [
    ...SHAPES.map((shape): Case => [`clipByValue [${shape}] with elements at both bounds`, () => {
      const x = withBounds(shape, -0.5, 1.25);
      const f = (a: tf.Tensor) => tf.clipByValue(a, -0.5, 1.25);
      return { y: f(x), ...gradsOf(f, [x]) };
    }]),
    ['hardSigmoid as tf.layers writes it (mul, add, clip)', () => {
      const x = tf.mul(normal([32, 33]), 4);
      return { y: hardSigmoid(x), ...gradsOf(hardSigmoid, [x]) };
    }],
  ],
  'Multiply (without its casts)': [
    ...([[[7, 33], [7, 33]], [[], [5, 33]], [[5, 1], [5, 33]], [[3, 1, 5], [4, 1]]] as const).map(([sa, sb]): Case => [`[${sa}] · [${sb}]`, () => {
      const a = normal([...sa]);
      const b = normal([...sb]);
      return { y: tf.mul(a, b), ...gradsOf(tf.mul, [a, b]) };
    }]),
  ],
  'recurrent layers': [
    ['tf.layers.lstm (hardSigmoid gates, tanh), 5 steps, units 7', () => layerGrads(() => tf.layers.lstm({ units: 7 }), [3, 5, 4])],
    ['tf.layers.gru with sigmoid gates, 5 steps, units 7', () => layerGrads(() => tf.layers.gru({ units: 7, recurrentActivation: 'sigmoid' }), [3, 5, 4])],
  ],
  'second-order gradients (stock ops)': [
    // tfjs cannot differentiate tanh's or sigmoid's own gradient (it reads a saved
    // output off the tape) nor the clip's (LogicalAnd has no gradient), on any backend;
    // f·x keeps a path to x, so the outer gradient runs through the inner one's ops.
    ['d²/dx² of tanh(x)·x, sigmoid(x)·x, x·x·x', () => {
      const x = tf.mul(normal([5, 33]), 2);
      const second = (f: (a: tf.Tensor) => tf.Tensor) => tf.grad((a: tf.Tensor) => tf.sum(tf.grad((b: tf.Tensor) => tf.sum(f(b)))(a)))(x);
      return { tanh: second((a) => tf.mul(tf.tanh(a), a)), sigmoid: second((a) => tf.mul(tf.sigmoid(a), a)), cube: second((a) => tf.mul(tf.mul(a, a), a)) };
    }],
  ],
};

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('native fused gradients', () => {
  for (const [name, cases] of Object.entries(CASES)) {
    it.each(cases.map(([label, run]) => [label, run] as const))(`${name}: %s matches cpu`, (_, run) => compare(run));
  }

  it('run as one kernel each on wasm (no composed ops), and leave cpu on the stock ops', async () => {
    const kernelsOf = async (backend: string, f: (a: tf.Tensor) => tf.Tensor) => {
      tf.setBackend(backend);
      const x = tf.randomNormal([4, 9], 0, 1, 'float32', 3);
      const profile = await tf.profile(() => tf.grad((a: tf.Tensor) => tf.sum(f(a)))(x));
      x.dispose();
      return profile.kernels.map((k) => k.name);
    };
    const wasmTanh = await kernelsOf('wasm', tf.tanh);
    expect(wasmTanh).toContain(TANH_GRAD_KERNEL);
    expect(wasmTanh).not.toContain('Square');
    const wasmClip = await kernelsOf('wasm', (a) => tf.clipByValue(a, -1, 1));
    expect(wasmClip).toContain(CLIP_GRAD_KERNEL);
    expect(wasmClip).not.toContain('LogicalAnd');
    const wasmMul = await kernelsOf('wasm', (a) => tf.mul(a, a));
    expect(wasmMul).not.toContain('Cast');
    const cpuTanh = await kernelsOf('cpu', tf.tanh);
    expect(cpuTanh).not.toContain(TANH_GRAD_KERNEL);
    expect(cpuTanh).toContain('Square');
    expect(await kernelsOf('cpu', (a) => tf.mul(a, a))).toContain('Cast');
  });
});
