/**
 * The native schedule-free step (SCHEDULE_FREE_KERNEL, src/schedule_free.cc) as the
 * kit's scheduleFreeAdamw runs it: against tfjs's reference cpu backend to 1e-4
 * relative (parameters and the z, x, v state after 3 steps, with and without weight
 * decay, `update` and `updateAndApply`), on odd shapes and sizes split between
 * threads; and bit for bit against the same step through the elementwise-program
 * kernel (the kernel unregistered), since both take the same float32 ops in one order.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { loadNativeAddon } from '../../harness/backends/native/addon.ts';
import { selectBackend } from '../../harness/backends/select.ts';
import { SCHEDULE_FREE_KERNEL, type TensorMap } from '../../harness/spec.ts';
import { scheduleFreeAdamw } from '../../submissions/kit/optimizers/schedule_free.ts';
import { applyUpdates, type GradientTransformation, updateAndApply } from '../../submissions/kit/transform.ts';
import { type Case, compare } from './_cpu_reference.ts';
import { tidyArrays } from '../_tidy_data.ts';

beforeAll(async () => {
  await selectBackend('wasm');
});

const SHAPES: Record<string, number[]> = { w: [37, 13], big: [1000, 301], v: [100003], b: [5] };
const TYPES = { w: 'weight', big: 'weight', v: 'weight', b: 'bias' } as const;

let seed = 1;
const normal = (shape: number[]) => tf.randomNormal(shape, 0, 1, 'float32', seed++);

/** Three steps from seeded parameters and gradients (the same on every run): the parameters and the state's z, x, v. */
function steps(make: () => GradientTransformation, apply: boolean): () => Record<string, tf.Tensor> {
  return () => {
    seed = 1;
    let params: TensorMap = Object.fromEntries(Object.entries(SHAPES).map(([n, s]) => [n, normal(s)]));
    const opt = make();
    let state = opt.init(params);
    for (let t = 0; t < 3; t++) {
      const grads: TensorMap = Object.fromEntries(Object.entries(SHAPES).map(([n, s]) => [n, normal(s)]));
      if (apply) ({ params, state } = updateAndApply(opt, grads, state, params, { types: TYPES }));
      else {
        const out = opt.update(grads, state, params, { types: TYPES });
        [params, state] = [applyUpdates(params, out.updates), out.state];
      }
    }
    const s = state as unknown as Record<'z' | 'x' | 'v', TensorMap>;
    return Object.fromEntries(Object.keys(SHAPES).flatMap((n) => [[`p ${n}`, params[n]!], [`z ${n}`, s.z[n]!], [`x ${n}`, s.x[n]!], [`v ${n}`, s.v[n]!]]));
  };
}

/**
 * The first index at which two arrays of float32 values differ bit for bit, or -1
 * (toEqual on two 301,000-element arrays took ~0.4 s; this, milliseconds).
 */
function firstBitDifference(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  const x = new Uint32Array(Float32Array.from(a).buffer);
  const y = new Uint32Array(Float32Array.from(b).buffer);
  return x.findIndex((bits, i) => bits !== y[i]);
}

const plain = () => scheduleFreeAdamw({ lr: 1e-2 });
const decayed = () => scheduleFreeAdamw({ lr: 1e-2, b1: 0.8, warmupSteps: 2, weightDecay: 0.1, decayMask: 'no_bias_norm' });

const CASES: Case[] = [
  ['defaults, updateAndApply', steps(plain, true)],
  ['warmup, b1 0.8, decay but not on the bias, updateAndApply', steps(decayed, true)],
  ['decay, update then applyUpdates', steps(decayed, false)],
];

describe('native schedule-free step', () => {
  it('is registered by the addon', () => {
    expect(typeof loadNativeAddon()?.scheduleFreeStep, 'run `npm run build:native`').toBe('function');
  });

  it.each(CASES.map(([label, run]) => [label, run] as const))('%s matches cpu', (_, run) => compare(run));

  it.each(CASES.map(([label, run]) => [label, run] as const))('%s: the same bits as the elementwise program', async (_, run) => {
    await tf.setBackend('wasm');
    const spy = vi.spyOn(tf.engine(), 'runKernel');
    const fused = tidyArrays(run);
    expect(spy.mock.calls.filter(([name]) => name === SCHEDULE_FREE_KERNEL)).toHaveLength(3 * Object.keys(SHAPES).length);
    spy.mockRestore();
    const config = tf.getKernel(SCHEDULE_FREE_KERNEL, 'wasm')!;
    tf.unregisterKernel(SCHEDULE_FREE_KERNEL, 'wasm');
    try {
      const program = tidyArrays(run);
      for (const [k, values] of Object.entries(program)) expect(firstBitDifference(fused[k]!, values), k).toBe(-1);
    } finally {
      tf.registerKernel(config);
    }
  });

  it('refuses arrays of different lengths with one line naming the fix', () => {
    const f = (n: number) => new Float32Array(n);
    expect(() => loadNativeAddon()!.scheduleFreeStep!(f(4), f(4), f(3), f(4), f(4), f(4), f(4), f(4), f(4), new Float64Array(11))).toThrow(/gradient's length/);
  });
});
