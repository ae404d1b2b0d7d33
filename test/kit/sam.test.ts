/**
 * SAM and ASAM around kit optimizers, against float64 references written here from
 * the published rules (Foret et al. 2021; Kwon et al. 2021, as davda54/sam computes
 * them). The loss is a known quadratic whose centre moves each step (a new "batch"),
 * L_t(w) = ½ Σ a ⊙ (w − c_t)², so that the test's `gradAt` and the reference compute
 * the same gradient at the perturbed point, each at its own parameters.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type {
  Batch,
  Hparams,
  LossAndGrads,
  OptState,
  ParamType,
  ParamTypes,
  TensorMap,
  WorkloadInfo,
} from '../../harness/spec.ts';
import { defineSubmission } from '../../submissions/kit/define.ts';
import { adamw } from '../../submissions/kit/optimizers/adam.ts';
import { sam } from '../../submissions/kit/optimizers/sam.ts';
import { scheduleFreeAdamw } from '../../submissions/kit/optimizers/schedule_free.ts';
import { sgd } from '../../submissions/kit/optimizers/sgd.ts';
import { type GradientTransformation, mapTensors } from '../../submissions/kit/transform.ts';
import {
  copyValues,
  initialValues,
  kitStep,
  largestMove,
  type Shapes,
  sizeOf,
  type Values,
  WorstError,
} from './_advanced_fixtures.ts';

const STEPS = 30;
const TOL = 1e-5;
const SHAPES: Shapes = { weight: [3, 4], bias: [4] };
const TYPES: ParamTypes = { weight: 'weight', bias: 'bias' };
const NAMES = Object.keys(SHAPES);

// ---------------------------------------------------------------------------
// The loss, in float64 for the reference and in tfjs for the kit
// ---------------------------------------------------------------------------

/** Curvature a (fixed) and centre c_t (moves with the step), float32-exact. */
function curvature(name: string): Float64Array {
  const ni = NAMES.indexOf(name);
  return Float64Array.from({ length: sizeOf(SHAPES[name]!) }, (_, k) => Math.fround(0.5 + 1.5 * Math.abs(Math.sin(0.7 * k + ni))));
}
function centre(name: string, t: number): Float64Array {
  const ni = NAMES.indexOf(name);
  return Float64Array.from({ length: sizeOf(SHAPES[name]!) }, (_, k) => Math.fround(0.5 * Math.cos(0.9 * k + 0.4 * t + ni)));
}
const refGrad = (name: string, w: ArrayLike<number>, t: number): Float64Array => {
  const a = curvature(name);
  const c = centre(name, t);
  return Float64Array.from(a, (ak, k) => ak * (w[k]! - c[k]!));
};
const kitGrad = (params: TensorMap, t: number): TensorMap =>
  mapTensors(params, (p, n) => {
    const a = tf.tensor(Float32Array.from(curvature(n)), p.shape);
    return tf.mul(a, tf.sub(p, tf.tensor(Float32Array.from(centre(n, t)), p.shape)));
  });

// ---------------------------------------------------------------------------
// The references
// ---------------------------------------------------------------------------

const decays = (type: ParamType): boolean => type !== 'bias' && type !== 'norm_scale' && type !== 'norm_bias';

/** A base optimizer step, in place, from the (SAM) gradient. */
type BaseStep = (name: string, p: Float64Array, g: Float64Array, t: number) => void;

/** torch.optim.SGD (dampening 0), decay added to the gradient, masked as the kit does. */
function sgdReference(lr: number, momentum: number, nesterov: boolean, wd: number): BaseStep {
  const buf: Values = {};
  return (name, p, g, _t) => {
    const b = (buf[name] ??= new Float64Array(p.length));
    const decay = decays(TYPES[name]!) ? wd : 0;
    for (let k = 0; k < p.length; k++) {
      let d = g[k]! + decay * p[k]!;
      b[k] = momentum * b[k]! + d;
      d = nesterov ? d + momentum * b[k]! : b[k]!;
      p[k] = p[k]! - lr * d;
    }
  };
}

/** AdamW (Loshchilov & Hutter 2019) with bias correction: p ← p − lr·(m̂/(√v̂+eps) + wd·p). */
function adamwReference(lr: (t: number) => number, wd: number): BaseStep {
  const m: Values = {};
  const v: Values = {};
  return (name, p, g, t) => {
    const mt = (m[name] ??= new Float64Array(p.length));
    const vt = (v[name] ??= new Float64Array(p.length));
    const decay = decays(TYPES[name]!) ? wd : 0;
    for (let k = 0; k < p.length; k++) {
      mt[k] = 0.9 * mt[k]! + 0.1 * g[k]!;
      vt[k] = 0.999 * vt[k]! + 0.001 * g[k]! * g[k]!;
      const mHat = mt[k]! / (1 - 0.9 ** (t + 1));
      const vHat = vt[k]! / (1 - 0.999 ** (t + 1));
      p[k] = p[k]! - lr(t) * (mHat / (Math.sqrt(vHat) + 1e-8) + decay * p[k]!);
    }
  };
}

/** SAM: ε = ρ·g/(‖g‖+1e-12); ASAM: ε = ρ·w²·g/(‖|w|·g‖+1e-12); then the base with ∇L(w+ε). */
function samReference(params: Values, t: number, rho: number, adaptive: boolean, base: BaseStep): void {
  const g = Object.fromEntries(NAMES.map((n) => [n, refGrad(n, params[n]!, t)]));
  let sq = 0;
  for (const n of NAMES) g[n]!.forEach((x, k) => (sq += (adaptive ? Math.abs(params[n]![k]!) * x : x) ** 2));
  const scale = rho / (Math.sqrt(sq) + 1e-12);
  for (const n of NAMES) {
    const w = params[n]!;
    const perturbed = Float64Array.from(w, (x, k) => x + scale * (adaptive ? x * x : 1) * g[n]![k]!);
    base(n, w, refGrad(n, perturbed, t), t);
  }
}

// ---------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------

const schedule = (t: number): number => (t < 5 ? (0.02 * (t + 1)) / 5 : 0.02 * 0.5 * (1 + Math.cos((Math.PI * (t - 5)) / 25)));

interface Case {
  readonly name: string;
  readonly make: () => GradientTransformation;
  readonly rho: number;
  readonly adaptive: boolean;
  readonly base: () => BaseStep;
}

const CASES: readonly Case[] = [
  {
    name: 'SAM around heavy-ball SGD',
    make: () => sam(sgd({ lr: 0.05, momentum: 0.9 }), { rho: 0.05 }),
    rho: 0.05,
    adaptive: false,
    base: () => sgdReference(0.05, 0.9, false, 0),
  },
  {
    name: 'SAM around AdamW with weight decay',
    make: () => sam(adamw({ lr: 1e-2, weightDecay: 0.1 }), { rho: 0.1 }),
    rho: 0.1,
    adaptive: false,
    base: () => adamwReference(() => 1e-2, 0.1),
  },
  {
    name: 'ASAM around Nesterov SGD with weight decay',
    make: () => sam(sgd({ lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 }), { rho: 0.2, adaptive: true }),
    rho: 0.2,
    adaptive: true,
    base: () => sgdReference(0.05, 0.9, true, 0.01),
  },
  {
    name: 'ASAM around AdamW with a schedule',
    make: () => sam(adamw({ lr: schedule }), { rho: 0.5, adaptive: true }),
    rho: 0.5,
    adaptive: true,
    base: () => adamwReference(schedule, 0),
  },
];

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('sam against float64 references', () => {
  it.each(CASES)('$name: 30 steps match', ({ make, rho, adaptive, base }) => {
    const opt = make();
    const refBase = base();
    const start = initialValues(SHAPES);
    const refParams = copyValues(start);
    let params: TensorMap = Object.fromEntries(NAMES.map((n) => [n, tf.tensor(Float32Array.from(start[n]!), [...SHAPES[n]!])]));
    let state: OptState = opt.init(params);
    const before = tf.memory().numTensors;
    const worst = new WorstError();

    for (let t = 0; t < STEPS; t++) {
      const grads = tf.tidy(() => kitGrad(params, t) as unknown as tf.TensorContainer) as unknown as TensorMap;
      const gradAt = vi.fn((at: TensorMap) => kitGrad(at, t));
      ({ params, state } = kitStep(opt, params, state, grads, { types: TYPES, gradAt }));
      expect(gradAt).toHaveBeenCalledTimes(1);
      samReference(refParams, t, rho, adaptive, refBase);
      for (const n of NAMES) worst.compare(params[n]!.dataSync(), refParams[n]!, `step ${t} ${n}`);
    }
    expect(worst.err, `worst relative error at ${worst.where}`).toBeLessThanOrEqual(TOL);
    expect(largestMove(refParams, start)).toBeGreaterThan(1e-2);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([params as tf.TensorContainer, state]);
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
    const workload: WorkloadInfo = {
      name: 'toy',
      metric: { name: 'loss', direction: 'min' },
      lossType: 'mean_squared_error',
      trainSize: 10,
      budget: { maxRuntimeSec: 1, stepHint: 10, evalPeriodSec: 1 },
      paramTypes: { w: 'weight' },
      paramShapes: { w: [2] },
    };
    const hparams: Hparams = {};
    const sub = defineSubmission({ name: 'sam_sgd', batchSize: 2, optimizer: () => sam(sgd({ lr: 0.1 }), { rho: 0.5 }) });
    const w = tf.tensor1d([3, 4]);
    const rng = { next: () => 0.5, int: () => 0, seed: () => 1 };
    const state = sub.init({ params: { w }, workload, hparams, rng });
    // L = ½‖w‖²: the gradient is w itself.
    const lossAndGrads = vi.fn(
      (at?: TensorMap, _batch?: Batch): LossAndGrads => ({ loss: tf.scalar(0), grads: { w: tf.clone((at ?? { w }).w!) } }),
    );
    const batch = { inputs: tf.zeros([2, 1]), targets: tf.zeros([2]), size: 2, indices: Int32Array.from([0, 1]) };
    const ctx = { params: { w }, state, batch, step: 0, hparams, rng, workload, elapsedSec: 0, evals: [] };
    const result = sub.update({ ...ctx, lossAndGrads });
    expect(lossAndGrads).toHaveBeenCalledTimes(2);
    expect(lossAndGrads.mock.calls[1]![1]).toBeUndefined(); // the same batch
    const perturbed = Array.from(lossAndGrads.mock.calls[1]![0]!.w!.dataSync());
    [3.3, 4.4].forEach((x, k) => expect(perturbed[k]).toBeCloseTo(x, 5)); // w + 0.5·w/‖w‖
    [3 - 0.33, 4 - 0.44].forEach((x, k) => expect(result.params.w!.dataSync()[k]).toBeCloseTo(x, 5));
  });
});
