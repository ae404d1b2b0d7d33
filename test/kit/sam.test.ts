/**
 * SAM's plumbing: one extra gradient per step through `info.gradAt`, the neighbourhood
 * radius, the error without gradAt, prepareForEval passed through, and defineSubmission
 * handing it the same batch. (SAM and ASAM around SGD and AdamW against float64
 * references of davda54/sam are in the conformance table, conformance.test.ts.)
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Batch, LossAndGrads, OptState, ParamTypes, TensorMap } from '../../harness/spec.ts';
import { defineSubmission } from '../../submissions/kit/define.ts';
import { sam } from '../../submissions/kit/optimizers/sam.ts';
import { scheduleFreeAdamw } from '../../submissions/kit/optimizers/schedule_free.ts';
import { sgd } from '../../submissions/kit/optimizers/sgd.ts';
import { mapTensors } from '../../submissions/kit/transform.ts';
import { toyTrial } from './_advanced_fixtures.ts';
import { samStepKeepingPoint } from './_sam_point.ts';

const TYPES: ParamTypes = { weight: 'weight', bias: 'bias' };

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('sam', () => {
  it('asks for exactly one extra gradient per step, at the perturbed params', () => {
    const opt = sam(sgd({ lr: 0.1, momentum: 0.9 }), { rho: 0.5 });
    let params: TensorMap = { weight: tf.tensor2d([[1, -2]]), bias: tf.tensor1d([0.5]) };
    let state: OptState = opt.init(params);
    for (let t = 0; t < 3; t++) {
      const grads = mapTensors(params, (p) => tf.mul(p, 2));
      // The point is read inside the call: the step frees it once the gradient is taken.
      let atWeight: number[] = [];
      const gradAt = vi.fn((at: TensorMap) => {
        atWeight = Array.from(at.weight!.dataSync());
        return mapTensors(at, (p) => tf.mul(p, 2));
      });
      const out = opt.update(grads, state, params, { types: TYPES, gradAt });
      expect(gradAt).toHaveBeenCalledTimes(1);
      expect(atWeight).not.toEqual(Array.from(params.weight!.dataSync()));
      params = mapTensors(params, (p, n) => tf.add(p, out.updates[n]!));
      state = out.state;
    }
  });

  it('perturbs away from the base optimizer: rho matters', () => {
    // Same inputs, rho 0 vs 0.5: a quadratic's gradient moves with w, so the steps differ.
    const run = (rho: number) => {
      const opt = sam(sgd({ lr: 0.1 }), { rho });
      const params: TensorMap = { weight: tf.tensor2d([[1, -2]]), bias: tf.tensor1d([0.5]) };
      const grads = { weight: tf.tensor2d([[3, 4]]), bias: tf.tensor1d([0]) };
      const gradAt = (at: TensorMap) => mapTensors(at, (p) => tf.mul(p, 2));
      const { updates } = opt.update(grads, opt.init(params), params, { types: TYPES, gradAt });
      return Array.from(updates.weight!.dataSync());
    };
    // ε = rho·g/‖g‖ = rho·(0.6, 0.8); g' = 2(w + ε); update = −0.1·g'.
    expect(run(0)).toEqual([-0.2, 0.4].map((x) => Math.fround(x)));
    const got = run(0.5);
    [-0.1 * 2 * (1 + 0.3), -0.1 * 2 * (-2 + 0.4)].forEach((x, k) => expect(got[k]).toBeCloseTo(x, 6));
  });

  it('frees the perturbed point once its gradient is taken, but not a tensor the gradients hold nor an unperturbed parameter', () => {
    const { params, point, pointValues, next } = samStepKeepingPoint();
    // ‖g‖ = 5, ε = 0.5·g/5 = (0.3, 0, 0, 0.4): the point is w + ε.
    expect(pointValues.weight!).toEqual([3.3, 0].map(Math.fround));
    expect(pointValues.bias!).toEqual([0, 4.4].map(Math.fround));
    expect(point.bias!.isDisposed).toBe(true);
    expect(point.weight!.isDisposed).toBe(false);
    expect(point.frozen).toBe(params.frozen);
    expect(params.frozen!.isDisposed).toBe(false);
    expect(Object.values(params).every((t) => !t.isDisposed)).toBe(true);
    // SGD from w with g' = the point's weight, 2 × the point's bias.
    expect(Array.from(next.weight!.dataSync())).toEqual([3 - 0.1 * 3.3, 0].map(Math.fround));
    expect(Array.from(next.bias!.dataSync())[1]).toBeCloseTo(4 - 0.1 * 8.8, 6);
    expect(Array.from(next.frozen!.dataSync())).toEqual([7]);
  });

  it('throws a clear error when info.gradAt is missing', () => {
    const opt = sam(sgd({ lr: 0.1 }));
    const params: TensorMap = { weight: tf.ones([2]) };
    const update = () => opt.update({ weight: tf.ones([2]) }, opt.init(params), params, { types: TYPES });
    expect(update).toThrow(/sam: info\.gradAt is missing/);
  });

  it('keeps the base optimizer’s prepareForEval, and adds none of its own', () => {
    expect(sam(sgd({ lr: 0.1 })).prepareForEval).toBeUndefined();
    const base = scheduleFreeAdamw({ lr: 0.1 });
    const wrapped = sam(base);
    const params: TensorMap = { weight: tf.tensor1d([1, 2]) };
    const state = wrapped.init(params);
    const out = wrapped.prepareForEval!(params, state);
    expect(Array.from(out.params.weight!.dataSync())).toEqual([1, 2]);
    expect(out.state.paramsAreX).toBe(true);
  });

  it('through defineSubmission: a second gradient, at the perturbed params, on the same batch', () => {
    const { workload, hparams, rng, batch } = toyTrial();
    const sub = defineSubmission({ name: 'sam_sgd', batchSize: 2, optimizer: () => sam(sgd({ lr: 0.1 }), { rho: 0.5 }) });
    const w = tf.tensor1d([3, 4]);
    const state = sub.init({ params: { w }, workload, hparams, rng });
    // L = ½‖w‖²: the gradient is w itself.
    const points: number[][] = [];
    const lossAndGrads = vi.fn((at?: TensorMap, _batch?: Batch): LossAndGrads => {
      points.push(Array.from((at ?? { w }).w!.dataSync()));
      return { loss: tf.scalar(0), grads: { w: tf.clone((at ?? { w }).w!) } };
    });
    const ctx = { params: { w }, state, batch, step: 0, hparams, rng, workload, elapsedSec: 0, evals: [] };
    const result = sub.update({ ...ctx, lossAndGrads });
    expect(lossAndGrads).toHaveBeenCalledTimes(2);
    expect(lossAndGrads.mock.calls[1]![1]).toBeUndefined(); // the same batch
    const perturbed = points[1]!;
    [3.3, 4.4].forEach((x, k) => expect(perturbed[k]).toBeCloseTo(x, 5)); // w + 0.5·w/‖w‖
    [3 - 0.33, 4 - 0.44].forEach((x, k) => expect(result.params.w!.dataSync()[k]).toBeCloseTo(x, 5));
  });
});
