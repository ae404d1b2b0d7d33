/**
 * Schedule-Free AdamW's prepareForEval round trip: evals interleaved leave the z/x/v
 * trajectory bit-for-bit unchanged, and the step after an eval takes its gradient at
 * y, not at the x it was handed. (Its update rule against a float64 reference of the
 * official `AdamWScheduleFree` is in the conformance table, conformance.test.ts.)
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { LossAndGrads, OptState, ParamTypes, TensorMap } from '../../harness/spec.ts';
import { defineSubmission } from '../../submissions/kit/define.ts';
import { type ScheduleFreeState, scheduleFreeAdamw } from '../../submissions/kit/optimizers/schedule_free.ts';
import {
  disposeReplaced,
  initialValues,
  kitStep,
  type Shapes,
  stepGradients,
  toTensors,
  toyTrial,
  WorstError,
} from './_advanced_fixtures.ts';

const STEPS = 30;
const SHAPES: Shapes = { weight: [3, 4], bias: [4] };
const TYPES: ParamTypes = { weight: 'weight', bias: 'bias' };
const NAMES = Object.keys(SHAPES);

const valuesOf = (map: TensorMap): Record<string, number[]> =>
  Object.fromEntries(Object.entries(map).map(([n, t]) => [n, Array.from(t.dataSync())]));

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('scheduleFreeAdamw: the prepareForEval round trip', () => {
  const options = { lr: 0.02, warmupSteps: 5, weightDecay: 0.1 };
  const EVAL_AFTER = [0, 3, 4, 4, 10, 17, 29]; // step 4 twice: two evals in a row

  interface Snapshot {
    params: Record<string, number[]>;
    z: Record<string, number[]>;
    x: Record<string, number[]>;
    v: Record<string, number[]>;
  }
  const snapshot = (params: TensorMap, s: ScheduleFreeState): Snapshot => ({
    params: valuesOf(params),
    z: valuesOf(s.z),
    x: valuesOf(s.x),
    v: valuesOf(s.v),
  });

  function run(withEvals: boolean): { steps: Snapshot[]; queried: Record<string, number[]>[]; evaluated: Snapshot[] } {
    const opt = scheduleFreeAdamw(options);
    const before = tf.memory().numTensors;
    let params = toTensors(SHAPES, initialValues(SHAPES));
    let state = opt.init(params);
    const steps: Snapshot[] = [];
    const queried: Record<string, number[]>[] = [];
    const evaluated: Snapshot[] = [];
    let afterEval = false;
    for (let t = 0; t < STEPS; t++) {
      const true_ = stepGradients(SHAPES, t);
      // After an eval the gradient handed in was taken at x: make it useless, so the
      // test fails unless the optimizer takes its gradient at y through gradAt.
      const handed: TensorMap = afterEval
        ? Object.fromEntries(NAMES.map((n) => [n, tf.fill([...SHAPES[n]!], 1e3)]))
        : toTensors(SHAPES, true_);
      const gradAt = (at: TensorMap): TensorMap => {
        queried.push(valuesOf(at));
        return toTensors(SHAPES, true_);
      };
      ({ params, state } = kitStep(opt, params, state, handed, { types: TYPES, gradAt }));
      steps.push(snapshot(params, state));
      afterEval = false;
      for (const _ of EVAL_AFTER.filter((e) => withEvals && e === t)) {
        const prepared = tf.tidy(() => opt.prepareForEval!(params, state) as unknown as tf.TensorContainer) as unknown as {
          params: TensorMap;
          state: ScheduleFreeState;
        };
        disposeReplaced({ params, state } as unknown as tf.TensorContainer, prepared as unknown as tf.TensorContainer);
        ({ params, state } = prepared);
        evaluated.push(snapshot(params, state));
        afterEval = true;
      }
    }
    // Nothing but what the params and state hold (after an eval the params are x itself).
    const held = new Set(tf.tensor_util.getTensorsInContainer({ params, state } as unknown as tf.TensorContainer).map((t) => t.id));
    expect(tf.memory().numTensors - before).toBe(held.size);
    tf.dispose([params as tf.TensorContainer, state as unknown as tf.TensorContainer]);
    return { steps, queried, evaluated };
  }

  it('follows exactly the same z, x and v trajectory with evals interleaved', () => {
    const plain = run(false);
    const interleaved = run(true);
    expect(plain.queried).toEqual([]); // no eval, no extra gradient
    for (let t = 0; t < STEPS; t++) {
      const [a, b] = [plain.steps[t]!, interleaved.steps[t]!];
      expect(b.z, `z after step ${t}`).toEqual(a.z);
      expect(b.x, `x after step ${t}`).toEqual(a.x);
      expect(b.v, `v after step ${t}`).toEqual(a.v);
      // The params are y in both runs; after a resumed step they are x + (y − x)
      // instead of y_prev + (y − y_prev), which may differ in the last float32 bit.
      const worst = new WorstError();
      for (const n of NAMES) worst.compare(b.params[n]!, a.params[n]!, `step ${t} ${n}`);
      expect(worst.err, worst.where).toBeLessThanOrEqual(1e-6);
    }
  });

  it('evaluates x, and takes the next gradient at y = (1−b1)·z + b1·x', () => {
    const plain = run(false);
    const interleaved = run(true);
    const distinct = [...new Set(EVAL_AFTER)];
    expect(interleaved.evaluated).toHaveLength(EVAL_AFTER.length);
    let e = 0;
    for (const t of EVAL_AFTER) {
      const seen = interleaved.evaluated[e++]!;
      expect(seen.params, `params at the eval after step ${t}`).toEqual(plain.steps[t]!.x);
      expect(seen.x).toEqual(plain.steps[t]!.x);
    }
    // One gradAt per resumed step (the last eval has no step after it), at y.
    const resumed = distinct.filter((t) => t + 1 < STEPS);
    expect(interleaved.queried).toHaveLength(resumed.length);
    resumed.forEach((t, i) => {
      const worst = new WorstError();
      for (const n of NAMES) worst.compare(interleaved.queried[i]![n]!, plain.steps[t]!.params[n]!, `after step ${t} ${n}`);
      expect(worst.err, worst.where).toBeLessThanOrEqual(1e-6);
    });
  });

  it('refuses to step from x without gradAt', () => {
    const opt = scheduleFreeAdamw({ lr: 0.1 });
    const params = toTensors(SHAPES, initialValues(SHAPES));
    const prepared = opt.prepareForEval!(params, opt.init(params));
    const grads = toTensors(SHAPES, stepGradients(SHAPES, 0));
    expect(() => opt.update(grads, prepared.state, prepared.params, { types: TYPES })).toThrow(/gradAt is missing/);
  });

  it('through defineSubmission: the step after an eval asks for the gradient at y', () => {
    const { workload, hparams, rng, batch } = toyTrial();
    const sub = defineSubmission({ name: 'sf', batchSize: 2, optimizer: () => scheduleFreeAdamw({ lr: 0.1, b1: 0.5 }) });
    // L = ½‖w − (1, 1)‖²: the gradient is w − 1.
    const lossAndGrads = vi.fn((at?: TensorMap): LossAndGrads => ({ loss: tf.scalar(0), grads: { w: tf.sub(at!.w!, 1) } }));
    let params: TensorMap = { w: tf.tensor1d([3, -2]) };
    let state: OptState = sub.init({ params, workload, hparams, rng });
    const step = (s: number) => {
      const ctx = { params, state, batch, step: s, hparams, rng, workload, elapsedSec: 0, evals: [] };
      ({ params, state } = sub.update({ ...ctx, lossAndGrads: (at) => lossAndGrads(at ?? params) }));
    };
    step(0);
    step(1);
    const y = Array.from(params.w!.dataSync());
    ({ params, state } = sub.prepareForEval!({ params, state, step: 2, hparams, workload }));
    const sf = state as unknown as ScheduleFreeState;
    expect(Array.from(params.w!.dataSync())).toEqual(Array.from(sf.x.w!.dataSync()));
    expect(Array.from(params.w!.dataSync())).not.toEqual(y); // x ≠ y after two steps
    lossAndGrads.mockClear();
    step(2);
    expect(lossAndGrads).toHaveBeenCalledTimes(2); // defineSubmission's, at x; then gradAt's, at y
    const at = Array.from(lossAndGrads.mock.calls[1]![0]!.w!.dataSync());
    y.forEach((yi, k) => expect(at[k]).toBeCloseTo(yi, 6));
  });
});
