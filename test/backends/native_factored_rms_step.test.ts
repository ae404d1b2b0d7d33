/**
 * The native step of `scaleByFactoredRms` for every parameter in one call
 * (FACTORED_RMS_STEP_KERNEL, harness/spec.ts; kernels_factored.ts, src/factored_rms.cc):
 * - the kernel against Adafactor's formulas (Shazeer & Stern 2018, optax's
 *   scale_by_factored_rms, clip_by_block_rms and scale_by_param_block_rms) computed here
 *   in float64 from the same float32 inputs, to 1e-4 relative: factored matrices with the
 *   row state over either axis, full averages (vectors, a scalar, one over 2^16 elements
 *   for the sums' chunk grid), a set large enough to be split between threads, and each
 *   combination of clipping and relative step size;
 * - the kit's transformation through the kernel against the same transformation with the
 *   kernel unregistered (FACTORED_RMS_KERNEL per matrix and an elementwise program per
 *   other parameter): updates and states bit for bit over several steps, wherever both
 *   paths sum in the same order (see the case list);
 * - bad input refused in one line.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../harness/backends/native/addon.ts';
import { selectBackend } from '../../harness/backends/select.ts';
import { FACTORED_RMS_KERNEL, FACTORED_RMS_STEP_KERNEL, type TensorMap } from '../../harness/spec.ts';
import { materialize } from '../../submissions/kit/elementwise.ts';
import { scaleByFactoredRms, type FactoredRmsOptions } from '../../submissions/kit/transforms/factored_rms.ts';

beforeAll(async () => {
  await selectBackend('wasm');
});

/** A small deterministic generator (LCG), so the values do not depend on any tfjs RNG. */
function values(n: number, seed: number, scale: number, positive = false): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const x = (s / 2 ** 32) * 2 - 1;
    return Math.fround((positive ? Math.abs(x) + 0.05 : x) * scale);
  });
}

interface Param { rows: number; cols: number; d0: 0 | 1 | -1 }
interface Options { beta: number; eps: number; clip: number; paramScale?: number }

/** The rule in float64 for one parameter: new states, u and u's factor. */
function reference(q: Param, g: Float32Array, p: Float32Array, s0: Float32Array, s1: Float32Array | undefined, o: Options) {
  const { rows, cols } = q;
  const n = rows * cols;
  const u = new Float64Array(n);
  let states: Float64Array[];
  if (q.d0 === -1) {
    const v = Float64Array.from(s0, (old, i) => o.beta * old + (1 - o.beta) * (g[i]! ** 2 + o.eps));
    v.forEach((x, i) => (u[i] = g[i]! / Math.sqrt(x)));
    states = [v];
  } else {
    const [n0, n1] = q.d0 === 0 ? [rows, cols] : [cols, rows];
    const R = new Float64Array(n1), C = new Float64Array(n0);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const s = g[i * cols + j]! ** 2 + o.eps;
        const [x, y] = q.d0 === 0 ? [j, i] : [i, j];
        R[x] = R[x]! + s / n0;
        C[y] = C[y]! + s / n1;
      }
    }
    const row = R.map((r, x) => o.beta * s0[x]! + (1 - o.beta) * r);
    const col = C.map((c, y) => o.beta * s1![y]! + (1 - o.beta) * c);
    const mean = row.reduce((a, b) => a + b, 0) / n1;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const [x, y] = q.d0 === 0 ? [j, i] : [i, j];
        u[i * cols + j] = g[i * cols + j]! / Math.sqrt(row[x]! / mean) / Math.sqrt(col[y]!);
      }
    }
    states = [row, col];
  }
  const rms = (x: ArrayLike<number>) => Math.sqrt(Array.from(x).reduce((a, b) => a + b * b, 0) / n);
  const den = Number.isFinite(o.clip) ? Math.max(rms(u) / o.clip, 1) : 1;
  const scale = o.paramScale === undefined ? 1 : Math.max(rms(p), o.paramScale);
  return { states, u, factor: scale / den };
}

function worst(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let w = 0;
  for (let i = 0; i < expected.length; i++) w = Math.max(w, Math.abs(actual[i]! - expected[i]!) / Math.max(1e-30, Math.abs(expected[i]!)));
  return w;
}

const SETS: [string, Param[]][] = [
  ['small: [1, 1], [3, 5] over axis 1, [13, 7] over axis 0, a vector of 29, a scalar', [
    { rows: 1, cols: 1, d0: 0 }, { rows: 3, cols: 5, d0: 1 }, { rows: 13, cols: 7, d0: 0 }, { rows: 1, cols: 29, d0: -1 }, { rows: 1, cols: 1, d0: -1 },
  ]],
  ['threads: [333, 777] over axis 1, [1000, 37] over axis 0, [129, 127], a vector of 2^16 + 5', [
    { rows: 333, cols: 777, d0: 1 }, { rows: 1000, cols: 37, d0: 0 }, { rows: 129, cols: 127, d0: 1 }, { rows: 1, cols: 65541, d0: -1 },
  ]],
];

const OPTIONS: [string, Options][] = [
  ['clipping and relative step size', { beta: 0.75, eps: 1e-3, clip: 0.5, paramScale: 1e-3 }],
  ['clipping only', { beta: 0.5, eps: 1e-30, clip: 0.8 }],
  ['relative step size only (a floor above RMS(p) on some)', { beta: 0.9, eps: 1e-30, clip: Infinity, paramScale: 0.7 }],
  ['neither (factor 1)', { beta: 0, eps: 1e-30, clip: Infinity }],
];

describe('native factored RMS step (Adafactor, every parameter in one call)', () => {
  it('is registered by the addon', () => {
    expect(typeof loadNativeAddon()?.factoredRmsStep, 'run `npm run build:native`').toBe('function');
    expect(tf.getKernel(FACTORED_RMS_STEP_KERNEL, 'wasm')).toBeDefined();
  });

  for (const [label, o] of OPTIONS) {
    it.each(SETS)(`${label}: %s matches the float64 formulas`, (_, set) => {
      tf.tidy(() => {
        const inputs: Record<string, tf.Tensor> = {};
        const data = set.map((q, i) => {
          const n = q.rows * q.cols;
          const [n0, n1] = q.d0 === 0 ? [q.rows, q.cols] : [q.cols, q.rows];
          const g = values(n, 10 + i, 0.5);
          const p = values(n, 20 + i, i % 2 === 0 ? 2 : 0.1);
          const s0 = values(q.d0 === -1 ? n : n1, 30 + i, 0.3, true);
          const s1 = q.d0 === -1 ? undefined : values(n0, 40 + i, 0.3, true);
          inputs[`g${i}`] = tf.tensor(g, q.d0 === -1 ? (n === 1 ? [] : [n]) : [q.rows, q.cols]);
          if (o.paramScale !== undefined) inputs[`p${i}`] = tf.tensor(p, inputs[`g${i}`]!.shape);
          if (q.d0 === -1) inputs[`v${i}`] = tf.tensor(s0, inputs[`g${i}`]!.shape);
          else [inputs[`r${i}`], inputs[`c${i}`]] = [tf.tensor(s0), tf.tensor(s1!)];
          return { g, p, s0, s1 };
        });
        const attrs = { count: set.length, d0s: set.map((q) => q.d0), beta: o.beta, eps: o.eps, clip: o.clip, ...(o.paramScale !== undefined ? { paramScale: o.paramScale } : {}) };
        const out = tf.engine().runKernel(FACTORED_RMS_STEP_KERNEL, inputs, attrs as never) as tf.Tensor[];
        let at = 0;
        set.forEach((q, i) => {
          const { g, p, s0, s1 } = data[i]!;
          const ref = reference(q, g, p, s0, s1, o);
          for (const [k, expected] of ref.states.entries()) expect(worst(out[at++]!.dataSync(), expected), `parameter ${i}, state ${k}`).toBeLessThan(1e-4);
          const u = out[at++]!;
          expect(u.shape, `parameter ${i}: u has g's shape`).toEqual(inputs[`g${i}`]!.shape);
          expect(worst(u.dataSync(), ref.u), `parameter ${i}, u`).toBeLessThan(1e-4);
          const factor = out[at++]!;
          expect(factor.shape).toEqual([]);
          expect(worst(factor.dataSync(), [ref.factor]), `parameter ${i}, factor`).toBeLessThan(1e-4);
        });
        expect(at).toBe(out.length);
      });
    });
  }

  it('refuses a state of the wrong length and a bad d0 in one line each', () => {
    tf.tidy(() => {
      const g0 = tf.zeros([4, 6]);
      const run = (inputs: Record<string, tf.Tensor>, d0s: number[]) => () =>
        tf.engine().runKernel(FACTORED_RMS_STEP_KERNEL, inputs, { count: d0s.length, d0s, beta: 0.5, eps: 0, clip: 1 } as never);
      expect(run({ g0, r0: tf.zeros([4]), c0: tf.zeros([4]) }, [0])).toThrow(/parameter 0 \(g \[4,6\]\) needs float32 r0 of 6 and c0 of 4 elements$/);
      expect(run({ g0, v0: tf.zeros([24]) }, [2])).toThrow(/d0s\[0\] 0, 1 or -1/);
    });
  });
});

describe('scaleByFactoredRms through the step kernel', () => {
  // The kernel is taken away for the per-parameter path and put back after each case.
  const config = () => tf.getKernel(FACTORED_RMS_STEP_KERNEL, 'wasm')!;
  let saved: tf.KernelConfig | undefined;
  beforeAll(() => {
    saved = config();
  });
  afterAll(() => {
    if (tf.getKernel(FACTORED_RMS_STEP_KERNEL, 'wasm') === undefined && saved !== undefined) tf.registerKernel(saved);
  });

  /** Odd shapes: both row axes, a vector, a scalar, a factored rank-3 tensor (the per-parameter path), a vector over 2^16. */
  const SHAPES: Record<string, number[]> = { a: [37, 23], b: [19, 45], v: [29], s: [], k: [3, 5, 7], big: [65541] };

  function steps(options: FactoredRmsOptions, withKernel: boolean, count = 3): Record<string, Float32Array> {
    if (!withKernel) tf.unregisterKernel(FACTORED_RMS_STEP_KERNEL, 'wasm');
    try {
      return tf.tidy(() => {
        const t = scaleByFactoredRms(options);
        const names = Object.keys(SHAPES);
        const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
        const params: TensorMap = Object.fromEntries(names.map((n, i) => [n, tf.tensor(values(size(SHAPES[n]!), 50 + i, i % 2 === 0 ? 1 : 1e-4), SHAPES[n])]));
        let state = t.init(params);
        const seen: Record<string, Float32Array> = {};
        for (let step = 0; step < count; step++) {
          const grads: TensorMap = Object.fromEntries(names.map((n, i) => [n, tf.tensor(values(size(SHAPES[n]!), 100 * step + i, 0.01 * (i + 1)), SHAPES[n])]));
          const out = t.update(grads, state, params, { types: {} });
          const done = materialize<{ updates: TensorMap; state: typeof state }>({ updates: out.updates, state: out.state });
          state = done.state;
          for (const n of names) seen[`step ${step} update ${n}`] = done.updates[n]!.dataSync() as Float32Array;
          for (const [k, map] of Object.entries(state)) {
            if (typeof map === 'number') continue;
            for (const [n, x] of Object.entries(map as TensorMap)) seen[`step ${step} ${k} ${n}`] = x.dataSync() as Float32Array;
          }
        }
        return seen;
      });
    } finally {
      if (tf.getKernel(FACTORED_RMS_STEP_KERNEL, 'wasm') === undefined) tf.registerKernel(saved!);
    }
  }

  // Where both paths sum alike: the per-parameter path takes a vector's Σp² from the dots
  // kernel when it takes no Σu² in the same pass, so 'relative step size only' is left out.
  const CASES: [string, FactoredRmsOptions][] = [
    ["Adafactor's (clipping 1, relative step size 1e-3)", { clipThreshold: 1, paramScale: 1e-3 }],
    ['clipping only (0.5), eps 1e-3', { clipThreshold: 0.5, eps: 1e-3 }],
    ['neither, decay rate 0.5', { decayRate: 0.5 }],
  ];

  it.each(CASES)('%s: updates and states bit for bit as the per-parameter path, 3 steps', (_, options) => {
    expect(FACTORED_RMS_KERNEL).toBeDefined();
    const fused = steps(options, true);
    const plain = steps(options, false);
    expect(Object.keys(fused)).toEqual(Object.keys(plain));
    for (const key of Object.keys(plain)) {
      const [a, b] = [fused[key]!, plain[key]!];
      expect(a.length, key).toBe(b.length);
      expect(a.findIndex((x, i) => !Object.is(x, b[i])), `${key}: first element that differs`).toBe(-1);
    }
  });
});
