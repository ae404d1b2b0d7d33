/** defineSubmission: a kit optimizer, a batch size and a selector made into a Submission. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type {
  Batch,
  Hparams,
  InitContext,
  LossAndGrads,
  OptState,
  Rng,
  TensorMap,
  UpdateContext,
  WorkloadInfo,
} from '../../harness/spec.ts';
import { defineSubmission } from '../../submissions/kit/define.ts';
import { num } from '../../submissions/kit/hparams.ts';
import { adamw } from '../../submissions/kit/optimizers/adam.ts';
import { sgd } from '../../submissions/kit/optimizers/sgd.ts';

const WORKLOAD: WorkloadInfo = {
  name: 'toy',
  metric: { name: 'accuracy', direction: 'max' },
  lossType: 'softmax_cross_entropy',
  trainSize: 1000,
  budget: { maxRuntimeSec: 60, stepHint: 100 },
  paramTypes: { w: 'weight', b: 'bias' },
  paramShapes: { w: [2], b: [2] },
};

const RNG: Rng = { next: () => 0.5, int: () => 0, seed: () => 1 };

const params = (): TensorMap => ({ w: tf.tensor1d([1, -2]), b: tf.tensor1d([0.5, 4]) });
const grads = (): TensorMap => ({ w: tf.tensor1d([0.5, 1]), b: tf.tensor1d([-1, 2]) });

function batch(): Batch {
  return { inputs: tf.zeros([2, 2]), targets: tf.zeros([2]), size: 2, indices: Int32Array.from([0, 1]) };
}

function initContext(hparams: Hparams, p: TensorMap = params()): InitContext {
  return { params: p, workload: WORKLOAD, hparams, rng: RNG };
}

function updateContext(
  hparams: Hparams,
  state: OptState,
  p: TensorMap,
  lossAndGrads: (params?: TensorMap, batch?: Batch) => LossAndGrads,
): UpdateContext {
  return {
    params: p,
    state,
    batch: batch(),
    step: 0,
    hparams,
    rng: RNG,
    workload: WORKLOAD,
    elapsedSec: 0,
    evals: [],
    lossAndGrads,
  };
}

const values = (map: TensorMap): Record<string, number[]> =>
  Object.fromEntries(Object.entries(map).map(([n, t]) => [n, Array.from(t.dataSync())]));

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('defineSubmission', () => {
  const sgdSubmission = () =>
    defineSubmission({
      name: 'toy_sgd',
      batchSize: 64,
      // 'no_bias_norm', so that the bias's type decides whether it decays.
      optimizer: (h) => sgd({ lr: num(h, 'lr'), weightDecay: num(h, 'weight_decay', 0), decayMask: 'no_bias_norm' }),
    });

  it('update calls lossAndGrads once and returns the applied params and the new state', () => {
    const sub = sgdSubmission();
    expect(sub.name).toBe('toy_sgd');
    const hparams: Hparams = { lr: 0.5 };
    const p = params();
    const state = sub.init(initContext(hparams, p));
    const lossAndGrads = vi.fn((): LossAndGrads => ({ loss: tf.scalar(1.25), grads: grads() }));

    const result = sub.update(updateContext(hparams, state, p, lossAndGrads));

    expect(lossAndGrads).toHaveBeenCalledTimes(1);
    expect(lossAndGrads.mock.calls[0]).toEqual([]); // this step's batch at the current params
    // p − 0.5·g
    expect(values(result.params)).toEqual({ w: [0.75, -2.5], b: [1, 3] });
    // sgd without momentum: [decay state, lr count]; the count moved on.
    expect(result.state).toEqual([{}, { count: 1 }]);
    expect(state).toEqual([{}, { count: 0 }]);
  });

  it('hands the workload parameter types to the optimizer (no decay on the bias here)', () => {
    const sub = sgdSubmission();
    const hparams: Hparams = { lr: 1, weight_decay: 0.5 };
    const p = params();
    const state = sub.init(initContext(hparams, p));
    const zero = (): LossAndGrads => ({ loss: tf.scalar(0), grads: { w: tf.zeros([2]), b: tf.zeros([2]) } });
    const result = sub.update(updateContext(hparams, state, p, zero));
    expect(values(result.params)).toEqual({ w: [0.5, -1], b: [0.5, 4] });
  });

  it('carries the state from step to step (adamw over two steps)', () => {
    const sub = defineSubmission({ name: 'a', batchSize: 8, optimizer: (h) => adamw({ lr: num(h, 'lr') }) });
    const hparams: Hparams = { lr: 0.1 };
    let p = params();
    let state = sub.init(initContext(hparams, p));
    const lossAndGrads = (): LossAndGrads => ({ loss: tf.scalar(0), grads: grads() });
    for (let i = 0; i < 2; i++) ({ params: p, state } = sub.update(updateContext(hparams, state, p, lossAndGrads)));
    // Constant gradients: m̂ = g, v̂ = g², so each step moves by lr·sign(g) (eps aside).
    const got = values(p);
    [0.8, -2.2].forEach((x, k) => expect(got.w![k]).toBeCloseTo(x, 5));
    [0.7, 3.8].forEach((x, k) => expect(got.b![k]).toBeCloseTo(x, 5));
  });

  it('builds the optimizer once per trial (same hparams and workload objects)', () => {
    const factory = vi.fn((h: Hparams) => sgd({ lr: num(h, 'lr') }));
    const sub = defineSubmission({ name: 'x', batchSize: 1, optimizer: factory });
    const hparams: Hparams = { lr: 0.1 };
    let p = params();
    let state = sub.init(initContext(hparams, p));
    const lossAndGrads = (): LossAndGrads => ({ loss: tf.scalar(0), grads: grads() });
    for (let i = 0; i < 3; i++) ({ params: p, state } = sub.update(updateContext(hparams, state, p, lossAndGrads)));
    expect(factory).toHaveBeenCalledTimes(1);
    // A new trial (new hparams object) gets a fresh optimizer.
    sub.init(initContext({ lr: 0.2 }));
    expect(factory).toHaveBeenCalledTimes(2);
    expect(factory.mock.calls[1]![0]).toEqual({ lr: 0.2 });
  });

  it('gives the batch size as a number', () => {
    expect(sgdSubmission().getBatchSize(WORKLOAD, { lr: 0.1 })).toBe(64);
  });

  it('gives the batch size from a function of the workload and hparams', () => {
    const batchSize = vi.fn((w: WorkloadInfo, h: Hparams) => Math.min(w.trainSize, num(h, 'batch_size')));
    const sub = defineSubmission({ name: 'bs', batchSize, optimizer: (h) => sgd({ lr: num(h, 'lr') }) });
    const hparams: Hparams = { lr: 0.1, batch_size: 256 };
    expect(sub.getBatchSize(WORKLOAD, hparams)).toBe(256);
    expect(batchSize).toHaveBeenCalledWith(WORKLOAD, hparams);
    expect(sub.getBatchSize({ ...WORKLOAD, trainSize: 100 }, hparams)).toBe(100);
  });

  it('names a missing hyperparameter in the error', () => {
    const sub = sgdSubmission();
    expect(() => sub.init(initContext({}))).toThrow(/hyperparameter "lr"/);
    expect(() => sub.init(initContext({ lrate: 0.1 }))).toThrow(/"lr".*search space/);
  });

  it('rejects a hyperparameter of the wrong type or not finite, naming it', () => {
    expect(() => num({ lr: 'fast' }, 'lr')).toThrow(/hyperparameter "lr" must be a finite number \(got "fast"\)/);
    expect(() => num({ lr: Number.NaN }, 'lr')).toThrow(/"lr"/);
    expect(() => num({ lr: true }, 'lr')).toThrow(/"lr"/);
    expect(num({}, 'lr', 0.3)).toBe(0.3);
    expect(num({ lr: 0.1 }, 'lr', 0.3)).toBe(0.1);
  });

  it('passes selectData through only when given', () => {
    expect(sgdSubmission().selectData).toBeUndefined();
    const selectData = () => Int32Array.from([3, 1]);
    const sub = defineSubmission({ name: 's', batchSize: 2, optimizer: () => sgd({ lr: 1 }), selectData });
    expect(sub.selectData).toBe(selectData);
  });
});
