/**
 * Shampoo against a float64 reference written here from Gupta et al. 2018
 * (Algorithm 1: L ← L + GGᵀ, R ← R + GᵀG, W ← W − η·L^(−1/4)·G·R^(−1/4), with the
 * eps·I start as damping) and Anil et al. 2020's layer-wise grafting. The
 * reference's inverse roots come from Denman–Beavers iterations, not from an
 * eigen-decomposition, so the kit's Jacobi route is checked independently.
 *
 * Tolerance: the same 1e-5 relative as the other optimizers, although the kit keeps
 * its statistics in float32 on the device and takes the roots of those float32
 * matrices: (S + eps·I)^(−1/4) amplifies a perturbation δ of S by up to
 * ¼·δ/(λ_min + eps) relative, and λ_min is near 0 in the first steps (R = GᵀG of a
 * 3×4 G is singular) with eps = 1e-4. Measured worst errors over the six cases:
 * 2e-7 to 3.5e-6, so 1e-5 holds with a margin of about 3. Should a backend with less exact float32 arithmetic be used
 * here, 1e-4 is the bound the argument above supports.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OptState, ParamType, ParamTypes } from '../../harness/spec.ts';
import { shampoo } from '../../submissions/kit/optimizers/shampoo.ts';
import { scaleByShampoo, type ShampooState } from '../../submissions/kit/transforms/shampoo.ts';
import type { GradientTransformation } from '../../submissions/kit/transform.ts';
import {
  copyValues,
  initialValues,
  kitStep,
  largestMove,
  type Shapes,
  stepGradients,
  toTensors,
  type Values,
  WorstError,
} from './_advanced_fixtures.ts';
import { inverseFourthRoot, matmul, transpose } from './_matrix_reference.ts';

const STEPS = 30;
const TOL = 1e-5;
const SHAPES: Shapes = { weight: [3, 4], bias: [4], conv: [2, 1, 2, 3] };
const TYPES: ParamTypes = { weight: 'weight', bias: 'bias', conv: 'conv_weight' };

// ---------------------------------------------------------------------------
// The reference
// ---------------------------------------------------------------------------

interface ShampooReferenceOptions {
  lr: number;
  b2?: number;
  eps: number;
  updateEvery: number;
  graft: 'adagrad' | 'sgd' | 'none';
  maxDim: number;
  wd: number;
}

const decays = (type: ParamType): boolean => type !== 'bias' && type !== 'norm_scale' && type !== 'norm_bias';
const frobenius = (a: ArrayLike<number>): number => Math.sqrt(Array.from(a).reduce((s, x) => s + x * x, 0));

function shampooReference(o: ShampooReferenceOptions) {
  // S ← S + X (the paper), or S ← b2·S + (1−b2)·X.
  const acc = (s: Float64Array, x: ArrayLike<number>) => {
    for (let i = 0; i < s.length; i++) s[i] = o.b2 === undefined ? s[i]! + x[i]! : o.b2 * s[i]! + (1 - o.b2) * x[i]!;
  };
  const stats: Record<string, { l: Float64Array; r: Float64Array; lRoot?: Float64Array; rRoot?: Float64Array }> = {};
  const h: Values = {};
  return {
    step(name: string, shape: readonly number[], p: Float64Array, g: Float64Array, t: number): void {
      // Diagonal AdaGrad, the preconditioner of vectors and the graft of matrices.
      const hn = (h[name] ??= new Float64Array(p.length));
      acc(hn, g.map((x) => x * x));
      const adagrad = g.map((x, k) => x / Math.sqrt(hn[k]! + o.eps));

      const n = shape.length >= 2 ? shape[shape.length - 1]! : 0;
      const m = n > 0 ? p.length / n : 0;
      let d: Float64Array;
      if (n > 0 && m <= o.maxDim && n <= o.maxDim) {
        const s = (stats[name] ??= { l: new Float64Array(m * m), r: new Float64Array(n * n) });
        acc(s.l, matmul(g, transpose(g, m, n), m, n, m));
        acc(s.r, matmul(transpose(g, m, n), g, n, m, n));
        if (t % o.updateEvery === 0) {
          s.lRoot = inverseFourthRoot(s.l, m, o.eps);
          s.rRoot = inverseFourthRoot(s.r, n, o.eps);
        }
        d = matmul(matmul(s.lRoot!, g, m, m, n), s.rRoot!, m, n, n);
        if (o.graft !== 'none') {
          const target = frobenius(o.graft === 'sgd' ? g : adagrad);
          const scale = target / (frobenius(d) + 1e-16);
          d = d.map((x) => x * scale);
        }
      } else {
        d = adagrad;
        if (o.graft === 'sgd') {
          const scale = frobenius(g) / (frobenius(d) + 1e-16);
          d = d.map((x) => x * scale);
        }
      }
      const wd = decays(TYPES[name]!) ? o.wd : 0;
      for (let k = 0; k < p.length; k++) p[k] = p[k]! - o.lr * (d[k]! + wd * p[k]!);
    },
  };
}

// ---------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------

const defaults: ShampooReferenceOptions = { lr: 0.01, eps: 1e-4, updateEvery: 1, graft: 'adagrad', maxDim: 1024, wd: 0 };

interface Case {
  readonly name: string;
  readonly make: () => GradientTransformation;
  readonly reference: ShampooReferenceOptions;
}

const CASES: readonly Case[] = [
  {
    name: 'plain Shampoo, no grafting',
    make: () => shampoo({ lr: 0.01, graftWith: 'none' }),
    reference: { ...defaults, graft: 'none' },
  },
  {
    name: 'AdaGrad grafting (the default)',
    make: () => shampoo({ lr: 0.02 }),
    reference: { ...defaults, lr: 0.02 },
  },
  {
    name: 'SGD grafting, moving averages, roots every 3 steps, weight decay',
    make: () => shampoo({ lr: 0.01, b2: 0.9, updateEvery: 3, graftWith: 'sgd', weightDecay: 0.1 }),
    reference: { ...defaults, b2: 0.9, updateEvery: 3, graft: 'sgd', wd: 0.1 },
  },
  {
    name: 'larger damping, roots every 4 steps',
    make: () => shampoo({ lr: 0.05, eps: 1e-2, updateEvery: 4, graftWith: 'none' }),
    reference: { ...defaults, lr: 0.05, eps: 1e-2, updateEvery: 4, graft: 'none' },
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
    const opt = make();
    const ref = shampooReference(reference);
    const start = initialValues(SHAPES);
    const refParams = copyValues(start);
    let params = toTensors(SHAPES, start);
    let state: OptState = opt.init(params);
    const before = tf.memory().numTensors;
    const worst = new WorstError();

    for (let t = 0; t < STEPS; t++) {
      const g = stepGradients(SHAPES, t);
      ({ params, state } = kitStep(opt, params, state, toTensors(SHAPES, g), { types: TYPES }));
      for (const [name, shape] of Object.entries(SHAPES)) {
        ref.step(name, shape, refParams[name]!, g[name]!, t);
        worst.compare(params[name]!.dataSync(), refParams[name]!, `step ${t} ${name}`);
      }
    }
    expect(worst.err, `worst relative error at ${worst.where}`).toBeLessThanOrEqual(TOL);
    expect(largestMove(refParams, start)).toBeGreaterThan(1e-2);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([params as tf.TensorContainer, state]);
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
