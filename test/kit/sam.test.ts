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
      const gradAt = vi.fn((at: TensorMap) => mapTensors(at, (p) => tf.mul(p, 2)));
      const out = opt.update(grads, state, params, { types: TYPES, gradAt });
      expect(gradAt).toHaveBeenCalledTimes(1);
      const at = gradAt.mock.calls[0]![0];
      expect(Array.from(at.weight!.dataSync())).not.toEqual(Array.from(params.weight!.dataSync()));
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
    const lossAndGrads = vi.fn(
      (at?: TensorMap, _batch?: Batch): LossAndGrads => ({ loss: tf.scalar(0), grads: { w: tf.clone((at ?? { w }).w!) } }),
    );
    const ctx = { params: { w }, state, batch, step: 0, hparams, rng, workload, elapsedSec: 0, evals: [] };
    const result = sub.update({ ...ctx, lossAndGrads });
    expect(lossAndGrads).toHaveBeenCalledTimes(2);
    expect(lossAndGrads.mock.calls[1]![1]).toBeUndefined(); // the same batch
    const perturbed = Array.from(lossAndGrads.mock.calls[1]![0]!.w!.dataSync());
    [3.3, 4.4].forEach((x, k) => expect(perturbed[k]).toBeCloseTo(x, 5)); // w + 0.5·w/‖w‖
    [3 - 0.33, 4 - 0.44].forEach((x, k) => expect(result.params.w!.dataSync()[k]).toBeCloseTo(x, 5));
  });
});
