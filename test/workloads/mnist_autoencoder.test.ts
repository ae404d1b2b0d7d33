/** mnist_autoencoder: shapes and types, and the MSE and SSIM metrics (the checks every workload passes are in conformance.test.ts). */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../harness/backends/select.ts';
import { mnistAutoencoder } from '../../workloads/mnist_autoencoder/index.ts';
import { perExampleSsim } from '../../workloads/mnist_autoencoder/evaluate.ts';
import { BASE_AUTOENCODER, perExampleMse, reconstruct } from '../../workloads/mnist_autoencoder/model.ts';
import { PIXELS, readMnistArrays, splitIndices } from '../../workloads/mnist/data.ts';

/** SSIM the textbook way (7×7 mean pooling), to check the matmul box filter against. */
function referenceSsim(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const n = x.shape[0];
    const img = (t: tf.Tensor) => tf.reshape(t, [n, 28, 28, 1]) as tf.Tensor4D;
    const mu = (t: tf.Tensor) => tf.avgPool(img(t), 7, 1, 'valid');
    const [ux, uy] = [mu(x), mu(y)];
    const cov = (a: tf.Tensor, b: tf.Tensor, ua: tf.Tensor, ub: tf.Tensor) => tf.mul(tf.sub(mu(tf.mul(a, b)), tf.mul(ua, ub)), 49 / 48);
    const [c1, c2] = [1e-4, 9e-4];
    const s = tf.div(
      tf.mul(tf.add(tf.mul(tf.mul(ux, uy), 2), c1), tf.add(tf.mul(cov(x, y, ux, uy), 2), c2)),
      tf.mul(tf.add(tf.add(tf.square(ux), tf.square(uy)), c1), tf.add(tf.add(cov(x, x, ux, ux), cov(y, y, uy, uy)), c2)),
    );
    return tf.mean(tf.reshape(s, [n, -1]), 1) as tf.Tensor1D;
  });
}

describe('mnist_autoencoder', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('reconstructs images with typed 784-256-64-256-784 parameters and a bottleneck32 variant', async () => {
    const w = mnistAutoencoder.create('base');
    await w.load();
    const { params, types } = w.initParams(3);
    expect(Object.values(params).map((p) => p.shape)).toEqual([[784, 256], [256], [256, 64], [64], [64, 256], [256], [256, 784], [784]]);
    expect(types['dense1/kernel']).toBe('weight');
    expect(types['dense3/bias']).toBe('bias');
    const narrow = mnistAutoencoder.create('bottleneck32').initParams(3);
    expect(narrow.params['dense1/kernel']!.shape).toEqual([256, 32]);
    const batch = w.getBatch(Int32Array.from([0, 1]));
    expect(batch.targets.shape).toEqual([2, 784]);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(batch.inputs, batch.targets))).dataSync()[0])).toBe(0);
    tf.dispose([batch.inputs, batch.targets, ...Object.values(params), ...Object.values(narrow.params)]);
  });

  it('reports the mean squared error of the whole validation split, as computed here, and an SSIM in (-1, 1)', async () => {
    const w = mnistAutoencoder.create('base');
    await w.load();
    const { params } = w.initParams(4);
    const { pixels } = readMnistArrays();
    const rows = splitIndices().validation;
    const images = new Float32Array(rows.length * PIXELS);
    rows.forEach((r, i) => images.set(pixels.subarray(r * PIXELS, (r + 1) * PIXELS), i * PIXELS));
    const out = tf.tidy(() => reconstruct(BASE_AUTOENCODER, params, tf.tensor2d(images, [rows.length, PIXELS])).dataSync());
    let squares = 0;
    out.forEach((v, k) => (squares += (v - images[k]!) ** 2));
    const m = w.evaluate(params, 'validation');
    expect(w.metric).toEqual({ name: 'mse', direction: 'min' });
    expect(m['mse']).toBeCloseTo(squares / images.length, 6);
    // SSIM itself is checked against the textbook computation below.
    expect(m['ssim']).toBeGreaterThan(-1);
    expect(m['ssim']).toBeLessThan(1);
    tf.dispose(Object.values(params));
  });

  it('computes SSIM like 7×7 mean pooling, 1 for identical images, and MSE per example', () => {
    tf.tidy(() => {
      const x = tf.randomUniform([3, 784], 0, 1, 'float32', 1) as tf.Tensor2D;
      const y = tf.clipByValue(tf.add(x, tf.randomNormal([3, 784], 0, 0.2, 'float32', 2)), 0, 1) as tf.Tensor2D;
      const ours = perExampleSsim(x, y).dataSync();
      const ref = referenceSsim(x, y).dataSync();
      ours.forEach((v, i) => expect(v).toBeCloseTo(ref[i]!, 4));
      perExampleSsim(x, x).dataSync().forEach((v) => expect(v).toBeCloseTo(1, 5));
      const mse = perExampleMse(x, tf.zerosLike(x));
      expect(mse.shape).toEqual([3]);
      expect(mse.dataSync()[0]).toBeCloseTo(tf.mean(tf.square(x.slice([0], [1]))).dataSync()[0]!, 6);
    });
  });
});
