/**
 * The native FusedBatchNorm (harness/backends/native/kernels_norm.ts, src/norm.cc) against
 * tfjs's reference cpu backend to 1e-4 relative, forward and gradient (x, mean, variance,
 * scale, offset), on odd channel counts (1, 3, 33) and sizes big enough to be split
 * between threads, with per-channel and scalar parameters, without scale or offset, and
 * a layout it does not cover (parameters of x's full shape, which falls back).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../harness/backends/native/addon.ts';
import { selectBackend } from '../../harness/backends/select.ts';
import { type Case, compare, gradsOf, normal, positive } from './_cpu_reference.ts';

beforeAll(async () => {
  await selectBackend('wasm');
});

const CASES: Case[] = [
  ...([[5, 7, 3], [2, 9, 11, 33], [1, 1], [4096, 33]] as const).map((shape): Case => [`[${shape}] per channel, with gradients`, () => {
    const c = shape.at(-1)!;
    const [x, mean, variance, offset, scale] = [normal([...shape]), normal([c]), positive([c]), normal([c]), normal([c])];
    return {
      y: tf.batchNorm(x, mean, variance, offset, scale, 0.001),
      ...gradsOf((a, m, v, o, s) => tf.batchNorm(a!, m!, v!, o!, s!, 1e-3), [x, mean, variance, offset, scale]),
    };
  }]),
  // (tfjs's own gradient of batchNorm fails without a scale, on every backend: forward only.)
  ['scalar mean and variance, no scale, no offset, default epsilon', () => ({ y: tf.batchNorm(normal([3, 5, 7]), tf.scalar(0.3), tf.scalar(1.7)) })],
  ['per-channel statistics with a one-value scale and offset, eps 1e-5', () => {
    const x = normal([6, 33]);
    return { y: tf.batchNorm(x, normal([33]), positive([33]), tf.tensor1d([0.5]), tf.tensor1d([2]), 1e-5) };
  }],
  ['parameters of x\'s whole shape (falls back to the stock kernel)', () => {
    const x = normal([4, 3]);
    return { y: tf.batchNorm(x, normal([4, 3]), positive([4, 3]), normal([4, 3]), normal([4, 3])) };
  }],
  ['from tf.layers.batchNormalization in training (moments of the batch)', () => {
    const layer = tf.layers.batchNormalization({ epsilon: 1e-3 });
    return { y: layer.apply(tf.mul(normal([8, 5, 5, 3]), 3), { training: true }) as tf.Tensor };
  }],
];

describe('native FusedBatchNorm', () => {
  it('is registered by the addon', () => {
    expect(typeof loadNativeAddon()?.batchNorm, 'run `npm run build:native`').toBe('function');
  });

  it.each(CASES.map(([label, run]) => [label, run] as const))('%s matches cpu', (_, run) => compare(run));

  it('refuses wrong sizes with one line naming them', () => {
    const addon = loadNativeAddon()!;
    const f = (n: number) => new Float32Array(n);
    expect(() => addon.batchNorm!(f(6), f(6), 4, f(4), f(4), null, null, 1e-3)).toThrow(/multiple of channels/);
    expect(() => addon.batchNorm!(f(8), f(8), 4, f(3), f(4), null, null, 1e-3)).toThrow(/1 or channels values/);
  });
});
