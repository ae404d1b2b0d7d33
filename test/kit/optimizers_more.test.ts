/**
 * Adagrad, RMSProp, LAMB, Lion and Adafactor against float64 references written from
 * the published rules (test/kit/_more_references.ts, which never calls the kit). Only
 * the inputs are shared: initial parameters, per-step gradients and the learning-rate
 * schedule as a plain function. Every step's parameters are compared.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OptState, ParamTypes, TensorMap } from '../../harness/spec.ts';
import { adafactor } from '../../submissions/kit/optimizers/adafactor.ts';
import { adagrad } from '../../submissions/kit/optimizers/adagrad.ts';
import { lamb } from '../../submissions/kit/optimizers/lamb.ts';
import { lion } from '../../submissions/kit/optimizers/lion.ts';
import { rmsprop } from '../../submissions/kit/optimizers/rmsprop.ts';
import { applyUpdates, type GradientTransformation } from '../../submissions/kit/transform.ts';
import {
  adafactorReference,
  adagradReference,
  lambReference,
  lionReference,
  type ParamSpec,
  type Reference,
  rmspropReference,
} from './_more_references.ts';

const STEPS = 30;
const TOL = 1e-5;

type Specs = Readonly<Record<string, ParamSpec>>;

/** A 3×4 weight and a length-4 bias; Adafactor adds a 5×6 and a 6×5 matrix (factored either way round). */
const BASE: Specs = { weight: { shape: [3, 4], type: 'weight' }, bias: { shape: [4], type: 'bias' } };
const WITH_WIDE: Specs = {
  ...BASE,
  wide: { shape: [5, 6], type: 'weight' },
  tall: { shape: [6, 5], type: 'attention_out' },
};

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

// Inputs are rounded to float32 so that the kit and the reference start from the same
// numbers and differ only by the arithmetic.
function initialValues(specs: Specs, name: string, zeroBias: boolean): Float64Array {
  const ni = Object.keys(specs).indexOf(name);
  const out = new Float64Array(sizeOf(specs[name]!.shape));
  if (zeroBias && specs[name]!.type === 'bias') return out;
  for (let k = 0; k < out.length; k++) out[k] = Math.fround(0.8 * Math.sin(1.7 * (k + 1) + 0.9 * ni));
  return out;
}

/** A different, deterministic gradient every step (no dependence on the parameters). */
function gradientValues(specs: Specs, name: string, step: number): Float64Array {
  const ni = Object.keys(specs).indexOf(name);
  const out = new Float64Array(sizeOf(specs[name]!.shape));
  for (let k = 0; k < out.length; k++) {
    out[k] = Math.fround(Math.sin(0.37 * (k + 1) * (ni + 1) + 1.3 * step) + 0.3 * Math.cos(2.1 * step + k));
  }
  return out;
}

const toTensors = (specs: Specs, values: (name: string) => Float64Array): TensorMap =>
  Object.fromEntries(
    Object.entries(specs).map(([n, s]) => [n, tf.tensor(Float32Array.from(values(n)), [...s.shape])]),
  );

const constantLr = (lr: number) => () => lr;
/** Warmup over 5 steps, then cosine to 0 at step 30, written here as a plain function. */
const testSchedule = (peak: number) => (step: number): number =>
  step < 5 ? (peak * (step + 1)) / 5 : peak * 0.5 * (1 + Math.cos((Math.PI * Math.min(step - 5, 25)) / 25));

interface Case {
  readonly name: string;
  readonly make: () => GradientTransformation;
  readonly reference: () => Reference;
  readonly specs?: Specs;
  /** Start biases at zero (LAMB's trust ratio is 1 there at the first step). */
  readonly zeroBias?: boolean;
}

const rmsRef = (lr: (t: number) => number, o: Partial<{ rho: number; eps: number; momentum: number; centered: boolean }>) =>
  rmspropReference({ lr, rho: o.rho ?? 0.9, eps: o.eps ?? 1e-8, momentum: o.momentum ?? 0, centered: o.centered ?? false });

const afRef = (
  lr: (t: number) => number,
  o: Partial<{ c: number; eps2: number; d: number; momentum: number; paramScale: boolean; wd: number; factorMin: number }>,
) =>
  adafactorReference({
    lr,
    c: o.c ?? 0.8,
    eps1: 1e-30,
    eps2: o.eps2 ?? 1e-3,
    d: o.d ?? 1,
    momentum: o.momentum ?? 0,
    paramScale: o.paramScale ?? true,
    wd: o.wd ?? 0,
    factorMin: o.factorMin ?? 1,
  });

const CASES: readonly Case[] = [
  {
    name: 'adagrad, defaults',
    make: () => adagrad({ lr: 0.1 }),
    reference: () => adagradReference({ lr: constantLr(0.1), acc0: 0.1, eps: 1e-7 }),
  },
  {
    name: 'adagrad, zero accumulator, eps, schedule',
    make: () => adagrad({ lr: testSchedule(0.2), initialAccumulator: 0, eps: 1e-10 }),
    reference: () => adagradReference({ lr: testSchedule(0.2), acc0: 0, eps: 1e-10 }),
  },
  {
    name: 'adagrad, large eps (inside the root)',
    make: () => adagrad({ lr: 0.1, eps: 0.5 }),
    reference: () => adagradReference({ lr: constantLr(0.1), acc0: 0.1, eps: 0.5 }),
  },
  {
    name: 'rmsprop, defaults',
    make: () => rmsprop({ lr: 1e-2 }),
    reference: () => rmsRef(constantLr(1e-2), {}),
  },
  {
    name: 'rmsprop, centred',
    make: () => rmsprop({ lr: 1e-2, centered: true }),
    reference: () => rmsRef(constantLr(1e-2), { centered: true }),
  },
  {
    name: 'rmsprop, momentum, schedule',
    make: () => rmsprop({ lr: testSchedule(1e-2), momentum: 0.9, decay: 0.99, eps: 1e-6 }),
    reference: () => rmsRef(testSchedule(1e-2), { momentum: 0.9, rho: 0.99, eps: 1e-6 }),
  },
  {
    name: 'rmsprop, centred with momentum, schedule',
    make: () => rmsprop({ lr: testSchedule(5e-3), momentum: 0.8, centered: true, decay: 0.95 }),
    reference: () => rmsRef(testSchedule(5e-3), { momentum: 0.8, centered: true, rho: 0.95 }),
  },
  {
    name: 'lamb, no weight decay',
    make: () => lamb({ lr: 2e-2 }),
    reference: () => lambReference({ lr: constantLr(2e-2), b1: 0.9, b2: 0.999, eps: 1e-6, wd: 0 }),
  },
  {
    name: 'lamb, weight decay, schedule, custom betas',
    make: () => lamb({ lr: testSchedule(5e-2), b1: 0.8, b2: 0.99, eps: 1e-4, weightDecay: 0.1 }),
    reference: () => lambReference({ lr: testSchedule(5e-2), b1: 0.8, b2: 0.99, eps: 1e-4, wd: 0.1 }),
  },
  {
    name: 'lamb, weight decay, zero bias (trust ratio 1 at first)',
    make: () => lamb({ lr: 2e-2, weightDecay: 0.01 }),
    reference: () => lambReference({ lr: constantLr(2e-2), b1: 0.9, b2: 0.999, eps: 1e-6, wd: 0.01 }),
    zeroBias: true,
  },
  {
    name: 'lion, no weight decay',
    make: () => lion({ lr: 1e-2 }),
    reference: () => lionReference({ lr: constantLr(1e-2), b1: 0.9, b2: 0.99, wd: 0 }),
  },
  {
    name: 'lion, weight decay, schedule, custom betas',
    make: () => lion({ lr: testSchedule(1e-2), b1: 0.95, b2: 0.98, weightDecay: 0.5 }),
    reference: () => lionReference({ lr: testSchedule(1e-2), b1: 0.95, b2: 0.98, wd: 0.5 }),
  },
  {
    name: 'adafactor, defaults',
    make: () => adafactor({ lr: 5e-2 }),
    reference: () => afRef(constantLr(5e-2), {}),
    specs: WITH_WIDE,
  },
  {
    name: 'adafactor, momentum, weight decay, schedule',
    make: () => adafactor({ lr: testSchedule(0.1), momentum: 0.9, weightDecay: 1e-2 }),
    reference: () => afRef(testSchedule(0.1), { momentum: 0.9, wd: 1e-2 }),
    specs: WITH_WIDE,
  },
  {
    name: 'adafactor, tight clipping, decay rate, eps2 above RMS(p)',
    make: () => adafactor({ lr: 0.1, clipThreshold: 0.5, decayRate: 0.5, eps2: 0.9 }),
    reference: () => afRef(constantLr(0.1), { d: 0.5, c: 0.5, eps2: 0.9 }),
    specs: WITH_WIDE,
  },
  {
    name: 'adafactor, absolute steps, no clipping, weight decay',
    make: () =>
      adafactor({ lr: 2e-2, multiplyByParameterScale: false, clipThreshold: Infinity, weightDecay: 3e-3 }),
    reference: () => afRef(constantLr(2e-2), { paramScale: false, d: Infinity, wd: 3e-3 }),
    specs: WITH_WIDE,
  },
  {
    name: "adafactor, optax's minDimSizeToFactor 128 (nothing factored)",
    make: () => adafactor({ lr: 5e-2, momentum: 0.5, minDimSizeToFactor: 128 }),
    reference: () => afRef(constantLr(5e-2), { momentum: 0.5, factorMin: 128 }),
    specs: WITH_WIDE,
  },
  {
    name: 'adafactor, factoring only the 5×6 and 6×5',
    make: () => adafactor({ lr: 5e-2, minDimSizeToFactor: 5 }),
    reference: () => afRef(constantLr(5e-2), { factorMin: 5 }),
    specs: WITH_WIDE,
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

describe('more kit optimizers against float64 references', () => {
  it.each(CASES)('$name: 30 steps match the reference', ({ make, reference, specs = BASE, zeroBias = false }) => {
    const names = Object.keys(specs);
    const types: ParamTypes = Object.fromEntries(names.map((n) => [n, specs[n]!.type]));
    const opt = make();
    const ref = reference();
    const refParams = Object.fromEntries(names.map((n) => [n, initialValues(specs, n, zeroBias)]));
    let params = toTensors(specs, (n) => initialValues(specs, n, zeroBias));
    let state: OptState = opt.init(params);
    const before = tf.memory().numTensors;

    let worst = { err: 0, where: 'nowhere' };
    for (let t = 0; t < STEPS; t++) {
      const grads = toTensors(specs, (n) => gradientValues(specs, n, t));
      const next = tf.tidy(() => {
        const out = opt.update(grads, state, params, { types });
        return { params: applyUpdates(params, out.updates), state: out.state };
      });
      disposeReplaced({ params, state, grads }, next);
      params = next.params;
      state = next.state;

      for (const n of names) {
        ref.step(n, specs[n]!, refParams[n]!, gradientValues(specs, n, t), t);
        const got = params[n]!.dataSync();
        const want = refParams[n]!;
        expect(got.length).toBe(want.length);
        for (let k = 0; k < want.length; k++) {
          const err = Math.abs(got[k]! - want[k]!) / Math.max(1, Math.abs(want[k]!));
          if (!(err <= worst.err)) worst = { err, where: `step ${t} ${n}[${k}]: kit ${got[k]} vs reference ${want[k]}` };
        }
      }
    }
    expect(worst.err, `worst relative error at ${worst.where}`).toBeLessThanOrEqual(TOL);

    // Not vacuous: every parameter moved well beyond the tolerance.
    for (const n of names) {
      const start = initialValues(specs, n, zeroBias);
      expect(Math.max(...refParams[n]!.map((x, k) => Math.abs(x - start[k]!))), n).toBeGreaterThan(1e-2);
    }
    // Lion's sign(): float32 and float64 agree only while no argument is near zero
    // (float32 puts an error of about 1e-7 on these O(1) values).
    if (ref.signMargin) expect(ref.signMargin()).toBeGreaterThan(1e-5);
    // The optimizer holds its state steadily: no tensors pile up step over step.
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([params as tf.TensorContainer, state]);
  });
});
