/** mnist_mlp: real data, deterministic splits, shapes, learning, and real variants. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../harness/backends/select.ts';
import { lossAndGrads } from '../../harness/runner/trial.ts';
import { readMnistArrays, splitIndices, TEST_SIZE, TRAIN_SIZE, VALIDATION_SIZE } from '../../workloads/mnist/data.ts';
import { getWorkload, WORKLOADS } from '../../workloads/registry.ts';
import { getTargets } from '../../workloads/targets.ts';

describe('mnist_mlp', () => {
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

  it('splits deterministically into disjoint train / validation / test', () => {
    const a = splitIndices();
    const b = splitIndices();
    expect(Array.from(a.validation)).toEqual(Array.from(b.validation));
    expect([a.train.length, a.validation.length, a.test.length]).toEqual([TRAIN_SIZE, VALIDATION_SIZE, TEST_SIZE]);
    const all = new Set([...a.train, ...a.validation, ...a.test]);
    expect(all.size).toBe(10_000);
  });

  it('builds batches and parameters of the declared shapes and types', async () => {
    const w = getWorkload('mnist_mlp');
    await w.load();
    const init = w.initParams(3);
    expect(init.params['dense0/kernel']!.shape).toEqual([784, 256]);
    expect(init.params['dense2/kernel']!.shape).toEqual([256, 10]);
    expect(init.types['dense0/bias']).toBe('bias');
    const batch = w.getBatch(Int32Array.from([0, 5, 9]));
    expect(batch.inputs.shape).toEqual([3, 784]);
    expect(batch.size).toBe(3);
    const losses = w.loss(init.params, batch, 'train');
    expect(losses.shape).toEqual([3]);
    tf.dispose([losses, batch.inputs, batch.targets, ...Object.values(init.params)]);
  });

  it('lowers the loss over a few SGD steps', async () => {
    const w = getWorkload('mnist_mlp');
    await w.load();
    let params = w.initParams(1).params;
    const batch = w.getBatch(Int32Array.from({ length: 64 }, (_, i) => i));
    const first = tf.tidy(() => tf.mean(w.loss(params, batch, 'train')).dataSync()[0]!);
    for (let i = 0; i < 10; i++) {
      const next = tf.tidy(() => {
        const { grads } = lossAndGrads(w, params, batch);
        return Object.fromEntries(Object.entries(params).map(([n, p]) => [n, tf.sub(p, tf.mul(grads[n]!, 0.1))]));
      });
      tf.dispose(Object.values(params));
      params = next;
    }
    const last = tf.tidy(() => tf.mean(w.loss(params, batch, 'train')).dataSync()[0]!);
    expect(last).toBeLessThan(first * 0.8);
  });

  it('has variants whose models differ from the base, each with targets', async () => {
    const def = WORKLOADS['mnist_mlp']!;
    expect(def.variants.length).toBeGreaterThanOrEqual(2);
    const base = getWorkload('mnist_mlp');
    await base.load();
    const params = base.initParams(5).params;
    const batch = base.getBatch(Int32Array.from([1, 2, 3, 4]));
    const baseLoss = base.loss(params, batch, 'eval').arraySync();
    for (const v of def.variants.filter((x) => x.name !== 'base')) {
      const variant = getWorkload(`mnist_mlp:${v.name}`);
      const vParams = variant.initParams(5).params;
      const sameParams = variant.loss(params, batch, 'eval').arraySync();
      const differsAtSameParams = sameParams.some((x, i) => Math.abs(x - baseLoss[i]!) > 1e-6);
      const differsAtInit = Object.keys(params).some(
        (n) => tf.tidy(() => tf.max(tf.abs(tf.sub(params[n]!, vParams[n]!))).dataSync()[0]!) > 0,
      );
      expect(differsAtSameParams || differsAtInit, v.name).toBe(true);
      const t = getTargets('mnist_mlp', v.name);
      expect(t.validation).toBeGreaterThan(0);
      tf.dispose(Object.values(vParams));
    }
  });
});
