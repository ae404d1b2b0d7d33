/**
 * The native AdamP kernel (ADAMP_KERNEL, harness/spec.ts; kernels_dots.ts,
 * src/adam_dots.cc), which the kit's `scaleByAdamP` runs for a projectable weight: m', v'
 * and the update u bit for bit as ADAM_MOMENTS_DOTS_KERNEL's per-column form gives them,
 * and the per-channel factor against the spec's formula computed here in float64 from
 * the same float32 inputs (the per-column sums ⟨g, W⟩, ‖g‖², ‖W‖², ⟨W, u⟩ of float64 m',
 * v', u), to 1e-4 of the largest bound ‖W‖‖u‖/(‖W‖ + eps)² of a channel's (or the layer's) factor, on odd shapes (rows not a multiple of 8, columns
 * not of 256, one row, one column, a conv kernel's last axis, sizes split between
 * threads), in each branch (the channel view, the layer view, none; the thresholds are
 * set so that the branch cannot flip by rounding), with and without weight decay, with
 * NAdam's look-ahead; with `step`, the step u + p·factor bit for bit as the float32
 * product and sum of the same call's u and factor; bad input refused in one line.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../harness/backends/native/addon.ts';
import { dotsKernelConfigs } from '../../harness/backends/native/kernels_dots.ts';
import { selectBackend } from '../../harness/backends/select.ts';
import { ADAM_MOMENTS_DOTS_KERNEL, ADAMP_KERNEL } from '../../harness/spec.ts';

beforeAll(async () => {
  await selectBackend('wasm');
});

interface Coefficients { b1: number; b2: number; eps: number; t: number; look?: { m: number; g: number } }

const SHAPES: [string, number[]][] = [
  ['[37, 13] (rows not a multiple of 8)', [37, 13]],
  ['[1000, 300] (a 256-column block and 44; threads)', [1000, 300]],
  ['[1, 1031] (one row)', [1, 1031]],
  ['[517, 1] (one column)', [517, 1]],
  ['[4099, 33] (threads, tail rows)', [4099, 33]],
  ['[2, 3, 5, 6] (a conv kernel, per last axis)', [2, 3, 5, 6]],
];

type Branch = 'channel' | 'layer' | 'none';
// |cos| ≤ 1 is always under 2 and never under 0: the branch is fixed whatever the rounding.
const THRESHOLDS: Record<Branch, [number, number]> = { channel: [2, 0], layer: [0, 2], none: [0, 0] };

/** The factor per channel from the spec's formula, in float64 from float32 inputs. */
function referenceFactor(g: Float32Array, m: Float32Array, v: Float32Array, p: Float32Array, columns: number, k: Coefficients, branch: Branch, eps: number, wdRatio: number, wd: number) {
  const c1 = 1 - k.b1 ** k.t, c2 = 1 - k.b2 ** k.t;
  const pu = new Float64Array(columns), pp = new Float64Array(columns), uu = new Float64Array(columns);
  for (let i = 0; i < g.length; i++) {
    const mo = k.b1 * m[i]! + (1 - k.b1) * g[i]!;
    const vo = k.b2 * v[i]! + (1 - k.b2) * g[i]! * g[i]!;
    const mhat = k.look ? k.look.m * mo + k.look.g * g[i]! : mo / c1;
    const u = mhat / (Math.sqrt(vo / c2) + eps);
    const c = i % columns;
    pu[c] = pu[c]! + p[i]! * u;
    pp[c] = pp[c]! + p[i]! * p[i]!;
    uu[c] = uu[c]! + u * u;
  }
  const sum = (x: Float64Array) => x.reduce((s, y) => s + y, 0);
  const layerK = sum(pu) / (Math.sqrt(sum(pp)) + eps) ** 2;
  const ratio = branch === 'none' ? 1 : wdRatio;
  const factor = Array.from({ length: columns }, (_, c) => {
    const radial = branch === 'channel' ? pu[c]! / (Math.sqrt(pp[c]!) + eps) ** 2 : branch === 'layer' ? layerK : 0;
    return ratio * wd - radial;
  });
  // ⟨W, u⟩ may cancel to near 0: its error is relative to ‖W‖‖u‖, so the factor's to ‖W‖‖u‖/(‖W‖ + eps)² (and the decay).
  const bound = (u2: number, p2: number) => Math.sqrt(u2 * p2) / (Math.sqrt(p2) + eps) ** 2;
  const scale = Math.max(ratio * wd, ...(branch === 'layer' ? [bound(sum(uu), sum(pp))] : Array.from(uu, (u2, c) => bound(u2, pp[c]!))));
  return { factor, scale };
}

describe('native AdamP step (Adam, channel sums, branch and factor in one kernel)', () => {
  it('is registered by the addon', () => {
    expect(typeof loadNativeAddon()?.adampColumnStep, 'run `npm run build:native`').toBe('function');
    expect(tf.getKernel(ADAMP_KERNEL, 'wasm')).toBeDefined();
  });

  const ks: [string, Coefficients][] = [
    ['Adam, step 3', { b1: 0.9, b2: 0.999, eps: 1e-8, t: 3 }],
    ['NAdam look-ahead, step 1, large eps', { b1: 0.8, b2: 0.99, eps: 1e-2, t: 1, look: { m: 0.8 / 0.2, g: 0.2 / 0.2 } }],
  ];
  const run = (shape: number[], k: Coefficients, projection: number[], seed: number) => {
    const [g, m, v, p] = [1, 2, 3, 4].map((s) => tf.randomNormal(shape, s === 4 ? 0.3 : 0, s === 3 ? 1 : 0.5, 'float32', seed + s));
    const vPos = tf.abs(v!);
    const c1 = 1 - k.b1 ** k.t, c2 = 1 - k.b2 ** k.t;
    const coefficients = [k.b1, 1 - k.b1, k.b2, 1 - k.b2, k.eps, c1, c2, k.look ? 1 : 0, k.look?.m ?? 0, k.look?.g ?? 0];
    const columns = shape[shape.length - 1]!;
    const out = tf.engine().runKernel(ADAMP_KERNEL, { g: g!, m: m!, v: vPos, p: p! }, { coefficients, columns, projection } as never) as tf.Tensor[];
    return { g: g!, m: m!, v: vPos, p: p!, coefficients, columns, out };
  };
  const d = (t: tf.Tensor) => t.dataSync() as Float32Array;

  for (const [kl, k] of ks) {
    for (const branch of ['channel', 'layer', 'none'] as const) {
      for (const wd of [0, 0.05]) {
        it.each(SHAPES)(`${kl}, ${branch} view, wd ${wd}: %s gives the spec's factor`, (_, shape) => {
          tf.tidy(() => {
            const wdRatio = 0.3;
            const { g, m, v, p, columns, out } = run(shape, k, [...THRESHOLDS[branch], k.eps, wdRatio, wd], 130);
            expect(out.map((t) => t.shape)).toEqual([shape, shape, shape, [columns]]);
            const { factor: want, scale } = referenceFactor(d(g), d(m), d(v), d(p), columns, k, branch, k.eps, wdRatio, wd);
            const got = d(out[3]!);
            for (let c = 0; c < columns; c++) expect(Math.abs(got[c]! - want[c]!) / Math.max(1e-30, scale), `channel ${c}`).toBeLessThan(1e-4);
          });
        });
      }
    }

    // AdamP's moments must not depend on which path ran: the kernel's m', v', u are the per-column form's.
    it.each(SHAPES)(`${kl}: %s gives ADAM_MOMENTS_DOTS_KERNEL's m', v' and u bit for bit`, (_, shape) => {
      tf.tidy(() => {
        const { g, m, v, p, coefficients, columns, out } = run(shape, k, [0.01, 0.001, k.eps, 0.1, 0], 150);
        const ref = tf.engine().runKernel(ADAM_MOMENTS_DOTS_KERNEL, { g, m, v, p }, { coefficients, columns, pairs: [0, 1, 0, 0, 1, 1, 1, 2] } as never) as tf.Tensor[];
        for (const [i, name] of ["m'", "v'", 'u'].entries()) {
          const a = d(out[i]!);
          const b = d(ref[i]!);
          expect(a.findIndex((x, j) => !Object.is(x, b[j])), `${name}: first element that differs`).toBe(-1);
        }
      });
    });
  }

  // With `step`, the third output is AdamP's step u + p·factor: per element the float32 product, then the float32 sum.
  it.each(SHAPES)('with step: %s gives u + p·factor in float32 ops, and the same m\', v\' and factor', (_, shape) => {
    tf.tidy(() => {
      const k = ks[0]![1];
      for (const [branch, wd] of [['channel', 0], ['layer', 0.05], ['none', 0.05]] as const) {
        const projection = [...THRESHOLDS[branch], k.eps, 0.3, wd];
        const { g, m, v, p, coefficients, columns, out } = run(shape, k, projection, 170);
        const stepped = tf.engine().runKernel(ADAMP_KERNEL, { g, m, v, p }, { coefficients, columns, projection, step: true } as never) as tf.Tensor[];
        expect(stepped.map((t) => t.shape)).toEqual([shape, shape, shape, [columns]]);
        for (const i of [0, 1, 3]) {
          const a = d(stepped[i]!), b = d(out[i]!);
          expect(a.findIndex((x, j) => !Object.is(x, b[j])), `${branch}: output ${i}, first element that differs`).toBe(-1);
        }
        const [u, w, factor, got] = [d(out[2]!), d(p), d(out[3]!), d(stepped[2]!)];
        const f = Math.fround;
        const bad = got.findIndex((x, i) => !Object.is(x, f(u[i]! + f(w[i]! * factor[i % columns]!))));
        expect(bad, `${branch}: first element of the step that differs`).toBe(-1);
      }
    });
  });

  // An addon built before adampStep: the kernel glue takes the step itself, with the same bits.
  it('with step, on an addon without adampStep, gives the same outputs as with it', () => {
    const real = loadNativeAddon()! as unknown as Record<string, unknown>;
    const stale = Object.fromEntries(Object.getOwnPropertyNames(real).filter((n) => n !== 'adampStep').map((n) => [n, real[n]]));
    const config = dotsKernelConfigs(stale as never).find((c) => c.kernelName === ADAMP_KERNEL)!;
    const current = tf.getKernel(ADAMP_KERNEL, 'wasm')!;
    tf.tidy(() => {
      const k = ks[0]![1];
      const shape = [1000, 300];
      const projection = [...THRESHOLDS.channel, k.eps, 0.3, 0.05];
      const { g, m, v, p, coefficients, columns } = run(shape, k, projection, 190);
      const attrs = { coefficients, columns, projection, step: true } as never;
      const want = tf.engine().runKernel(ADAMP_KERNEL, { g, m, v, p }, attrs) as tf.Tensor[];
      tf.unregisterKernel(ADAMP_KERNEL, 'wasm');
      tf.registerKernel(config);
      try {
        const got = tf.engine().runKernel(ADAMP_KERNEL, { g, m, v, p }, attrs) as tf.Tensor[];
        for (const i of [0, 1, 2, 3]) {
          const a = d(got[i]!), b = d(want[i]!);
          expect(a.findIndex((x, j) => !Object.is(x, b[j])), `output ${i}: first element that differs`).toBe(-1);
        }
      } finally {
        tf.unregisterKernel(ADAMP_KERNEL, 'wasm');
        tf.registerKernel(current);
      }
    });
  });

  it('refuses bad input in one line', () => {
    const x = tf.zeros([6, 4]);
    const coefficients = [0.9, 0.1, 0.999, 0.001, 1e-8, 1, 1, 0, 0, 0];
    const call = (attrs: object) => () => tf.engine().runKernel(ADAMP_KERNEL, { g: x, m: x, v: x, p: x }, { coefficients, ...attrs } as never);
    expect(call({ columns: 5, projection: [0.1, 0.1, 1e-8, 0.1, 0] })).toThrow(/divisor/);
    expect(call({ columns: 4, projection: [0.1, 0.1] })).toThrow(/projection must be 5 numbers/);
    const y = tf.zeros([5, 4]);
    expect(() => tf.engine().runKernel(ADAMP_KERNEL, { g: x, m: x, v: x, p: y }, { coefficients, columns: 4, projection: [0.1, 0.1, 1e-8, 0.1, 0] } as never)).toThrow(/one size/);
    tf.dispose([x, y]);
  });
});
