/**
 * algobench's wasm kernels for conv gradients, max-pool gradients and segment sums
 * against the reference cpu backend: forward and gradient, random shapes with odd
 * sizes, strides and paddings, to 1e-4 relative.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../harness/backends/select.ts';
import { createRng } from '../../harness/core/rng.ts';

// These are the wasm-only kernels (what runs where the native addon is not built);
// test/backends/native_kernels.test.ts covers the native ones that go on top.
process.env['ALGOBENCH_NATIVE'] = '0';

type Arrays = Record<string, number[]>;

/** Runs `f` on `backend` with inputs drawn from fixed seeds; returns flat values. */
function onBackend(backend: string, f: () => Record<string, tf.Tensor>): Arrays {
  tf.setBackend(backend);
  return tf.tidy(() => {
    const out = f();
    return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, Array.from(t.dataSync())]));
  });
}

function expectSame(mine: Arrays, reference: Arrays): void {
  for (const [key, expected] of Object.entries(reference)) {
    const actual = mine[key]!;
    expect(actual.length, key).toBe(expected.length);
    let worst = 0;
    actual.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - expected[i]!) / Math.max(1, Math.abs(expected[i]!)))));
    expect(worst, key).toBeLessThan(1e-4);
  }
}

function compare(f: () => Record<string, tf.Tensor>): void {
  expectSame(onBackend('wasm', f), onBackend('cpu', f));
}

const rng = createRng(7);
const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)]!;

interface ConvCase { n: number; h: number; w: number; ci: number; co: number; k: number; stride: number; pad: 'same' | 'valid' }
const convCases: ConvCase[] = Array.from({ length: 16 }, () => ({
  n: 1 + rng.int(3),
  h: 5 + rng.int(10),
  w: 5 + rng.int(10),
  ci: 1 + rng.int(5),
  co: 1 + rng.int(6),
  k: pick([1, 2, 3, 5]),
  stride: pick([1, 1, 2]),
  pad: pick(['same', 'valid'] as const),
}));

describe('wasm Conv2D gradients', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it.each(convCases.map((c, i) => [i, c] as const))('case %i matches cpu (forward, dx, dW)', (i, c) => {
    compare(() => {
      const x = tf.randomNormal([c.n, c.h, c.w, c.ci], 0, 1, 'float32', 10 + i) as tf.Tensor4D;
      const w = tf.randomNormal([c.k, c.k, c.ci, c.co], 0, 1, 'float32', 20 + i) as tf.Tensor4D;
      const y = tf.conv2d(x, w, c.stride, c.pad);
      const probe = tf.randomNormal(y.shape, 0, 1, 'float32', 30 + i);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), probe)))([x, w]);
      return { y, dx: dx!, dw: dw! };
    });
  });
});

describe('wasm MaxPoolGrad', () => {
  it.each([
    [2, 2, 'valid'], [2, 2, 'same'], [3, 2, 'same'], [3, 1, 'valid'], [2, 1, 'same'],
  ] as const)('filter %i stride %i %s matches cpu', (filter, stride, pad) => {
    compare(() => {
      const x = tf.randomNormal([2, 9, 7, 3], 0, 1, 'float32', filter * 10 + stride) as tf.Tensor4D;
      const y = tf.maxPool(x, filter, stride, pad);
      const probe = tf.randomNormal(y.shape, 0, 1, 'float32', 99);
      const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, filter, stride, pad), probe)))(x);
      return { y, dx };
    });
  });
});

describe('wasm UnsortedSegmentSum (gather gradient)', () => {
  it('matches cpu for embedding lookups with repeated ids', () => {
    compare(() => {
      const table = tf.randomNormal([11, 5], 0, 1, 'float32', 3);
      const ids = tf.tensor2d([[1, 4, 4, 10], [0, 1, 7, 4]], [2, 4], 'int32');
      const probe = tf.randomNormal([2, 4, 5], 0, 1, 'float32', 4);
      const dTable = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), probe)))(table);
      return { dTable };
    });
  });

  it('matches cpu as an op, dropping out-of-range ids', () => {
    compare(() => ({
      sum: tf.unsortedSegmentSum(tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8]]), tf.tensor1d([2, 0, 2, 1], 'int32'), 3),
    }));
  });

  it('leaks no tensors', () => {
    tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    onBackend('wasm', () => {
      const x = tf.randomNormal([1, 6, 6, 2], 0, 1, 'float32', 1) as tf.Tensor4D;
      const w = tf.randomNormal([3, 3, 2, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.maxPool(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), 2, 2, 'same')))([x, w]);
      return { dx: dx!, dw: dw! };
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
