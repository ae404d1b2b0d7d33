/**
 * Checks every workload's model passes, whatever its data: initialisation is a
 * function of the seed with a type for every parameter, and a loss+grad step and an
 * eval leave no tensor behind. `base` is called inside each test, after the file's
 * beforeAll has built and loaded the workload.
 */
import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { lossAndGrads } from '../../harness/runner/trial.ts';
import type { Batch, TensorMap, Workload } from '../../harness/spec.ts';

const disposeBatch = (batch: Batch) => tf.dispose(Object.values(batch) as tf.Tensor[]);

/** Rows spread over the training set, the same for every call. */
export const spreadBatch = (w: Workload, n: number, stride: number): Batch =>
  w.getBatch(Int32Array.from({ length: n }, (_, i) => (i * stride) % w.trainSize));

export function modelChecks(base: () => Workload, batchSize: number, stride: number): void {
  it('initialises deterministically in the seed, with a type for every parameter', () => {
    const w = base();
    const [a, b, c] = [w.initParams(11), w.initParams(11), w.initParams(12)];
    const diff = (x: TensorMap, y: TensorMap) =>
      Math.max(...Object.keys(x).map((n) => tf.tidy(() => tf.max(tf.abs(tf.sub(x[n]!, y[n]!))).dataSync()[0]!)));
    expect(Object.keys(a.types).sort()).toEqual(Object.keys(a.params).sort());
    expect(diff(a.params, b.params)).toBe(0);
    expect(diff(a.params, c.params)).toBeGreaterThan(0);
    [a, b, c].forEach((m) => tf.dispose(Object.values(m.params)));
  });

  it('leaves no tensors behind after a loss-and-gradient step or an eval', () => {
    const w = base();
    const { params } = w.initParams(6);
    const batch = spreadBatch(w, batchSize, stride);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const { loss, grads } = lossAndGrads(w, params, batch);
      expect(Object.keys(grads).sort()).toEqual(Object.keys(params).sort());
      for (const name of Object.keys(params)) expect(grads[name]!.shape).toEqual(params[name]!.shape);
      expect(Number.isFinite(loss.dataSync()[0]!)).toBe(true);
    });
    w.evaluate(params, 'test');
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(params));
    disposeBatch(batch);
  });
}
