/**
 * The native SAM perturbation (SAM_PERTURB_KERNEL, harness/backends/native/kernels_dots.ts,
 * src/dots.cc): the global gradient norm of every tensor and each perturbed point in one
 * call, SAM's and ASAM's (davda54/sam's rule, as in submissions/kit/optimizers/sam.ts):
 * - the norm against a float64 sum of the float32 values to 1e-6 relative (the kernel sums
 *   in float64 and rounds once), and each p′ bit for bit as the float32 ops of the rule
 *   given that norm: f = fround(rho / fround(norm + eps)), p′ = fround(p + fround(g·f)), or
 *   for ASAM fround(p + fround(fround(fround(p·p)·g)·f));
 * - p′ against a float64 evaluation of the rule to 1e-5 (values of order 1, the
 *   perturbation as large as p, so a wrong factor shows);
 * on odd sizes: a tensor of one element, tails off the kernel's 32-lane and 32768-element
 * chunk grid, sets large enough to be split between threads (the split crosses tensor
 * boundaries) and too small to be, a set large enough for streaming stores; zeros (ASAM's
 * |p|) and an all-zero gradient (ε = 0);
 * - the kit's `sam` and `sam(…, { adaptive: true })` through the kernel (one call a step)
 *   against tfjs's reference cpu backend (the kit's op path) to 1e-4: the perturbed point
 *   handed to gradAt and the step's new parameters.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { loadNativeAddon } from '../../harness/backends/native/addon.ts';
import { selectBackend } from '../../harness/backends/select.ts';
import { SAM_PERTURB_KERNEL, type TensorMap } from '../../harness/spec.ts';
import { setFusedOpsEnabled } from '../../submissions/kit/fused.ts';
import { adamw } from '../../submissions/kit/optimizers/adam.ts';
import { sam } from '../../submissions/kit/optimizers/sam.ts';
import { sgd } from '../../submissions/kit/optimizers/sgd.ts';
import { updateAndApply } from '../../submissions/kit/transform.ts';
import { compare } from './_cpu_reference.ts';
import { samStepKeepingPoint } from '../kit/_sam_point.ts';

beforeAll(async () => {
  await selectBackend('wasm');
});

const EPS = 1e-12;
const f32 = Math.fround;

/** Seeded values of order 1 (a small LCG: the same on every run). */
function values(n: number, seed: number, zeros = false): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = zeros && i % 7 === 3 ? 0 : s / 2 ** 31 - 1;
  }
  return out;
}

interface Set_ {
  readonly label: string;
  readonly sizes: readonly number[];
  readonly zeroGrads?: boolean;
}

const SETS: readonly Set_[] = [
  { label: 'one tensor of one element', sizes: [1] },
  { label: 'small tensors, one thread (31, 33, 5, 64 elements)', sizes: [31, 33, 5, 64] },
  { label: 'chunk tails, split between threads (32768 + 37, 100003, 1, 781)', sizes: [32768 + 37, 100003, 1, 781] },
  { label: 'the bench mix scaled down (37·13, 768, 65536 + 3, 7, 256·64)', sizes: [37 * 13, 768, 65536 + 3, 7, 256 * 64] },
  { label: 'an all-zero gradient (ε = 0)', sizes: [100, 40000], zeroGrads: true },
  // From 2^22 elements in all the kernel writes p′ with streaming stores (aligned middles, plain heads and tails).
  { label: 'streamed stores (2^22 + 3, 1001, 5 elements: unaligned starts and tails)', sizes: [2 ** 22 + 3, 1001, 5] },
];

function inputsOf(set: Set_): { p: Float32Array[]; g: Float32Array[] } {
  return {
    p: set.sizes.map((n, i) => values(n, 11 + i, true)),
    g: set.sizes.map((n, i) => (set.zeroGrads === true ? new Float32Array(n) : values(n, 101 + i))),
  };
}

/** The kernel's outputs as plain arrays (through runKernel on wasm). */
function runKernel(p: Float32Array[], g: Float32Array[], rho: number, adaptive: boolean): { out: Float32Array[]; norm: number } {
  const ts = [...p.map((x) => tf.tensor1d(x)), ...g.map((x) => tf.tensor1d(x))];
  const inputs: Record<string, tf.Tensor> = {};
  p.forEach((_, i) => {
    inputs[`p${i}`] = ts[i]!;
    inputs[`g${i}`] = ts[p.length + i]!;
  });
  const outs = tf.engine().runKernel(SAM_PERTURB_KERNEL, inputs, { count: p.length, rho, eps: EPS, adaptive } as never) as unknown as tf.Tensor[];
  const result = { out: outs.slice(0, p.length).map((t) => t.dataSync() as Float32Array), norm: outs[p.length]!.dataSync()[0]! };
  tf.dispose([...ts, ...outs]);
  return result;
}

/** The norm in float64 of the float32 values s = g or |p|·g (each s and s² rounded to float32, as the rule's ops). */
function norm64(p: Float32Array[], g: Float32Array[], adaptive: boolean): number {
  let sum = 0;
  p.forEach((pi, k) => {
    const gi = g[k]!;
    for (let i = 0; i < pi.length; i++) {
      const s = adaptive ? f32(Math.abs(pi[i]!) * gi[i]!) : gi[i]!;
      sum += f32(s * s);
    }
  });
  return Math.sqrt(sum);
}

describe('native SAM perturbation', () => {
  it('is registered by the addon', async () => {
    expect(typeof loadNativeAddon()?.samPerturb, 'run `npm run build:native`').toBe('function');
    await tf.setBackend('wasm');
    expect(tf.getKernel(SAM_PERTURB_KERNEL, 'wasm')).toBeDefined();
  });

  describe.each([false, true])('adaptive %s', (adaptive) => {
    it.each(SETS.map((s) => [s.label, s] as const))('%s: the norm to float64, p′ bit for bit given it and to the float64 rule', async (_, set) => {
      await tf.setBackend('wasm');
      const { p, g } = inputsOf(set);
      const exact = norm64(p, g, adaptive);
      // A radius that makes the perturbation as large as p: a wrong factor is off by far more than 1e-5.
      const rho = set.zeroGrads === true ? 0.05 : 0.7 * exact / Math.sqrt(set.sizes.reduce((a, b) => a + b, 0));
      const { out, norm } = runKernel(p, g, rho, adaptive);
      expect(Math.abs(norm - exact)).toBeLessThanOrEqual(1e-6 * Math.max(exact, 1e-30));
      const f = f32(f32(rho) / f32(norm + f32(EPS)));
      const f64 = rho / (exact + EPS);
      let worst = 0;
      p.forEach((pi, k) => {
        const gi = g[k]!;
        for (let i = 0; i < pi.length; i++) {
          const d = adaptive ? f32(f32(pi[i]! * pi[i]!) * gi[i]!) : gi[i]!;
          const bits = f32(pi[i]! + f32(d * f));
          if (out[k]![i] !== bits) expect.fail(`tensor ${k}, element ${i}: ${out[k]![i]} vs fround ops ${bits}`);
          const ref = pi[i]! + (adaptive ? pi[i]! * pi[i]! * gi[i]! : gi[i]!) * f64;
          worst = Math.max(worst, Math.abs(out[k]![i]! - ref) / Math.max(1, Math.abs(ref)));
        }
      });
      expect(worst).toBeLessThanOrEqual(1e-5);
    });
  });

  const SHAPES: Record<string, number[]> = { w: [37, 13], big: [1000, 301], v: [100003], b: [5] };
  const TYPES = { w: 'weight', big: 'weight', v: 'weight', b: 'bias' } as const;
  const samStep = (adaptive: boolean, base: 'sgd' | 'adamw') => () => {
    let seed = 1;
    const normal = (shape: number[]) => tf.randomNormal(shape, 0, 1, 'float32', seed++);
    const params: TensorMap = Object.fromEntries(Object.entries(SHAPES).map(([n, s]) => [n, normal(s)]));
    const grads: TensorMap = Object.fromEntries(Object.entries(SHAPES).map(([n, s]) => [n, normal(s)]));
    let at: TensorMap = {};
    // The gradient at the perturbed point: 2·(w + ε) − g, so that it depends on the point.
    const gradAt = (x: TensorMap) => {
      // Copies: the step frees the point itself once its gradient is taken.
      at = Object.fromEntries(Object.entries(x).map(([n, t]) => [n, tf.clone(t)]));
      return Object.fromEntries(Object.entries(x).map(([n, t]) => [n, tf.sub(tf.mul(t, 2), grads[n]!)]));
    };
    const opt = sam(base === 'sgd' ? sgd({ lr: 0.1, momentum: 0.9 }) : adamw({ lr: 1e-2, weightDecay: 0.1 }), { rho: adaptive ? 0.5 : 2, adaptive });
    const out = updateAndApply(opt, grads, opt.init(params), params, { types: TYPES, gradAt });
    return Object.fromEntries([...Object.entries(at).map(([n, t]) => [`perturbed ${n}`, t]), ...Object.entries(out.params).map(([n, t]) => [`params ${n}`, t])]);
  };

  it.each([
    ['sam around momentum SGD', false, 'sgd'],
    ['asam around momentum SGD', true, 'sgd'],
    ['sam around AdamW', false, 'adamw'],
    ['asam around AdamW', true, 'adamw'],
  ] as const)('the kit\'s %s through the kernel matches cpu', (_, adaptive, base) => compare(samStep(adaptive, base)));

  it('the kit\'s sam calls the kernel once a step, and not with fused ops off', async () => {
    await tf.setBackend('wasm');
    const spy = vi.spyOn(tf.engine(), 'runKernel');
    try {
      tf.tidy(() => void samStep(false, 'sgd')());
      expect(spy.mock.calls.filter(([name]) => name === SAM_PERTURB_KERNEL)).toHaveLength(1);
      spy.mockClear();
      setFusedOpsEnabled(false);
      tf.tidy(() => void samStep(true, 'sgd')());
      expect(spy.mock.calls.filter(([name]) => name === SAM_PERTURB_KERNEL)).toHaveLength(0);
    } finally {
      setFusedOpsEnabled(true);
      spy.mockRestore();
    }
  });

  it('the kit\'s sam frees the kernel\'s perturbed point once its gradient is taken, but not a tensor the gradients hold nor an unperturbed parameter', async () => {
    await tf.setBackend('wasm');
    const spy = vi.spyOn(tf.engine(), 'runKernel');
    try {
      tf.tidy(() => {
        const { params, point, pointValues } = samStepKeepingPoint();
        expect(spy.mock.calls.filter(([name]) => name === SAM_PERTURB_KERNEL)).toHaveLength(1);
        expect(pointValues.weight!).toEqual([3.3, 0].map(f32));
        expect(point.bias!.isDisposed).toBe(true);
        expect(point.weight!.isDisposed).toBe(false);
        expect(point.frozen).toBe(params.frozen);
        expect(Object.values(params).every((t) => !t.isDisposed)).toBe(true);
      });
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses bad arguments with one line naming them', () => {
    const addon = loadNativeAddon()!;
    const f = (n: number) => new Float32Array(n);
    expect(() => addon.samPerturb!([f(3)], [f(2)], [f(3)], 0.05, EPS, false)).toThrow(/its parameter's length/);
    expect(() => addon.samPerturb!([f(3)], [], [f(3)], 0.05, EPS, false)).toThrow(/one gradient and one output per parameter/);
    expect(() => addon.samPerturb!([f(3)], [f(3)], [f(3)], 0.05, EPS, 1 as never)).toThrow(/samPerturb: argument 5 must be a boolean/);
    const p = tf.zeros([3]);
    const g = tf.zeros([4]);
    expect(() => tf.engine().runKernel(SAM_PERTURB_KERNEL, { p0: p, g0: g }, { count: 1, rho: 0.05, eps: EPS, adaptive: false } as never)).toThrow(/p0 and g0 must be float32 tensors of one size/);
    tf.dispose([p, g]);
  });
});
