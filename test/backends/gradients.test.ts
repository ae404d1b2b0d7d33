/**
 * Sum's and Mean's gradients without a tensor of ones (harness/backends/wasm/gradients.ts):
 * on random odd shapes and every kind of axis list (one axis, several, adjacent or not,
 * negative, all, keepDims), the gradient of Σ probe·reduce(x) is checked element by
 * element against the rule written out in plain JavaScript (∂/∂x[i] = probe at i's
 * reduced position, divided by the reduced size for Mean), and bit for bit against the
 * stock formula (dy · ones, then / size for Mean) computed with plain ops. It runs on the
 * wasm backend with the native kernels, where the bench's models run.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../harness/backends/select.ts';
import { GRADIENT_OVERRIDES } from '../../harness/backends/wasm/gradients.ts';

beforeAll(async () => {
  await selectBackend('wasm');
});

const CASES: ReadonlyArray<[shape: number[], axis: number | number[] | undefined, keepDims: boolean]> = [
  [[7], 0, false],
  [[5, 3], 1, false],
  [[5, 3], 0, true],
  [[3, 7, 5], [1], false],
  [[3, 7, 5], [0, 2], false],
  [[3, 7, 5], [-1], true],
  [[2, 3, 5, 7], [1, 2], false],
  [[2, 3, 5, 7], [0, 3], true],
  [[33, 5, 2], undefined, false],
  [[4, 1, 5], 1, false],
];

/** Row-major position → the index of its reduced output (axes dropped). */
function reducedIndex(shape: number[], axes: number[], flat: number): number {
  let rest = flat;
  const coords = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    coords[i] = rest % shape[i]!;
    rest = Math.floor(rest / shape[i]!);
  }
  let index = 0;
  for (let i = 0; i < shape.length; i++) if (!axes.includes(i)) index = index * shape[i]! + coords[i]!;
  return index;
}

describe('Sum and Mean gradients without ones', () => {
  it('are the registered gradients once the wasm kernels are installed', () => {
    for (const config of GRADIENT_OVERRIDES) expect(tf.getGradient(config.kernelName)?.gradFunc).toBe(config.gradFunc);
  });

  it.each(CASES.flatMap(([shape, axis, keepDims]) => (['sum', 'mean'] as const).map((op) => [op, shape, axis, keepDims] as const)))(
    '%s over %j, axis %j, keepDims %s: the rule, and the stock formula bit for bit',
    (op, shape, axis, keepDims) => {
      const axes = axis === undefined ? shape.map((_, i) => i) : [axis].flat().map((a) => (a < 0 ? a + shape.length : a));
      const size = axes.reduce((n, a) => n * shape[a]!, 1);
      const reduce = (t: tf.Tensor) => (op === 'sum' ? tf.sum(t, axis, keepDims) : tf.mean(t, axis, keepDims));
      tf.tidy(() => {
        const x = tf.randomNormal(shape, 0, 1, 'float32', 7);
        const outShape = reduce(x).shape;
        const probe = tf.randomNormal(outShape, 0, 1, 'float32', 11);
        const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(reduce(t), probe)))(x);
        expect(dx.shape).toEqual(shape);
        const got = dx.dataSync();
        const p = probe.dataSync();
        const expected = Array.from(got, (_, i) => (op === 'sum' ? p[reducedIndex(shape, axes, i)]! : Math.fround(p[reducedIndex(shape, axes, i)]! / size)));
        expect(Array.from(got)).toEqual(expected);
        // The stock gradient's own arithmetic, as plain ops.
        const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
        const stock = tf.mul(tf.reshape(probe, kept), tf.ones(shape));
        expect(Array.from(got)).toEqual(Array.from((op === 'sum' ? stock : tf.div(stock, size)).dataSync()));
      });
    },
  );
});
