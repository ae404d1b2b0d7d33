/**
 * The workload conformance suite: every workload of the registry and every variant of
 * each go through the same checks, so a new workload or variant is covered by being
 * registered. What is particular to one workload (its data's facts, its metrics
 * computed another way) stays in that workload's own test file.
 *
 * Costs are kept low: small batches, a few optimizer steps, one eval per variant.
 * Timings are never asserted.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../harness/backends/select.ts';
import { AlgobenchError } from '../../harness/core/errors.ts';
import { lossAndGrads } from '../../harness/runner/trial.ts';
import type { Batch, ParamTypes, TensorMap, Workload } from '../../harness/spec.ts';
import type { TensorSpec, WorkloadDefinition } from '../../workloads/definition.ts';
import { getWorkload, WORKLOADS } from '../../workloads/registry.ts';
import { getTargets } from '../../workloads/targets.ts';

/** Examples spread over the whole training split, the last one included. */
const spreadIndices = (w: Workload, n: number) => {
  const indices = Int32Array.from({ length: n }, (_, i) => (i * 7919) % w.trainSize);
  indices[n - 1] = w.trainSize - 1;
  return indices;
};
const disposeBatch = (b: Batch) => tf.dispose([b.inputs, b.targets]);
const disposeParams = (params: TensorMap) => tf.dispose(Object.values(params));
const meanLoss = (w: Workload, params: TensorMap, batch: Batch) => tf.tidy(() => tf.mean(w.loss(params, batch, 'eval')).dataSync()[0]!);
const signature = (params: TensorMap) =>
  Object.keys(params)
    .sort()
    .map((n) => `${n}:${params[n]!.shape.join('x')}`)
    .join(' ');
const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
const sameValues = (a: Int32Array, b: Int32Array) => a.length === b.length && a.every((x, i) => x === b[i]);

function expectShape(actual: tf.Tensor, spec: TensorSpec, batchSize: number, what: string): void {
  expect(actual.dtype, `${what} dtype`).toBe(spec.dtype);
  expect(actual.rank, `${what} rank`).toBe(spec.shape.length);
  spec.shape.forEach((dim, axis) => {
    if (dim === null) return;
    expect(actual.shape[axis], `${what} axis ${axis}`).toBe(dim === 'batch' ? batchSize : dim);
  });
}

/**
 * Parameters that make the variants' differences show: at init the weights are
 * small, and activations (GELU vs ReLU) or attention temperatures barely differ
 * there. Norm parameters keep their values.
 */
function enlarged(params: TensorMap, types: ParamTypes): TensorMap {
  return tf.tidy(() =>
    Object.fromEntries(Object.entries(params).map(([n, p]) => [n, tf.keep(types[n]!.startsWith('norm_') ? p.clone() : tf.mul(p, 10))])),
  );
}

/** Mean loss of a fixed batch before and after `steps` Adam steps from seed-1 parameters. */
function adamRun(w: Workload, batch: Batch, steps: number, lr: number): { first: number; last: number } {
  const { params } = w.initParams(1);
  const vars = Object.fromEntries(Object.entries(params).map(([n, p]) => [n, tf.variable(p)]));
  disposeParams(params);
  const optimizer = tf.train.adam(lr);
  const first = meanLoss(w, vars, batch);
  for (let i = 0; i < steps; i++) optimizer.minimize(() => tf.mean(w.loss(vars, batch, 'train')) as tf.Scalar, false, Object.values(vars));
  const last = meanLoss(w, vars, batch);
  optimizer.dispose();
  disposeParams(vars);
  return { first, last };
}

const definitions: [string, WorkloadDefinition][] = Object.entries(WORKLOADS);

describe.each(definitions)('%s', (name, def) => {
  beforeAll(async () => {
    await selectBackend('wasm');
    // Data and eval sets are shared by the variants; load once for all.
    await def.create('base').load();
  });

  it('is registered under its name, lists base first and builds every variant, each with targets', () => {
    expect(def.name).toBe(name);
    expect(def.variants[0]?.name).toBe('base');
    expect(new Set(def.variants.map((v) => v.name)).size).toBe(def.variants.length);
    for (const v of def.variants) {
      const w = getWorkload(v.name === 'base' ? name : `${name}:${v.name}`);
      expect([w.name, w.variant]).toEqual([name, v.name]);
      expect(v.description.length, v.name).toBeGreaterThan(0);
      expect(getTargets(name, v.name).validation, v.name).toBeGreaterThan(0);
    }
  });

  it('refuses an unknown variant in one line naming it, the workload and the known variants, by the registry and by the definition alike', () => {
    const refusal = (build: () => unknown) => {
      try {
        build();
      } catch (e) {
        return e;
      }
      throw new Error('an unknown variant was accepted');
    };
    const known = def.variants.map((v) => v.name).join(', ');
    for (const e of [refusal(() => def.create('no_such_variant')), refusal(() => getWorkload(`${name}:no_such_variant`))]) {
      expect(e).toBeInstanceOf(AlgobenchError);
      expect((e as AlgobenchError).code).toBe('E_UNKNOWN_VARIANT');
      expect((e as Error).message).toBe(`workload "${name}" has no variant "no_such_variant"; its variants are: ${known}`);
    }
  });

  it('splits the same way every time, into disjoint, non-empty splits', () => {
    const a = def.data.splits();
    const b = def.data.splits();
    const splits = ['train', 'validation', 'test'] as const;
    for (const s of splits) {
      expect(a[s].length, s).toBeGreaterThan(0);
      expect(sameValues(a[s], b[s]), `${s} differs between two calls`).toBe(true);
    }
    for (const s of splits) expect(a[s].reduce((m, u) => Math.min(m, u), 0), `${s} holds a negative unit`).toBe(0);
    // owner[unit] = 1 + the index of the split that holds it (a typed array: a text's splits hold a million units).
    const owner = new Uint8Array(Math.max(...splits.map((s) => a[s].reduce((m, u) => Math.max(m, u), 0))) + 1);
    splits.forEach((s, k) => {
      for (const unit of a[s]) {
        if (owner[unit] !== 0) throw new Error(`unit ${unit} is in both ${splits[owner[unit]! - 1]} and ${s}`);
        owner[unit] = k + 1;
      }
    });
  });

  describe.each(def.variants.map((v) => v.name))('%s', (variant) => {
    const build = () => def.create(variant);

    it('builds batches of the declared shapes and dtypes, and one finite loss per example', () => {
      const w = build();
      const { params } = w.initParams(3);
      const indices = spreadIndices(w, 5);
      const batch = w.getBatch(indices);
      expect(batch.size).toBe(5);
      expect(batch.indices).toBe(indices);
      expectShape(batch.inputs, def.data.batch.inputs, 5, 'inputs');
      expectShape(batch.targets, def.data.batch.targets, 5, 'targets');
      for (const mode of ['train', 'eval'] as const) {
        const losses = tf.tidy(() => w.loss(params, batch, mode));
        expect(losses.shape, mode).toEqual([5]);
        expect(Array.from(losses.dataSync()).every(Number.isFinite), mode).toBe(true);
        losses.dispose();
      }
      disposeBatch(batch);
      disposeParams(params);
    });

    it('initialises as a function of the seed, with a type for every parameter', () => {
      const w = build();
      const [a, b, c] = [w.initParams(11), w.initParams(11), w.initParams(12)];
      expect(Object.keys(a.types).sort()).toEqual(Object.keys(a.params).sort());
      expect(signature(b.params)).toBe(signature(a.params));
      for (const n of Object.keys(a.params)) expect(maxAbsDiff(a.params[n]!, b.params[n]!), n).toBe(0);
      expect(Math.max(...Object.keys(a.params).map((n) => maxAbsDiff(a.params[n]!, c.params[n]!)))).toBeGreaterThan(0);
      [a, b, c].forEach((m) => disposeParams(m.params));
    });

    it('leaves no tensor behind in init, batching, a loss-and-gradient step or an eval', () => {
      const w = build();
      const start = tf.memory().numTensors;
      const { params } = w.initParams(6);
      expect(tf.memory().numTensors, 'initParams made more than its parameters').toBe(start + Object.keys(params).length);
      const batch = w.getBatch(spreadIndices(w, 4));
      expect(tf.memory().numTensors, 'getBatch made more than inputs and targets').toBe(start + Object.keys(params).length + 2);
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const { loss, grads } = lossAndGrads(w, params, batch);
        expect(Object.keys(grads).sort()).toEqual(Object.keys(params).sort());
        for (const n of Object.keys(params)) expect(grads[n]!.shape, n).toEqual(params[n]!.shape);
        expect(Number.isFinite(loss.dataSync()[0]!)).toBe(true);
      });
      expect(tf.memory().numTensors, 'a loss-and-gradient step').toBe(before);
      const metrics = w.evaluate(params, 'validation');
      expect(tf.memory().numTensors, 'an eval').toBe(before);
      expect(Number.isFinite(metrics[w.metric.name]), `metric ${w.metric.name}`).toBe(true);
      disposeBatch(batch);
      disposeParams(params);
      expect(tf.memory().numTensors).toBe(start);
    });

    it('lowers the loss of a batch over a few Adam steps', () => {
      const w = build();
      const batch = w.getBatch(spreadIndices(w, 8));
      const { first, last } = adamRun(w, batch, 4, 1e-2);
      disposeBatch(batch);
      expect(last).toBeLessThan(first * 0.9);
    });

    if (variant !== 'base') {
      it('differs from base in its parameters, its model or its data', () => {
        const base = def.create('base');
        const w = build();
        const a = base.initParams(5);
        const b = w.initParams(5);
        const baseBatch = base.getBatch(spreadIndices(base, 4));
        const batch = w.getBatch(spreadIndices(w, 4));
        const differsInParams =
          signature(a.params) !== signature(b.params) || Object.keys(a.params).some((n) => maxAbsDiff(a.params[n]!, b.params[n]!) > 0);
        const differsInData =
          signature({ i: baseBatch.inputs, t: baseBatch.targets }) !== signature({ i: batch.inputs, t: batch.targets }) ||
          maxAbsDiff(baseBatch.inputs, batch.inputs) > 0 ||
          maxAbsDiff(baseBatch.targets, batch.targets) > 0;
        let differsInModel = false;
        if (!differsInParams && !differsInData) {
          const big = enlarged(a.params, a.types);
          differsInModel = tf.tidy(() => maxAbsDiff(base.loss(big, batch, 'eval'), w.loss(big, batch, 'eval'))) > 1e-4;
          disposeParams(big);
        }
        expect(differsInParams || differsInData || differsInModel, `${variant} computes what base computes`).toBe(true);
        [baseBatch, batch].forEach(disposeBatch);
        [a, b].forEach((m) => disposeParams(m.params));
      });
    }
  });
});
