/** workloads/common: seeded typed parameters, stateless layers and activations. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../harness/backends/select.ts';
import { ACTIVATIONS, activate } from '../../workloads/common/activations.ts';
import { conv2d, groupNorm, pool2 } from '../../workloads/common/layers.ts';
import { ParamBuilder } from '../../workloads/common/params.ts';

const maxAbs = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

describe('workloads/common', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('builds typed parameters, each drawn from its own name-derived seed', () => {
    const a = new ParamBuilder(7).conv('c', 3, 2, 4, false).norm('n', 4).dense('d', 8, 5).build();
    const b = new ParamBuilder(7).dense('d', 8, 5).build();
    expect(a.types).toEqual({ 'c/kernel': 'conv_weight', 'n/scale': 'norm_scale', 'n/bias': 'norm_bias', 'd/kernel': 'weight', 'd/bias': 'bias' });
    expect(a.params['c/kernel']!.shape).toEqual([3, 3, 2, 4]);
    expect(maxAbs(a.params['d/kernel']!, b.params['d/kernel']!)).toBe(0);
    expect(() => new ParamBuilder(1).norm('n', 2).norm('n', 2)).toThrow(/twice/);
    tf.dispose([...Object.values(a.params), ...Object.values(b.params)]);
  });

  it('scales the He-normal standard deviation by initScale', () => {
    const std = (scale: number) =>
      tf.tidy(() => {
        const { params } = new ParamBuilder(3, scale).dense('d', 400, 400).build();
        return tf.moments(params['d/kernel']!).variance.sqrt().dataSync()[0]!;
      });
    expect(std(1)).toBeCloseTo(Math.sqrt(2 / 400), 3);
    expect(std(0.5)).toBeCloseTo(0.5 * Math.sqrt(2 / 400), 3);
  });

  it('normalises each group of each example to zero mean and unit variance', () => {
    tf.tidy(() => {
      const x = tf.add(tf.mul(tf.randomNormal([2, 5, 5, 4], 0, 1, 'float32', 1), 3), 2) as tf.Tensor4D;
      const params = { 'n/scale': tf.ones([4]), 'n/bias': tf.zeros([4]) };
      for (const groups of [1, 2]) {
        const y = tf.reshape(groupNorm(params, 'n', x, groups), [2, 25, groups, 4 / groups]);
        const { mean, variance } = tf.moments(y, [1, 3]);
        expect(tf.max(tf.abs(mean)).dataSync()[0]!).toBeLessThan(1e-4);
        expect(tf.max(tf.abs(tf.sub(variance, 1))).dataSync()[0]!).toBeLessThan(1e-3);
      }
      // Per-example statistics: an example's output does not depend on the others.
      const alone = groupNorm(params, 'n', x.slice([0], [1]) as tf.Tensor4D, 1);
      expect(maxAbs(alone, groupNorm(params, 'n', x, 1).slice([0], [1]))).toBeLessThan(1e-5);
      expect(() => groupNorm(params, 'n', x, 3)).toThrow(/groups/);
    });
  });

  it('convolves with same padding and pools by 2', () => {
    tf.tidy(() => {
      const x = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
      const y = conv2d({ 'c/kernel': tf.ones([3, 3, 1, 2]), 'c/bias': tf.tensor1d([0, 1]) }, 'c', x);
      expect(y.shape).toEqual([1, 4, 4, 2]);
      // corner sees 4 ones, the middle 9; the second channel adds its bias
      expect(Array.from(y.slice([0, 0, 0, 0], [1, 2, 2, 1]).dataSync())).toEqual([4, 6, 6, 9]);
      expect(y.slice([0, 0, 0, 1], [1, 1, 1, 1]).dataSync()[0]).toBe(5);
      const ramp = tf.reshape(tf.range(0, 16, 1, 'float32'), [1, 4, 4, 1]) as tf.Tensor4D;
      expect(Array.from(pool2(ramp, 'max').dataSync())).toEqual([5, 7, 13, 15]);
      expect(Array.from(pool2(ramp, 'avg').dataSync())).toEqual([2.5, 4.5, 10.5, 12.5]);
    });
  });

  it('has distinct activations that keep shapes', () => {
    tf.tidy(() => {
      const x = tf.tensor1d([-2, -0.5, 0, 0.5, 2]);
      const outputs = ACTIVATIONS.map((a) => activate(x, a));
      outputs.forEach((y) => expect(y.shape).toEqual([5]));
      for (let i = 0; i < outputs.length; i++) {
        for (let j = i + 1; j < outputs.length; j++) expect(maxAbs(outputs[i]!, outputs[j]!)).toBeGreaterThan(0.01);
      }
      expect(activate(x, 'silu').dataSync()[4]).toBeCloseTo(2 / (1 + Math.exp(-2)), 5);
    });
  });
});
