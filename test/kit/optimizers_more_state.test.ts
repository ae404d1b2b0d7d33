/**
 * Tensor hygiene of adagrad, rmsprop, lamb, lion and adafactor: inside `tf.tidy` an
 * update leaves behind only the tensors it returns, and it never changes or disposes
 * the state it was given (optax's explicit, immutable state). Also the edge cases of
 * the new transforms: zero norms in the trust ratio, which axes Adafactor factors.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OptState, ParamTypes, TensorMap } from '../../harness/spec.ts';
import { adafactor } from '../../submissions/kit/optimizers/adafactor.ts';
import { adagrad } from '../../submissions/kit/optimizers/adagrad.ts';
import { lamb } from '../../submissions/kit/optimizers/lamb.ts';
import { lion } from '../../submissions/kit/optimizers/lion.ts';
import { rmsprop } from '../../submissions/kit/optimizers/rmsprop.ts';
import type { GradientTransformation } from '../../submissions/kit/transform.ts';
import { scaleByRss } from '../../submissions/kit/transforms/adagrad.ts';
import { factoredDims, scaleByFactoredRms } from '../../submissions/kit/transforms/factored_rms.ts';
import { scaleByStddev } from '../../submissions/kit/transforms/rms.ts';
import { scaleByTrustRatio } from '../../submissions/kit/transforms/trust_ratio.ts';

const TYPES: ParamTypes = { weight: 'weight', bias: 'bias', wide: 'weight' };
const INFO = { types: TYPES };

const params = (): TensorMap => ({
  weight: tf.tensor2d([[0.5, -1, 2, 0.3], [1, 1, -0.2, 0.7], [-0.4, 0.1, 0.9, -1.5]]),
  bias: tf.tensor1d([0.1, -0.2, 0.3, 0]),
  wide: tf.tensor2d(Array.from({ length: 30 }, (_, k) => Math.sin(k + 1)), [5, 6]),
});
const grads = (step: number): TensorMap => ({
  weight: tf.tensor2d(Array.from({ length: 12 }, (_, k) => Math.cos(0.7 * k + step)), [3, 4]),
  bias: tf.tensor1d([0.3, -0.1, 0.2, 0.05].map((x) => x * (step + 1))),
  wide: tf.tensor2d(Array.from({ length: 30 }, (_, k) => Math.sin(1.3 * k - step)), [5, 6]),
});

/** Every option that adds state or work is on. */
const OPTIMIZERS: readonly { name: string; make: () => GradientTransformation }[] = [
  { name: 'adagrad', make: () => adagrad({ lr: 0.1 }) },
  { name: 'rmsprop, centred, momentum', make: () => rmsprop({ lr: 1e-2, centered: true, momentum: 0.9 }) },
  { name: 'lamb, weight decay', make: () => lamb({ lr: 1e-2, weightDecay: 0.1 }) },
  { name: 'lion, weight decay', make: () => lion({ lr: 1e-3, weightDecay: 0.1 }) },
  { name: 'adafactor, momentum, weight decay', make: () => adafactor({ lr: 1e-2, momentum: 0.9, weightDecay: 1e-3 }) },
];

/** The state with every tensor replaced by its shape and values. */
const snapshot = (state: OptState): unknown =>
  JSON.parse(
    JSON.stringify(state, (_key, v: unknown) =>
      v instanceof tf.Tensor ? { shape: v.shape, values: Array.from(v.dataSync()) } : v,
    ),
  );

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe.each(OPTIMIZERS)('$name', ({ make }) => {
  it('leaves behind, inside tf.tidy, only the updates and state it returns', () => {
    const opt = make();
    const p = params();
    // One step first, so that the state is not all zeros and counts are past 0.
    const state = opt.update(grads(0), opt.init(p), p, INFO).state;
    const g = grads(1);
    const held = new Set(tf.tensor_util.getTensorsInContainer([p, g, state] as tf.TensorContainer).map((t) => t.id));
    const before = tf.memory().numTensors;
    const out = tf.tidy(() => opt.update(g, state, p, INFO));
    const returned = tf.tensor_util.getTensorsInContainer([out.updates, out.state] as tf.TensorContainer);
    const fresh = new Set(returned.filter((t) => !held.has(t.id)).map((t) => t.id));
    expect(tf.memory().numTensors - before).toBe(fresh.size);
    expect(returned.every((t) => !t.isDisposed)).toBe(true);
    for (const [n, u] of Object.entries(out.updates)) expect(u.shape, n).toEqual(p[n]!.shape);
  });

  it('does not change or dispose the state, params or gradients it is given', () => {
    const opt = make();
    const p = params();
    const state = opt.update(grads(0), opt.init(p), p, INFO).state;
    const g = grads(1);
    const before = snapshot({ state, p, g } as tf.TensorContainer);
    const first = opt.update(g, state, p, INFO);
    expect(snapshot({ state, p, g } as tf.TensorContainer)).toEqual(before);
    // The same inputs give the same outputs: nothing hidden moved on.
    const second = opt.update(g, state, p, INFO);
    expect(snapshot(second as unknown as tf.TensorContainer)).toEqual(snapshot(first as unknown as tf.TensorContainer));
  });
});

describe('scaleByTrustRatio', () => {
  it('scales by ‖p‖/‖u‖, and by 1 where either norm is zero', () => {
    const t = scaleByTrustRatio();
    const p = { a: tf.tensor1d([0, 0]), b: tf.tensor1d([3, 4]), c: tf.tensor1d([3, 4]) };
    const u = { a: tf.tensor1d([1, -2]), b: tf.tensor1d([0, 0]), c: tf.tensor1d([0, 2]) };
    const { updates } = t.update(u, t.init(p), p, INFO);
    expect(Array.from(updates.a!.dataSync())).toEqual([1, -2]);
    expect(Array.from(updates.b!.dataSync())).toEqual([0, 0]);
    expect(Array.from(updates.c!.dataSync())).toEqual([0, 5]);
  });
});

describe('factoredDims', () => {
  it('picks the second-largest and the largest axis, earlier axis first on ties', () => {
    expect(factoredDims([3, 4], 1)).toEqual([0, 1]);
    expect(factoredDims([6, 5], 1)).toEqual([1, 0]);
    expect(factoredDims([4, 4], 1)).toEqual([0, 1]);
    expect(factoredDims([3, 3, 16, 32], 1)).toEqual([2, 3]);
    expect(factoredDims([8], 1)).toBeUndefined();
    expect(factoredDims([], 1)).toBeUndefined();
    expect(factoredDims([512, 100], 128)).toBeUndefined();
    expect(factoredDims([512, 128], 128)).toEqual([1, 0]);
  });
});

describe('scaleByFactoredRms', () => {
  it('keeps row and column statistics only, for matrices', () => {
    const t = scaleByFactoredRms();
    const s = t.init({ w: tf.zeros([3, 4]), t: tf.zeros([6, 5]), b: tf.zeros([4]), k: tf.zeros([2, 3, 4]) });
    const shapes = (m: TensorMap) => Object.fromEntries(Object.entries(m).map(([n, x]) => [n, x.shape]));
    expect(shapes(s.vRow)).toEqual({ w: [3], t: [5], k: [2, 3] });
    expect(shapes(s.vCol)).toEqual({ w: [4], t: [6], k: [2, 4] });
    expect(shapes(s.v)).toEqual({ b: [4] });
  });

  it('factors a higher-rank tensor as independent matrices over its two largest axes', () => {
    const t = scaleByFactoredRms();
    const values = Array.from({ length: 24 }, (_, k) => Math.sin(0.9 * k + 0.2));
    const whole = { k: tf.tensor3d(values, [2, 3, 4]) };
    const slices = { a: tf.tensor2d(values.slice(0, 12), [3, 4]), b: tf.tensor2d(values.slice(12), [3, 4]) };
    let sw = t.init(whole);
    let ss = t.init(slices);
    for (let step = 0; step < 3; step++) {
      const gw = { k: tf.mul(whole.k, step + 1) };
      const gs = { a: tf.mul(slices.a, step + 1), b: tf.mul(slices.b, step + 1) };
      const ow = t.update(gw, sw, whole, INFO);
      const os = t.update(gs, ss, slices, INFO);
      sw = ow.state;
      ss = os.state;
      const got = Array.from(ow.updates.k!.dataSync());
      const want = [...os.updates.a!.dataSync(), ...os.updates.b!.dataSync()];
      got.forEach((x, i) => expect(x).toBeCloseTo(want[i]!, 5));
    }
  });
});

describe('numerical edge cases', () => {
  it('adagrad with eps 0 and a zero accumulator gives a zero update, not NaN', () => {
    const t = scaleByRss({ initialAccumulator: 0, eps: 0 });
    const p = { w: tf.tensor1d([1, 2]) };
    const { updates } = t.update({ w: tf.tensor1d([0, 3]) }, t.init(p), p, INFO);
    expect(Array.from(updates.w!.dataSync())).toEqual([0, 1]);
  });

  it('centred rmsprop stays finite under a constant gradient (ν − μ² rounds below 0)', () => {
    const t = scaleByStddev({ decay: 0.9, eps: 1e-8 });
    const p = { w: tf.tensor1d([1, 1, 1, 1]) };
    // Values for which float32 rounding makes ν − μ² negative on the cpu backend.
    const g = { w: tf.tensor1d([3, 12, 29, 33].map((i) => 0.1 + 0.173 * i)) };
    let state = t.init(p);
    let last: TensorMap = {};
    for (let step = 0; step < 400; step++) {
      const out = tf.tidy(() => t.update(g, state, p, INFO));
      tf.dispose([state as unknown as tf.TensorContainer, last as tf.TensorContainer]);
      state = out.state;
      last = out.updates;
    }
    expect(Array.from(last.w!.dataSync()).every(Number.isFinite)).toBe(true);
  });
});
