/** mnist_cnn: the conv net's shapes and parameter types (the checks every workload passes are in conformance.test.ts). */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../harness/backends/select.ts';
import { mnistCnn } from '../../workloads/mnist_cnn/index.ts';

describe('mnist_cnn', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('builds typed conv, norm and dense parameters; no_norm has conv biases instead of norms', () => {
    const { params, types } = mnistCnn.create('base').initParams(3);
    expect(Object.fromEntries(Object.entries(params).map(([n, p]) => [n, p.shape]))).toEqual({
      'conv0/kernel': [3, 3, 1, 16],
      'norm0/scale': [16],
      'norm0/bias': [16],
      'conv1/kernel': [3, 3, 16, 32],
      'norm1/scale': [32],
      'norm1/bias': [32],
      'out/kernel': [7 * 7 * 32, 10],
      'out/bias': [10],
    });
    expect(types).toMatchObject({ 'conv0/kernel': 'conv_weight', 'norm0/scale': 'norm_scale', 'norm1/bias': 'norm_bias', 'out/kernel': 'weight' });
    const plain = mnistCnn.create('no_norm').initParams(3);
    expect(Object.keys(plain.types).sort()).toEqual(['conv0/bias', 'conv0/kernel', 'conv1/bias', 'conv1/kernel', 'out/bias', 'out/kernel']);
    expect(plain.types['conv0/bias']).toBe('bias');
    tf.dispose([...Object.values(params), ...Object.values(plain.params)]);
  });
});
