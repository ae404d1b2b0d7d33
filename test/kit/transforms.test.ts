/** The kit's transformations: clipping, scaling, chaining, explicit state, no leaks. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OptState, ParamTypes, TensorMap } from '../../harness/spec.ts';
import { adamw, nadamw } from '../../submissions/kit/optimizers/adam.ts';
import { sgd } from '../../submissions/kit/optimizers/sgd.ts';
import { applyUpdates, chain, type GradientTransformation } from '../../submissions/kit/transform.ts';
import { scaleByAdam } from '../../submissions/kit/transforms/adam.ts';
import { clipByGlobalNorm, scale, scaleByLearningRate } from '../../submissions/kit/transforms/basic.ts';
import { trace } from '../../submissions/kit/transforms/momentum.ts';

const TYPES: ParamTypes = { a: 'weight', b: 'bias' };
const INFO = { types: TYPES };

/** Updates with global norm 5: a = [3, 0], b = [[0], [4]]. */
const norm5 = (): TensorMap => ({ a: tf.tensor1d([3, 0]), b: tf.tensor2d([[0], [4]]) });
const params = (): TensorMap => ({ a: tf.tensor1d([1, 2]), b: tf.tensor2d([[-1], [0.5]]) });

const values = (map: TensorMap): Record<string, number[]> =>
  Object.fromEntries(Object.entries(map).map(([n, t]) => [n, Array.from(t.dataSync())]));

function expectClose(map: TensorMap, want: Record<string, number[]>): void {
  const got = values(map);
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const [n, w] of Object.entries(want)) {
    expect(got[n]!.length).toBe(w.length);
    w.forEach((x, k) => expect(got[n]![k]).toBeCloseTo(x, 6));
  }
}

const globalNorm = (map: TensorMap): number =>
  Math.sqrt(Object.values(map).reduce((s, t) => s + Array.from(t.dataSync()).reduce((a, x) => a + x * x, 0), 0));

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('clipByGlobalNorm', () => {
  it('rescales all updates together when the norm is above the threshold', () => {
    const clip = clipByGlobalNorm(1);
    const { updates } = clip.update(norm5(), clip.init(params()), params(), INFO);
    expectClose(updates, { a: [0.6, 0], b: [0, 0.8] });
    expect(updates.b!.shape).toEqual([2, 1]);
    expect(globalNorm(updates)).toBeCloseTo(1, 6);
  });

  it('leaves updates unchanged at or below the threshold', () => {
    for (const maxNorm of [5, 10]) {
      const clip = clipByGlobalNorm(maxNorm);
      const { updates } = clip.update(norm5(), clip.init(params()), params(), INFO);
      expectClose(updates, { a: [3, 0], b: [0, 4] });
    }
  });
});

describe('scale', () => {
  it('multiplies every update by the factor', () => {
    const s = scale(-2.5);
    const { updates } = s.update(norm5(), s.init(params()), params(), INFO);
    expectClose(updates, { a: [-7.5, -0], b: [-0, -10] });
  });
});

describe('scaleByLearningRate', () => {
  it('multiplies by −lr and reads a schedule at its own count, from 0', () => {
    const seen: number[] = [];
    const t = scaleByLearningRate((step) => {
      seen.push(step);
      return 0.1 * (step + 1);
    });
    let state = t.init(params());
    const out: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = t.update({ a: tf.tensor1d([1]) }, state, params(), INFO);
      out.push(r.updates.a!.dataSync()[0]!);
      state = r.state;
    }
    expect(seen).toEqual([0, 1, 2]);
    out.forEach((x, i) => expect(x).toBeCloseTo(-0.1 * (i + 1), 6));
  });
});

describe('chain', () => {
  it('applies transformations in order, each on the previous output', () => {
    // scale then clip: 5·2 = 10 → clipped to norm 1. clip then scale: 1 → 2.
    const scaleThenClip = chain(scale(2), clipByGlobalNorm(1));
    const clipThenScale = chain(clipByGlobalNorm(1), scale(2));
    const p = params();
    const first = scaleThenClip.update(norm5(), scaleThenClip.init(p), p, INFO).updates;
    const second = clipThenScale.update(norm5(), clipThenScale.init(p), p, INFO).updates;
    expectClose(first, { a: [0.6, 0], b: [0, 0.8] });
    expectClose(second, { a: [1.2, 0], b: [0, 1.6] });
  });

  it('hands each transformation its own state and the previous updates', () => {
    const calls: string[] = [];
    const recorder = (tag: string, factor: number): GradientTransformation<{ tag: string; n: number }> => ({
      init: () => ({ tag, n: 0 }),
      update: (updates, state) => {
        calls.push(`${tag}:${state.tag}:${state.n}:${updates.a!.dataSync()[0]}`);
        return { updates: { a: tf.mul(updates.a!, factor) }, state: { tag, n: state.n + 1 } };
      },
    });
    const c = chain(recorder('x', 2), recorder('y', 3), recorder('z', 5));
    const p = params();
    let state = c.init(p);
    expect(state).toEqual([{ tag: 'x', n: 0 }, { tag: 'y', n: 0 }, { tag: 'z', n: 0 }]);
    const r = c.update({ a: tf.tensor1d([1]) }, state, p, INFO);
    expect(calls).toEqual(['x:x:0:1', 'y:y:0:2', 'z:z:0:6']);
    expect(r.updates.a!.dataSync()[0]).toBe(30);
    state = r.state;
    expect(state).toEqual([{ tag: 'x', n: 1 }, { tag: 'y', n: 1 }, { tag: 'z', n: 1 }]);
  });
});

describe('explicit state', () => {
  it('leaves the old state unchanged and returns a new one (adam, trace, lr count, chain)', () => {
    const p = params();
    const g: TensorMap = { a: tf.tensor1d([0.5, -1]), b: tf.tensor2d([[2], [0.25]]) };

    const adam = scaleByAdam();
    const a0 = adam.init(p);
    const a1 = adam.update(g, a0, p, INFO).state;
    expect(a1).not.toBe(a0);
    expect(a0.count).toBe(0);
    expect(a1.count).toBe(1);
    expect(values(a0.mu)).toEqual({ a: [0, 0], b: [0, 0] });
    expect(values(a0.nu)).toEqual({ a: [0, 0], b: [0, 0] });
    expectClose(a1.mu, { a: [0.05, -0.1], b: [0.2, 0.025] });
    expect(a1.mu.a).not.toBe(a0.mu.a);
    expect(a0.mu.a!.isDisposed).toBe(false);

    const tr = trace({ decay: 0.9 });
    const t0 = tr.init(p);
    const t1 = tr.update(g, t0, p, INFO).state;
    const t2 = tr.update(g, t1, p, INFO).state;
    expect(values(t0.trace)).toEqual({ a: [0, 0], b: [0, 0] });
    expectClose(t1.trace, { a: [0.5, -1], b: [2, 0.25] });
    expectClose(t2.trace, { a: [0.95, -1.9], b: [3.8, 0.475] });

    const lr = scaleByLearningRate(0.1);
    const l0 = lr.init(p);
    const l1 = lr.update(g, l0, p, INFO).state;
    expect(l0).toEqual({ count: 0 });
    expect(l1).toEqual({ count: 1 });

    const opt = adamw({ lr: 0.1, weightDecay: 0.1 });
    const s0 = opt.init(p);
    const snapshot = JSON.stringify(tf.tensor_util.getTensorsInContainer(s0).map((t) => Array.from(t.dataSync())));
    const s1 = opt.update(g, s0, p, INFO).state;
    expect(s1).not.toBe(s0);
    expect(JSON.stringify(tf.tensor_util.getTensorsInContainer(s0).map((t) => Array.from(t.dataSync())))).toBe(snapshot);
    // The same update from the same old state gives the same result: nothing hidden moved.
    const u1 = opt.update(g, s0, p, INFO).updates;
    const u2 = opt.update(g, s0, p, INFO).updates;
    expect(values(u1)).toEqual(values(u2));
    // Params and grads are left alone.
    expect(values(p)).toEqual({ a: [1, 2], b: [-1, 0.5] });
    expect(values(g)).toEqual({ a: [0.5, -1], b: [2, 0.25] });
  });
});

describe('tensor hygiene', () => {
  const OPTIMIZERS: readonly (readonly [string, () => GradientTransformation])[] = [
    ['adamw with decay', () => adamw({ lr: 0.01, weightDecay: 0.1 })],
    ['nadamw with decay and a schedule', () => nadamw({ lr: (s) => 0.01 / (1 + s), weightDecay: 0.1 })],
    ['sgd Nesterov with decay', () => sgd({ lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-3 })],
    ['clip + adam chain', () => chain(clipByGlobalNorm(1), scaleByAdam(), scaleByLearningRate(0.01))],
  ];

  it.each(OPTIMIZERS)('%s leaks nothing inside tf.tidy beyond what it returns', (_name, make) => {
    const opt = make();
    let p = params();
    let state: OptState = opt.init(p);
    for (let step = 0; step < 3; step++) {
      const g = norm5();
      const known = new Set(tf.tensor_util.getTensorsInContainer([p as tf.TensorContainer, g as tf.TensorContainer, state]).map((t) => t.id));
      const before = tf.memory().numTensors;
      const next = tf.tidy(() => {
        const out = opt.update(g, state, p, INFO);
        return { params: applyUpdates(p, out.updates), state: out.state };
      });
      const fresh = new Set(
        tf.tensor_util.getTensorsInContainer(next).filter((t) => !known.has(t.id)).map((t) => t.id),
      );
      expect(tf.memory().numTensors).toBe(before + fresh.size);
      // Release what the new step no longer holds; the count returns to a steady size.
      const kept = new Set(tf.tensor_util.getTensorsInContainer(next).map((t) => t.id));
      for (const t of tf.tensor_util.getTensorsInContainer([p as tf.TensorContainer, g as tf.TensorContainer, state])) {
        if (!kept.has(t.id) && !t.isDisposed) t.dispose();
      }
      p = next.params;
      state = next.state;
    }
    tf.dispose([p as tf.TensorContainer, state]);
  });
});
