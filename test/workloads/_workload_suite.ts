/**
 * Checks every MNIST-based workload runs: its batches come from the shared fixed
 * split, its loss is per-example and learns, a loss+grad step leaks no tensor, its
 * evaluation covers the split and leaks nothing, and every variant changes the model.
 * Timings are never asserted.
 */
import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { lossAndGrads } from '../../harness/runner/trial.ts';
import type { TensorMap, Workload } from '../../harness/spec.ts';
import { PIXELS, readMnistArrays, splitIndices, TRAIN_SIZE } from '../../workloads/mnist/data.ts';
import type { WorkloadDefinition } from '../../workloads/definition.ts';

export interface SuiteOptions {
  /** Plain gradient-descent step size for the learning check. */
  readonly lr: number;
  readonly steps: number;
  readonly batchSize: number;
  /** The loss after `steps` must be below this fraction of the first. */
  readonly ratio: number;
}

const disposeParams = (params: TensorMap) => tf.dispose(Object.values(params));

export function workloadSuite(def: WorkloadDefinition, opts: SuiteOptions): void {
  const base = () => def.create('base');

  it('lists base first and builds every variant by name', () => {
    expect(def.variants[0]?.name).toBe('base');
    expect(def.variants.length).toBeGreaterThanOrEqual(3);
    for (const v of def.variants) expect(def.create(v.name).variant).toBe(v.name);
    expect(() => def.create('no_such_variant')).toThrow(/variant/);
  });

  it('gathers batches from the shared, fixed training split', async () => {
    const w = base();
    await w.load();
    expect(w.trainSize).toBe(TRAIN_SIZE);
    const picks = Int32Array.from([0, 17, TRAIN_SIZE - 1]);
    const batch = w.getBatch(picks);
    const { pixels } = readMnistArrays();
    const train = splitIndices().train;
    const rows = batch.inputs.arraySync() as number[][];
    picks.forEach((pick, i) => {
      const src = train[pick]!;
      expect(rows[i]).toEqual(Array.from(pixels.subarray(src * PIXELS, (src + 1) * PIXELS)));
    });
    expect(batch.size).toBe(3);
    expect(batch.indices).toBe(picks);
    tf.dispose([batch.inputs, batch.targets]);
  });

  it('initialises deterministically in the seed', () => {
    const w = base();
    const a = w.initParams(11);
    const b = w.initParams(11);
    const c = w.initParams(12);
    const diff = (x: TensorMap, y: TensorMap) =>
      Math.max(...Object.keys(x).map((n) => tf.tidy(() => tf.max(tf.abs(tf.sub(x[n]!, y[n]!))).dataSync()[0]!)));
    expect(Object.keys(a.types).sort()).toEqual(Object.keys(a.params).sort());
    expect(diff(a.params, b.params)).toBe(0);
    expect(diff(a.params, c.params)).toBeGreaterThan(0);
    [a, b, c].forEach((m) => disposeParams(m.params));
  });

  it('gives one finite loss per example', async () => {
    const w = base();
    await w.load();
    const { params } = w.initParams(3);
    const batch = w.getBatch(Int32Array.from([0, 5, 9, 12]));
    for (const mode of ['train', 'eval'] as const) {
      const losses = w.loss(params, batch, mode);
      expect(losses.shape).toEqual([4]);
      expect(Array.from(losses.dataSync()).every(Number.isFinite)).toBe(true);
      losses.dispose();
    }
    tf.dispose([batch.inputs, batch.targets]);
    disposeParams(params);
  });

  it('lowers the loss over a few gradient steps', async () => {
    const w = base();
    await w.load();
    let params = w.initParams(1).params;
    const batch = w.getBatch(Int32Array.from({ length: opts.batchSize }, (_, i) => i));
    const meanLoss = () => tf.tidy(() => tf.mean(w.loss(params, batch, 'train')).dataSync()[0]!);
    const first = meanLoss();
    for (let i = 0; i < opts.steps; i++) {
      const next = tf.tidy(() => {
        const { grads } = lossAndGrads(w, params, batch);
        return Object.fromEntries(Object.entries(params).map(([n, p]) => [n, tf.sub(p, tf.mul(grads[n]!, opts.lr))]));
      });
      disposeParams(params);
      params = next;
    }
    expect(meanLoss()).toBeLessThan(first * opts.ratio);
    tf.dispose([batch.inputs, batch.targets]);
    disposeParams(params);
  });

  it('leaks no tensor in a loss+grad step or an eval', async () => {
    const w = base();
    await w.load();
    const { params } = w.initParams(2);
    const batch = w.getBatch(Int32Array.from([1, 2, 3]));
    tf.tidy(() => lossAndGrads(w, params, batch).loss.dataSync());
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const { loss, grads } = lossAndGrads(w, params, batch);
      for (const name of Object.keys(params)) expect(grads[name]!.shape).toEqual(params[name]!.shape);
      loss.dataSync();
    });
    const metrics = w.evaluate(params, 'validation');
    expect(tf.memory().numTensors).toBe(before);
    expect(Number.isFinite(metrics[w.metric.name])).toBe(true);
    tf.dispose([batch.inputs, batch.targets]);
    disposeParams(params);
  });

  it('has variants whose models differ from the base', async () => {
    const w = base();
    await w.load();
    const params = w.initParams(5).params;
    const batch = w.getBatch(Int32Array.from([1, 2, 3, 4]));
    const baseLoss = Array.from(w.loss(params, batch, 'eval').dataSync());
    for (const v of def.variants.filter((x) => x.name !== 'base')) {
      const variant: Workload = def.create(v.name);
      const vParams = variant.initParams(5).params;
      const sameNames = Object.keys(vParams).sort().join() === Object.keys(params).sort().join();
      const differsInShape = !sameNames || Object.keys(params).some((n) => vParams[n]!.shape.join() !== params[n]!.shape.join());
      const differsAtSameParams =
        !differsInShape &&
        Array.from(tf.tidy(() => variant.loss(params, batch, 'eval')).dataSync()).some((x, i) => Math.abs(x - baseLoss[i]!) > 1e-6);
      expect(differsInShape || differsAtSameParams, v.name).toBe(true);
      disposeParams(vParams);
    }
    tf.dispose([batch.inputs, batch.targets]);
    disposeParams(params);
  });
}
