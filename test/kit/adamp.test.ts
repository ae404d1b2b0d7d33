/**
 * AdamP's projection branches against the float64 reference of the official PyTorch
 * algorithm (test/kit/_references/adamp.ts), with the channel view on the last axis
 * (TensorFlow.js kernel layout, see the kit's doc comment). The gradients are built
 * from the reference's parameters so that their cosine with the weight sits just
 * under or just over each threshold, so every branch is taken (channel projection,
 * layer projection, none) and both thresholds are pinned down, on a dense and a conv
 * kernel. Both sides get the same float32 gradients. (The conformance table runs
 * AdamP on the least-squares problem too, where projection is rare.)
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadNativeAddon } from '../../harness/backends/native/addon.ts';
import { selectBackend } from '../../harness/backends/select.ts';
import { ADAM_MOMENTS_DOTS_KERNEL, ADAM_MOMENTS_KERNEL, ADAMP_KERNEL, DOTS_KERNEL, ELEMENTWISE_PROGRAM_KERNEL, type ParamType, type ParamTypes } from '../../harness/spec.ts';
import { adamp } from '../../submissions/kit/optimizers/adamp.ts';
import { type GradientTransformation, updateAndApply } from '../../submissions/kit/transform.ts';
import { type AdampBranch, adampReference, type AdampReferenceOptions, column } from './_references/adamp.ts';
import type { Specs } from './_references/common.ts';
import { runBesideReference, type Shapes, stepGradients, type Values } from './_advanced_fixtures.ts';

const STEPS = 30;
const TOL = 1e-5;
const SHAPES: Shapes = { weight: [3, 4], bias: [4], conv: [2, 1, 2, 3], table: [3, 2] };
const TYPES: ParamTypes = { weight: 'weight', bias: 'bias', conv: 'conv_weight', table: 'embedding' };

const SPECS: Specs = Object.fromEntries(Object.entries(SHAPES).map(([n, shape]) => [n, { shape, type: TYPES[n]! }]));

const norm = (v: ArrayLike<number>): number => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));
const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => Array.from(a).reduce((s, x, k) => s + x * b[k]!, 0);

/** h without its part along p (p ≠ 0), plus the radial part that makes |cos(g, p)| = tau. */
function withCosine(h: ArrayLike<number>, p: ArrayLike<number>, tau: number): number[] {
  const along = dot(h, p) / dot(p, p);
  const u = Array.from(h, (x, k) => x - along * p[k]!);
  const alpha = (tau * norm(u)) / (Math.sqrt(1 - tau * tau) * norm(p));
  return u.map((x, k) => x + alpha * p[k]!);
}

/**
 * Step t's gradient, from the reference's current parameters: the raw h for vectors;
 * for matrices, h turned so that its cosine with the weight sits just under (×0.95)
 * or just over (×1.05) a threshold: every output channel at δ/√rows (t ≡ 0, 1 mod 4),
 * or the whole layer at δ/√size (t ≡ 2, 3). That pins both thresholds down.
 */
function gradients(params: Values, t: number, delta: number): Values {
  const raw = stepGradients(SHAPES, t);
  const out: Values = {};
  for (const [name, shape] of Object.entries(SHAPES)) {
    const h = raw[name]!;
    const p = params[name]!;
    let g = Float64Array.from(h);
    if (shape.length >= 2) {
      const cols = shape[shape.length - 1]!;
      const rows = p.length / cols;
      const factor = t % 2 === 0 ? 0.95 : 1.05;
      if (t % 4 < 2) {
        for (let c = 0; c < cols; c++) {
          const gc = withCosine(column(h, cols, c), column(p, cols, c), (factor * delta) / Math.sqrt(rows));
          gc.forEach((x, i) => (g[i * cols + c] = x));
        }
      } else {
        g = Float64Array.from(withCosine(h, p, (factor * delta) / Math.sqrt(p.length)));
      }
    }
    out[name] = g.map((x) => Math.fround(x));
  }
  return out;
}

// ---------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------

const schedule = (step: number): number =>
  step < 5 ? (0.03 * (step + 1)) / 5 : 0.03 * 0.5 * (1 + Math.cos((Math.PI * Math.min(step - 5, 25)) / 25));
const defaults = { b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0, delta: 0.1, wdRatio: 0.1, nesterov: false, mask: 'all' as const };
const kitDefault = (type: ParamType) => type === 'weight' || type === 'conv_weight';

interface Case {
  readonly name: string;
  readonly make: () => GradientTransformation;
  readonly reference: AdampReferenceOptions;
}

const CASES: readonly Case[] = [
  {
    name: 'defaults, constant lr',
    make: () => adamp({ lr: 1e-2 }),
    reference: { ...defaults, lr: () => 1e-2, projectable: kitDefault },
  },
  {
    name: 'weight decay 0.1, scheduled lr',
    make: () => adamp({ lr: schedule, weightDecay: 0.1 }),
    reference: { ...defaults, lr: schedule, wd: 0.1, projectable: kitDefault },
  },
  {
    name: 'nesterov, custom betas, delta and wdRatio',
    make: () =>
      adamp({ lr: 2e-2, b1: 0.8, b2: 0.99, eps: 1e-6, weightDecay: 0.05, delta: 0.2, wdRatio: 0.3, nesterov: true }),
    reference: {
      ...{ lr: () => 2e-2, b1: 0.8, b2: 0.99, eps: 1e-6, wd: 0.05, delta: 0.2, wdRatio: 0.3, nesterov: true },
      projectable: kitDefault,
      mask: 'all',
    },
  },
  {
    name: 'every matrix may be projected (the official behaviour)',
    make: () => adamp({ lr: 1e-2, weightDecay: 0.1, projectMask: () => true }),
    reference: { ...defaults, lr: () => 1e-2, wd: 0.1, projectable: () => true },
  },
];

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

/**
 * On cpu every step is the elementwise program run as plain ops; on wasm with the
 * native addon it is the fused path (ADAMP_KERNEL: Adam's step, the channel sums, the
 * branch and a factor per channel; then the step in the chain's program), which must
 * meet the same reference.
 */
const BACKENDS = loadNativeAddon() !== undefined ? ['cpu', 'wasm'] : ['cpu'];

describe.each(BACKENDS)('adamp against a float64 reference of the official algorithm (%s)', (backend) => {
  beforeAll(async () => {
    if (backend === 'wasm') await selectBackend('wasm');
    await tf.setBackend(backend);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.runIf(backend === 'wasm')("takes the fused path: the weight's Adam step, channel sums and factor in one kernel, the bias's in Adam's, then one program per parameter", () => {
    const runKernel = vi.spyOn(tf.engine(), 'runKernel');
    try {
      const opt = adamp({ lr: 1e-2, weightDecay: 0.1 });
      const params = { w: tf.randomNormal([5, 3]), b: tf.randomNormal([3]) };
      const grads = { w: tf.randomNormal([5, 3]), b: tf.randomNormal([3]) };
      const out = updateAndApply(opt, grads, opt.init(params), params, { types: { w: 'weight', b: 'bias' } });
      const names = runKernel.mock.calls.map(([name]) => name);
      expect(names.filter((n) => n === ADAMP_KERNEL)).toHaveLength(1);
      expect(names.filter((n) => n === ADAM_MOMENTS_DOTS_KERNEL)).toHaveLength(0);
      expect(names.filter((n) => n === DOTS_KERNEL)).toHaveLength(0);
      expect(names.filter((n) => n === ADAM_MOMENTS_KERNEL)).toHaveLength(1);
      // No program over the channels: the weight's step and the bias's, one each.
      expect(names.filter((n) => n === ELEMENTWISE_PROGRAM_KERNEL)).toHaveLength(2);
      tf.dispose([params, grads, out.params, out.state as tf.TensorContainer] as tf.TensorContainer);
    } finally {
      runKernel.mockRestore();
    }
  });

  it.each(CASES)('$name: 30 steps match', ({ make, reference }) => {
    const ref = adampReference(SPECS, reference);
    const problem = { shapes: SHAPES, types: TYPES, steps: STEPS, gradients: (at: Values, t: number) => gradients(at, t, reference.delta) };
    const run = runBesideReference(make(), ref, problem);
    expect(run.worst.err, `worst relative error at ${run.worst.where}`).toBeLessThanOrEqual(TOL);
    expect(run.moved).toBeGreaterThan(1e-2);
    expect(run.leaked).toBe(0);

    // Every branch was exercised on the projected weights, and never on the rest.
    const count = (name: string, b: AdampBranch) => ref.branches[name]!.filter((x) => x === b).length;
    for (const name of ['weight', 'conv']) {
      for (const b of ['channel', 'layer', 'none'] as const) expect(count(name, b), `${name} ${b}`).toBeGreaterThanOrEqual(5);
    }
    expect(count('bias', 'none')).toBe(STEPS);
    // The embedding is projected only when the mask admits it (then on most steps).
    if (reference.projectable('embedding')) expect(count('table', 'none')).toBeLessThan(STEPS / 2);
    else expect(count('table', 'none')).toBe(STEPS);
    tf.dispose([run.params as tf.TensorContainer, run.state]);
  });
});
