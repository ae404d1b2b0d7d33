/**
 * The kit's optimizers against references written here from the published update
 * rules, in plain float64 JavaScript. Nothing in the references calls the kit: the
 * only things shared are the inputs (initial parameters, gradients, the learning-rate
 * schedule as a plain function). Every step's parameters are compared.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OptState, ParamType, ParamTypes, TensorMap } from '../../harness/spec.ts';
import { adamw, nadamw } from '../../submissions/kit/optimizers/adam.ts';
import { sgd } from '../../submissions/kit/optimizers/sgd.ts';
import { applyUpdates, type GradientTransformation } from '../../submissions/kit/transform.ts';

const STEPS = 30;
const TOL = 1e-5;

const SHAPES: Readonly<Record<string, readonly number[]>> = { weight: [3, 4], bias: [4], scale: [4] };
const TYPES: ParamTypes = { weight: 'weight', bias: 'bias', scale: 'norm_scale' };
const NAMES = Object.keys(SHAPES);

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

// Inputs are rounded to float32 so that the kit and the reference start from the same
// numbers and differ only by the arithmetic.
function initialValues(name: string): Float64Array {
  const ni = NAMES.indexOf(name);
  const out = new Float64Array(sizeOf(SHAPES[name]!));
  for (let k = 0; k < out.length; k++) out[k] = Math.fround(0.8 * Math.sin(1.7 * (k + 1) + 0.9 * ni));
  return out;
}

/** A different, deterministic gradient every step (no dependence on the parameters). */
function gradientValues(name: string, step: number): Float64Array {
  const ni = NAMES.indexOf(name);
  const out = new Float64Array(sizeOf(SHAPES[name]!));
  for (let k = 0; k < out.length; k++) {
    out[k] = Math.fround(Math.sin(0.37 * (k + 1) * (ni + 1) + 1.3 * step) + 0.3 * Math.cos(2.1 * step + k));
  }
  return out;
}

const toTensors = (values: (name: string) => Float64Array): TensorMap =>
  Object.fromEntries(NAMES.map((n) => [n, tf.tensor(Float32Array.from(values(n)), [...SHAPES[n]!])]));

// ---------------------------------------------------------------------------
// References (float64, from the papers / PyTorch / optax formulas)
// ---------------------------------------------------------------------------

/** Decay only matrices and embeddings by default: not biases or norm parameters. */
const decays = (type: ParamType): boolean => type !== 'bias' && type !== 'norm_scale' && type !== 'norm_bias';

interface Reference {
  /** In place: p ← next p, for step t (0-based). */
  step(name: string, p: Float64Array, g: Float64Array, t: number): void;
}

/**
 * Adam (Kingma & Ba 2015) with bias correction and AdamW's decoupled decay
 * (Loshchilov & Hutter 2019): p ← p − lr_t·(m̂/(√v̂+eps) + wd·p).
 * With `nesterov`, m̂ is optax's nadam form: b1·m_t/(1−b1^{t+1}) + (1−b1)·g_t/(1−b1^t).
 */
function adamReference(o: {
  lr: (step: number) => number;
  b1: number;
  b2: number;
  eps: number;
  wd: number;
  nesterov: boolean;
}): Reference {
  const m = new Map<string, Float64Array>();
  const v = new Map<string, Float64Array>();
  return {
    step(name, p, g, t) {
      if (!m.has(name)) {
        m.set(name, new Float64Array(p.length));
        v.set(name, new Float64Array(p.length));
      }
      const mt = m.get(name)!;
      const vt = v.get(name)!;
      const n = t + 1; // Adam's 1-based step
      const lr = o.lr(t);
      const wd = decays(TYPES[name]!) ? o.wd : 0;
      for (let k = 0; k < p.length; k++) {
        const gk = g[k]!;
        mt[k] = o.b1 * mt[k]! + (1 - o.b1) * gk;
        vt[k] = o.b2 * vt[k]! + (1 - o.b2) * gk * gk;
        const mHat = o.nesterov
          ? (o.b1 * mt[k]!) / (1 - o.b1 ** (n + 1)) + ((1 - o.b1) * gk) / (1 - o.b1 ** n)
          : mt[k]! / (1 - o.b1 ** n);
        const vHat = vt[k]! / (1 - o.b2 ** n);
        p[k] = p[k]! - lr * (mHat / (Math.sqrt(vHat) + o.eps) + wd * p[k]!);
      }
    },
  };
}

/**
 * SGD as PyTorch's torch.optim.SGD (dampening 0): d ← g + wd·p; with momentum μ,
 * buf ← μ·buf + d and d ← buf (heavy ball) or d ← d + μ·buf (Nesterov); p ← p − lr·d.
 * The weight decay follows the kit's documented default mask (weights only); see the
 * report: PyTorch itself decays every parameter of the group.
 */
function sgdReference(o: { lr: (step: number) => number; momentum: number; nesterov: boolean; wd: number }): Reference {
  const buf = new Map<string, Float64Array>();
  return {
    step(name, p, g, t) {
      if (!buf.has(name)) buf.set(name, new Float64Array(p.length));
      const b = buf.get(name)!;
      const lr = o.lr(t);
      const wd = decays(TYPES[name]!) ? o.wd : 0;
      for (let k = 0; k < p.length; k++) {
        let d = g[k]! + wd * p[k]!;
        if (o.momentum > 0) {
          b[k] = o.momentum * b[k]! + d;
          d = o.nesterov ? d + o.momentum * b[k]! : b[k]!;
        }
        p[k] = p[k]! - lr * d;
      }
    },
  };
}

// ---------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------

const constantLr = (lr: number) => () => lr;
/** A schedule written here as a plain function: warmup over 5 steps, then cosine to 0 at step 30. */
const testSchedule = (step: number): number =>
  step < 5 ? (0.03 * (step + 1)) / 5 : 0.03 * 0.5 * (1 + Math.cos((Math.PI * Math.min(step - 5, 25)) / 25));

interface Case {
  readonly name: string;
  readonly make: () => GradientTransformation;
  readonly reference: () => Reference;
}

const CASES: readonly Case[] = [
  {
    name: 'adamw, no weight decay',
    make: () => adamw({ lr: 1e-2 }),
    reference: () => adamReference({ lr: constantLr(1e-2), b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0, nesterov: false }),
  },
  {
    name: 'adamw, weight decay 0.1',
    make: () => adamw({ lr: 3e-2, weightDecay: 0.1 }),
    reference: () => adamReference({ lr: constantLr(3e-2), b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.1, nesterov: false }),
  },
  {
    name: 'adamw, schedule, custom betas, weight decay',
    make: () => adamw({ lr: testSchedule, b1: 0.8, b2: 0.99, eps: 1e-6, weightDecay: 0.05 }),
    reference: () => adamReference({ lr: testSchedule, b1: 0.8, b2: 0.99, eps: 1e-6, wd: 0.05, nesterov: false }),
  },
  {
    name: 'nadamw, no weight decay',
    make: () => nadamw({ lr: 1e-2 }),
    reference: () => adamReference({ lr: constantLr(1e-2), b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0, nesterov: true }),
  },
  {
    name: 'nadamw, schedule, weight decay',
    make: () => nadamw({ lr: testSchedule, b1: 0.95, b2: 0.98, weightDecay: 0.1 }),
    reference: () => adamReference({ lr: testSchedule, b1: 0.95, b2: 0.98, eps: 1e-8, wd: 0.1, nesterov: true }),
  },
  {
    name: 'sgd, plain',
    make: () => sgd({ lr: 0.1 }),
    reference: () => sgdReference({ lr: constantLr(0.1), momentum: 0, nesterov: false, wd: 0 }),
  },
  {
    name: 'sgd, heavy-ball momentum',
    make: () => sgd({ lr: 0.05, momentum: 0.9 }),
    reference: () => sgdReference({ lr: constantLr(0.05), momentum: 0.9, nesterov: false, wd: 0 }),
  },
  {
    name: 'sgd, Nesterov momentum',
    make: () => sgd({ lr: 0.05, momentum: 0.9, nesterov: true }),
    reference: () => sgdReference({ lr: constantLr(0.05), momentum: 0.9, nesterov: true, wd: 0 }),
  },
  {
    name: 'sgd, plain with weight decay',
    make: () => sgd({ lr: 0.1, weightDecay: 0.05 }),
    reference: () => sgdReference({ lr: constantLr(0.1), momentum: 0, nesterov: false, wd: 0.05 }),
  },
  {
    name: 'sgd, Nesterov with weight decay and a schedule',
    make: () => sgd({ lr: testSchedule, momentum: 0.8, nesterov: true, weightDecay: 0.01 }),
    reference: () => sgdReference({ lr: testSchedule, momentum: 0.8, nesterov: true, wd: 0.01 }),
  },
  {
    name: 'sgd, heavy ball with weight decay',
    make: () => sgd({ lr: 0.05, momentum: 0.9, weightDecay: 0.01 }),
    reference: () => sgdReference({ lr: constantLr(0.05), momentum: 0.9, nesterov: false, wd: 0.01 }),
  },
];

/** Disposes the tensors of `old` that `kept` does not hold. */
function disposeReplaced(old: tf.TensorContainer, kept: tf.TensorContainer): void {
  const keep = new Set(tf.tensor_util.getTensorsInContainer(kept).map((t) => t.id));
  for (const t of tf.tensor_util.getTensorsInContainer(old)) if (!keep.has(t.id) && !t.isDisposed) t.dispose();
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('kit optimizers against float64 references', () => {
  it.each(CASES)('$name: 30 steps match the reference', ({ make, reference }) => {
    const opt = make();
    const ref = reference();
    const refParams = Object.fromEntries(NAMES.map((n) => [n, initialValues(n)]));
    let params = toTensors(initialValues);
    let state: OptState = opt.init(params);
    const before = tf.memory().numTensors;

    let worst = { err: 0, where: 'nowhere' };
    for (let t = 0; t < STEPS; t++) {
      const grads = toTensors((n) => gradientValues(n, t));
      const next = tf.tidy(() => {
        const out = opt.update(grads, state, params, { types: TYPES });
        return { params: applyUpdates(params, out.updates), state: out.state };
      });
      disposeReplaced({ params, state, grads }, next);
      params = next.params;
      state = next.state;

      for (const n of NAMES) {
        const g = gradientValues(n, t);
        ref.step(n, refParams[n]!, g, t);
        const got = params[n]!.dataSync();
        const want = refParams[n]!;
        for (let k = 0; k < want.length; k++) {
          const err = Math.abs(got[k]! - want[k]!) / Math.max(1, Math.abs(want[k]!));
          if (!(err <= worst.err)) worst = { err, where: `step ${t} ${n}[${k}]: kit ${got[k]} vs reference ${want[k]}` };
        }
      }
    }
    expect(worst.err, `worst relative error at ${worst.where}`).toBeLessThanOrEqual(TOL);

    // Not vacuous: the parameters moved well beyond the tolerance.
    const moved = Math.max(
      ...NAMES.map((n) => Math.max(...refParams[n]!.map((x, k) => Math.abs(x - initialValues(n)[k]!)))),
    );
    expect(moved).toBeGreaterThan(1e-2);
    // The optimizer holds its state steadily: no tensors pile up step over step.
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([params as tf.TensorContainer, state]);
  });

  it('decays a parameter missing from `types` like a weight, and never a bias or norm', () => {
    const params = { w: tf.tensor([2, -4]), b: tf.tensor([2, -4]), s: tf.tensor([2, -4]), x: tf.tensor([2, -4]) };
    const grads = { w: tf.zeros([2]), b: tf.zeros([2]), s: tf.zeros([2]), x: tf.zeros([2]) };
    const types: ParamTypes = { w: 'weight', b: 'bias', s: 'norm_scale' }; // x: no type
    for (const opt of [sgd({ lr: 1, weightDecay: 0.5 }), adamw({ lr: 1, weightDecay: 0.5 })]) {
      const { updates } = opt.update(grads, opt.init(params), params, { types });
      const next = applyUpdates(params, updates);
      // Zero gradients: Adam's step is 0/(0+eps) = 0, so only decay moves p: p − 1·0.5·p.
      expect(Array.from(next.w!.dataSync())).toEqual([1, -2]);
      expect(Array.from(next.x!.dataSync())).toEqual([1, -2]);
      expect(Array.from(next.b!.dataSync())).toEqual([2, -4]);
      expect(Array.from(next.s!.dataSync())).toEqual([2, -4]);
    }
  });
});
