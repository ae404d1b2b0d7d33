/**
 * Shampoo's matrix view of higher-rank kernels (a conv kernel [kh, kw, in, out] as
 * [kh·kw·in, out]) and its maxDim fallback against the float64 reference of Gupta et
 * al. 2018 with Anil et al. 2020's grafting (test/kit/_references/shampoo.ts, whose
 * inverse roots come from Denman–Beavers iterations, not an eigen-decomposition, so
 * the kit's Jacobi route is checked independently); then its state. (The conformance
 * table covers the grafting, damping, refresh and decay options on a 2-D problem.)
 *
 * Tolerance: the same 1e-5 relative as the other optimizers, although the kit keeps
 * its statistics in float32 on the device and takes the roots of those float32
 * matrices: (S + eps·I)^(−1/4) amplifies a perturbation δ of S by up to
 * ¼·δ/(λ_min + eps) relative, and λ_min is near 0 in the first steps (R = GᵀG of a
 * 3×4 G is singular) with eps = 1e-4. Measured worst errors over the cases:
 * 2e-7 to 3.5e-6, so 1e-5 holds with a margin of about 3. Should a backend with less exact float32 arithmetic be used
 * here, 1e-4 is the bound the argument above supports.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ParamTypes } from '../../harness/spec.ts';
import { shampoo } from '../../submissions/kit/optimizers/shampoo.ts';
import { scaleByShampoo, type ShampooState } from '../../submissions/kit/transforms/shampoo.ts';
import type { GradientTransformation } from '../../submissions/kit/transform.ts';
import { runBesideReference, type Shapes, stepGradients, toTensors, type Values } from './_advanced_fixtures.ts';
import type { Specs } from './_references/common.ts';
import { shampooReference, type ShampooReferenceOptions } from './_references/shampoo.ts';

const STEPS = 30;
const TOL = 1e-5;
const SHAPES: Shapes = { weight: [3, 4], bias: [4], conv: [2, 1, 2, 3] };
const TYPES: ParamTypes = { weight: 'weight', bias: 'bias', conv: 'conv_weight' };

const SPECS: Specs = Object.fromEntries(Object.entries(SHAPES).map(([n, shape]) => [n, { shape, type: TYPES[n]! }]));
const defaults: ShampooReferenceOptions = {
  ...{ lr: 0.01, eps: 1e-4, updateEvery: 1, graft: 'adagrad', maxDim: 1024, wd: 0, mask: 'all' },
};

interface Case {
  readonly name: string;
  readonly make: () => GradientTransformation;
  readonly reference: ShampooReferenceOptions;
}

const CASES: readonly Case[] = [
  {
    name: 'AdaGrad grafting, the conv kernel preconditioned as [kh·kw·in, out], decay',
    make: () => shampoo({ lr: 0.02, weightDecay: 0.1 }),
    reference: { ...defaults, lr: 0.02, wd: 0.1 },
  },
  {
    name: 'maxDim 3: the 3×4 weight falls back to the diagonal, the 4×3 conv too',
    make: () => shampoo({ lr: 0.02, maxDim: 3, b2: 0.99 }),
    reference: { ...defaults, lr: 0.02, maxDim: 3, b2: 0.99 },
  },
  {
    name: 'maxDim 4: both matrices preconditioned, SGD grafting on the bias',
    make: () => shampoo({ lr: 0.02, maxDim: 4, graftWith: 'sgd' }),
    reference: { ...defaults, lr: 0.02, maxDim: 4, graft: 'sgd' },
  },
];

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('shampoo against a float64 reference', () => {
  it.each(CASES)('$name: 30 steps match', ({ make, reference }) => {
    const gradients = (_refParams: Values, t: number) => stepGradients(SHAPES, t);
    const run = runBesideReference(make(), shampooReference(SPECS, reference), { shapes: SHAPES, types: TYPES, steps: STEPS, gradients });
    expect(run.worst.err, `worst relative error at ${run.worst.where}`).toBeLessThanOrEqual(TOL);
    expect(run.moved).toBeGreaterThan(1e-2);
    expect(run.leaked).toBe(0);
    tf.dispose([run.params as tf.TensorContainer, run.state]);
  });
});

describe('scaleByShampoo state', () => {
  it('keeps two-sided statistics only for matrices within maxDim, and roots cached between refreshes', () => {
    const opt = scaleByShampoo({ updateEvery: 2, graftWith: 'none', maxDim: 3 });
    const params = toTensors({ w: [3, 3], wide: [3, 4], b: [3] }, {
      w: new Float64Array(9).fill(1),
      wide: new Float64Array(12).fill(1),
      b: new Float64Array(3).fill(1),
    });
    const state: ShampooState = opt.init(params);
    expect(Object.keys(state.left)).toEqual(['w']);
    expect(Object.keys(state.diag).sort()).toEqual(['b', 'wide']); // no AdaGrad graft kept
    const grads = toTensors({ w: [3, 3], wide: [3, 4], b: [3] }, {
      w: Float64Array.from({ length: 9 }, (_, k) => Math.sin(k + 1)),
      wide: new Float64Array(12).fill(0.5),
      b: new Float64Array(3).fill(0.5),
    });
    const s1 = opt.update(grads, state, params, { types: {} }).state;
    const s2 = opt.update(grads, s1, params, { types: {} }).state;
    const s3 = opt.update(grads, s2, params, { types: {} }).state;
    expect(s2.leftRoot.w).toBe(s1.leftRoot.w); // step 1: not a refresh step
    expect(s3.leftRoot.w).not.toBe(s2.leftRoot.w); // step 2: refreshed
    expect(() => scaleByShampoo({ updateEvery: 0 })).toThrow(RangeError);
  });
});
