/**
 * The MNIST data every MNIST workload shares, and what is particular to mnist_mlp: its
 * layer shapes and its metrics, computed here another way. The checks every workload
 * passes are in conformance.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../harness/backends/select.ts';
import { PIXELS, readMnistArrays, splitIndices, TEST_SIZE, TRAIN_SIZE, VALIDATION_SIZE } from '../../workloads/mnist/data.ts';
import { mnistAutoencoder } from '../../workloads/mnist_autoencoder/index.ts';
import { BASE_MLP, mlpLogits } from '../../workloads/mnist_mlp/model.ts';
import { mnistMlp } from '../../workloads/mnist_mlp/index.ts';

describe('mnist data', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('reads 10,000 real digits with labels 0-9 in [0, 1]', () => {
    const { pixels, labels } = readMnistArrays();
    expect(labels.length).toBe(10_000);
    expect(new Set(labels).size).toBe(10);
    expect(Math.min(...pixels.subarray(0, 78_400))).toBe(0);
    expect(Math.max(...pixels.subarray(0, 78_400))).toBeLessThanOrEqual(1);
  });

  it('splits into 8,000 / 1,000 / 1,000 examples covering all 10,000', () => {
    const s = splitIndices();
    expect([s.train.length, s.validation.length, s.test.length]).toEqual([TRAIN_SIZE, VALIDATION_SIZE, TEST_SIZE]);
    expect(new Set([...s.train, ...s.validation, ...s.test]).size).toBe(10_000);
  });

  it('gathers batches from the training split in order: labels for the classifiers, the images again for the autoencoder', async () => {
    const picks = Int32Array.from([0, 17, TRAIN_SIZE - 1]);
    const { pixels, labels } = readMnistArrays();
    const train = splitIndices().train;
    const image = (pick: number) => Array.from(pixels.subarray(train[pick]! * PIXELS, (train[pick]! + 1) * PIXELS));
    for (const def of [mnistMlp, mnistAutoencoder]) {
      const w = def.create('base');
      await w.load();
      const batch = w.getBatch(picks);
      const rows = batch.inputs.arraySync() as number[][];
      picks.forEach((pick, i) => expect(rows[i], `${def.name} row ${i}`).toEqual(image(pick)));
      const targets = batch.targets.arraySync();
      if (def === mnistMlp) expect(targets).toEqual(Array.from(picks, (pick) => labels[train[pick]!]));
      else expect(targets).toEqual(rows);
      tf.dispose([batch.inputs, batch.targets]);
    }
  });
});

describe('mnist_mlp', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('builds a 784-256-256-10 MLP with typed weights and biases', () => {
    const { params, types } = mnistMlp.create('base').initParams(3);
    expect(Object.fromEntries(Object.entries(params).map(([n, p]) => [n, p.shape]))).toEqual({
      'dense0/kernel': [784, 256],
      'dense0/bias': [256],
      'dense1/kernel': [256, 256],
      'dense1/bias': [256],
      'dense2/kernel': [256, 10],
      'dense2/bias': [10],
    });
    expect(types).toMatchObject({ 'dense0/kernel': 'weight', 'dense0/bias': 'bias', 'dense2/kernel': 'weight' });
    tf.dispose(Object.values(params));
  });

  it('reports the accuracy and mean cross-entropy of the whole split, as counted from the logits here', async () => {
    const w = mnistMlp.create('base');
    await w.load();
    const { params } = w.initParams(4);
    const { pixels, labels } = readMnistArrays();
    const rows = splitIndices().test;
    const images = new Float32Array(rows.length * PIXELS);
    rows.forEach((r, i) => images.set(pixels.subarray(r * PIXELS, (r + 1) * PIXELS), i * PIXELS));
    const logits = tf.tidy(() => mlpLogits(BASE_MLP, params, tf.tensor2d(images, [rows.length, PIXELS])).arraySync());
    let hits = 0;
    let nats = 0;
    logits.forEach((z, i) => {
      const label = labels[rows[i]!]!;
      const top = Math.max(...z);
      if (z.indexOf(top) === label) hits++;
      nats += Math.log(z.reduce((sum, x) => sum + Math.exp(x - top), 0)) + top - z[label]!;
    });
    const m = w.evaluate(params, 'test');
    expect(w.metric).toEqual({ name: 'accuracy', direction: 'max' });
    expect(m['accuracy']).toBe(hits / rows.length);
    expect(m['loss']).toBeCloseTo(nats / rows.length, 4);
    tf.dispose(Object.values(params));
  });
});
