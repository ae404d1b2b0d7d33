/**
 * The native Adam-with-sums kernel (ADAM_MOMENTS_DOTS_KERNEL, harness/spec.ts;
 * kernels_dots.ts, src/adam_dots.cc), which LAMB's `scaleByAdamWithNorms` runs: m', v',
 * the update u and Σu², Σu·p, Σp² against the published Adam formulas computed here in
 * float64 from the same float32 inputs, to 1e-4 relative, on odd sizes (one element,
 * under one 128-element group, a 16384-element chunk and a tail, many chunks split
 * between threads), with and without NAdam's look-ahead; bad input refused in one line.
 * The three sums also bit for bit against their documented grid (chunks, lanes, float32
 * group sums, float64 totals) computed here from the kernel's u and p.
 * Its per-column form (AdamP's: `columns` and `pairs` over g, p, u): the same m', v', u and
 * column sums against the float64 formulas to 1e-4, and bit for bit against Adam's kernel
 * then DOTS_KERNEL over (g, p, u), on odd shapes (rows not a multiple of 8, columns not of
 * 256, one row, one column, a conv kernel's last axis, sizes split between threads).
 * Its trust-ratio form (LAMB's `trustRatioDecay`): the ratio ‖p‖/‖u + r·p‖ against the
 * float64 formulas to 1e-4, and 1 where p or the decayed update is 0.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../harness/backends/native/addon.ts';
import { dotsKernelConfigs } from '../../harness/backends/native/kernels_dots.ts';
import { selectBackend } from '../../harness/backends/select.ts';
import { ADAM_MOMENTS_DOTS_KERNEL, ADAM_MOMENTS_KERNEL, DOTS_KERNEL } from '../../harness/spec.ts';

beforeAll(async () => {
  await selectBackend('wasm');
});

interface Coefficients { b1: number; b2: number; eps: number; t: number; look?: { m: number; g: number } }

function reference(g: Float32Array, m: Float32Array, v: Float32Array, p: Float32Array, k: Coefficients) {
  const c1 = 1 - k.b1 ** k.t, c2 = 1 - k.b2 ** k.t;
  const n = g.length;
  const mo = new Float64Array(n), vo = new Float64Array(n), u = new Float64Array(n);
  let uu = 0, up = 0, pp = 0;
  for (let i = 0; i < n; i++) {
    mo[i] = k.b1 * m[i]! + (1 - k.b1) * g[i]!;
    vo[i] = k.b2 * v[i]! + (1 - k.b2) * g[i]! * g[i]!;
    const mhat = k.look ? k.look.m * mo[i]! + k.look.g * g[i]! : mo[i]! / c1;
    u[i] = mhat / (Math.sqrt(vo[i]! / c2) + k.eps);
    uu += u[i]! * u[i]!;
    up += u[i]! * p[i]!;
    pp += p[i]! * p[i]!;
  }
  return { mo, vo, u, sums: [uu, up, pp] };
}

function worst(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let w = 0;
  for (let i = 0; i < expected.length; i++) w = Math.max(w, Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!)));
  return w;
}

const SIZES: [string, number[]][] = [
  ['one element', [1]],
  ['[7, 13] (under one group)', [7, 13]],
  ['[129, 127] (a chunk and a tail)', [129, 127]],
  ['[100003] (many chunks split between threads, odd tail)', [100003]],
  ['[333, 777] (threads, chunks, tail)', [333, 777]],
];

/**
 * Adam's operands on `shape` (g, m, v, p from seeds seed + 1 … seed + 4; v made
 * non-negative, as a second moment always is) and the kernels' 10 coefficients for k.
 */
function adamCase(shape: number[], k: Coefficients, seed: number) {
  const [g, m, v, p] = [1, 2, 3, 4].map((s) => tf.randomNormal(shape, 0, s === 3 ? 1 : 0.5, 'float32', seed + s));
  const c1 = 1 - k.b1 ** k.t, c2 = 1 - k.b2 ** k.t;
  const coefficients = [k.b1, 1 - k.b1, k.b2, 1 - k.b2, k.eps, c1, c2, k.look ? 1 : 0, k.look?.m ?? 0, k.look?.g ?? 0];
  return { g: g!, m: m!, v: tf.abs(v!), p: p!, c1, c2, coefficients };
}

describe('native Adam moments with LAMB sums', () => {
  it('is registered by the addon', () => {
    expect(typeof loadNativeAddon()?.adamMomentsDots, 'run `npm run build:native`').toBe('function');
    expect(tf.getKernel(ADAM_MOMENTS_DOTS_KERNEL, 'wasm')).toBeDefined();
  });

  const ks: [string, Coefficients][] = [
    ['Adam, step 3', { b1: 0.9, b2: 0.999, eps: 1e-6, t: 3 }],
    ['NAdam look-ahead, step 1, large eps', { b1: 0.8, b2: 0.99, eps: 1e-2, t: 1, look: { m: 0.8 / 0.2, g: 0.2 / 0.2 } }],
    // A look-ahead whose g·look_g is not exact in float32 (step 1's look_g is 1), so that a
    // multiply-add fused on one side and not the other shows in the bits.
    ['NAdam look-ahead, step 3', { b1: 0.9, b2: 0.999, eps: 1e-8, t: 3, look: { m: 0.9 / (1 - 0.9 ** 4), g: 0.1 / (1 - 0.9 ** 3) } }],
  ];
  for (const [kl, k] of ks) {
    it.each(SIZES)(`${kl}: %s matches the float64 formulas`, (_, shape) => {
      tf.tidy(() => {
        const { g, m, v: vPos, p, c1, c2, coefficients } = adamCase(shape, k, 50);
        const out = tf.engine().runKernel(ADAM_MOMENTS_DOTS_KERNEL, { g: g!, m: m!, v: vPos, p: p! }, { coefficients } as never) as tf.Tensor[];
        expect(out.map((t) => t.shape)).toEqual([shape, shape, shape, [], [], []]);
        const d = (t: tf.Tensor) => t.dataSync() as Float32Array;
        const ref = reference(d(g!), d(m!), d(vPos), d(p!), k);
        expect(worst(d(out[0]!), ref.mo), "m'").toBeLessThan(1e-4);
        expect(worst(d(out[1]!), ref.vo), "v'").toBeLessThan(1e-4);
        expect(worst(d(out[2]!), ref.u), 'update').toBeLessThan(1e-4);
        const sums = out.slice(3).map((t) => d(t)[0]!);
        for (const [i, name] of ['Σu²', 'Σu·p', 'Σp²'].entries()) {
          // Σu·p relative to ‖u‖‖p‖ (it may be near 0 by cancellation), the squares to themselves.
          const scale = i === 1 ? Math.sqrt(ref.sums[0]! * ref.sums[2]!) : Math.abs(ref.sums[i]!);
          expect(Math.abs(sums[i]! - ref.sums[i]!) / Math.max(1e-30, scale), name).toBeLessThan(1e-4);
        }
      });
    });
  }

  // LAMB's Adam step must be Adam's, bit for bit: a LAMB run and an AdamW run that share
  // their moments must not drift apart by rounding. Both kernels run one shared loop
  // (adam_range, src/elementwise.h); a copy edited on one side fails here.
  for (const [kl, k] of ks) {
    it.each(SIZES)(`${kl}: %s gives the fused Adam kernel's m', v' and u bit for bit`, (_, shape) => {
      tf.tidy(() => {
        const { g, m, v: vPos, p, c1, c2, coefficients } = adamCase(shape, k, 70);
        const withSums = tf.engine().runKernel(ADAM_MOMENTS_DOTS_KERNEL, { g: g!, m: m!, v: vPos, p: p! }, { coefficients } as never) as tf.Tensor[];
        const adam = tf.engine().runKernel(ADAM_MOMENTS_KERNEL, { g: g!, m: m!, v: vPos }, { coefficients } as never) as tf.Tensor[];
        for (const [i, name] of ["m'", "v'", 'u'].entries()) {
          const a = withSums[i]!.dataSync() as Float32Array;
          const b = adam[i]!.dataSync() as Float32Array;
          const differs = a.findIndex((x, j) => !Object.is(x, b[j]));
          expect(differs, `${name}: first element that differs`).toBe(-1);
        }
      });
    });
  }

  // The three sums on their documented grid (src/adam_dots.cc, kChunk/kLanes/kGroup),
  // computed here from the kernel's own u (checked above against Adam's kernel) and p:
  // chunks of 16384 elements; in a chunk, lane l's float32 sum of its products in 8
  // consecutive blocks of 16, added to the lane's float64 total; the chunk's last (under
  // 128) elements' products each straight to lane i % 16; the lanes folded pairwise
  // (l + l + 8, then + 4, + 2, + 1); the chunks' totals added in order, rounded once.
  // Every product rounded to float32 (no multiply-add). Bit for bit: the sums must not
  // depend on how the kernel's loop is arranged (one pass or two, vectors or not).
  function add(lanes: Float64Array[], l: number, ...x: number[]) {
    for (let s = 0; s < 3; s++) lanes[s]![l] = lanes[s]![l]! + x[s]!;
  }
  function gridSums(u: Float32Array, p: Float32Array): [number, number, number] {
    const f = Math.fround;
    const CHUNK = 16384, LANES = 16, GROUP = 8;
    const totals = new Float64Array(3);
    for (let c0 = 0; c0 < u.length; c0 += CHUNK) {
      const c1 = Math.min(u.length, c0 + CHUNK);
      const lanes = [0, 1, 2].map(() => new Float64Array(LANES));
      let i = c0;
      for (; i + LANES * GROUP <= c1; i += LANES * GROUP)
        for (let l = 0; l < LANES; l++) {
          let su = 0, sp = 0, sq = 0;
          for (let j = 0; j < GROUP; j++) {
            const a = u[i + j * LANES + l]!, b = p[i + j * LANES + l]!;
            su = j === 0 ? f(a * a) : f(su + f(a * a));
            sp = j === 0 ? f(a * b) : f(sp + f(a * b));
            sq = j === 0 ? f(b * b) : f(sq + f(b * b));
          }
          add(lanes, l, su, sp, sq);
        }
      for (let l = 0; i < c1; i++, l = (l + 1) % LANES) {
        add(lanes, l, f(u[i]! * u[i]!), f(u[i]! * p[i]!), f(p[i]! * p[i]!));
      }
      for (let s = 0; s < 3; s++) {
        const x = lanes[s]!;
        for (let w = LANES / 2; w >= 1; w /= 2) for (let l = 0; l < w; l++) x[l] = x[l]! + x[l + w]!;
        totals[s] = totals[s]! + x[0]!;
      }
    }
    return [f(totals[0]!), f(totals[1]!), f(totals[2]!)];
  }
  const GRID_SIZES: [string, number[]][] = [
    ...SIZES,
    ['[3, 16384] (whole chunks, no tail)', [3, 16384]],
    ['[16384 + 128·5 + 7] (a chunk, whole groups and a tail)', [16384 + 128 * 5 + 7]],
    ['[1024, 768] (the bench\'s largest weight)', [1024, 768]],
  ];
  for (const [kl, k] of ks) {
    it.each(GRID_SIZES)(`${kl}: %s gives Σu², Σu·p, Σp² on the documented grid bit for bit`, (_, shape) => {
      tf.tidy(() => {
        const { g, m, v: vPos, p, c1, c2, coefficients } = adamCase(shape, k, 190);
        const out = tf.engine().runKernel(ADAM_MOMENTS_DOTS_KERNEL, { g: g!, m: m!, v: vPos, p: p! }, { coefficients } as never) as tf.Tensor[];
        const want = gridSums(out[2]!.dataSync() as Float32Array, p!.dataSync() as Float32Array);
        const got = out.slice(3).map((t) => (t.dataSync() as Float32Array)[0]!);
        expect(got).toEqual(want);
      });
    });
  }

  // AdamP's pairs over (0 g, 1 p, 2 u): ⟨g, p⟩, ‖g‖², ‖p‖², ⟨p, u⟩ per column.
  const PAIRS = [[0, 1], [0, 0], [1, 1], [1, 2]] as const;
  const COLUMN_SHAPES: [string, number[]][] = [
    ['[37, 13] (rows not a multiple of 8)', [37, 13]],
    ['[1000, 300] (a 256-column block and 44; threads)', [1000, 300]],
    ['[1, 1031] (one row)', [1, 1031]],
    ['[517, 1] (one column)', [517, 1]],
    ['[4099, 33] (threads, tail rows)', [4099, 33]],
    ['[2, 3, 5, 6] (a conv kernel, per last axis)', [2, 3, 5, 6]],
  ];
  const columnsRun = (shape: number[], k: Coefficients, seed: number) => {
    const { g, m, v: vPos, p, c1, c2, coefficients } = adamCase(shape, k, seed);
    const columns = shape[shape.length - 1]!;
    const out = tf.engine().runKernel(ADAM_MOMENTS_DOTS_KERNEL, { g: g!, m: m!, v: vPos, p: p! }, { coefficients, columns, pairs: PAIRS.flat() } as never) as tf.Tensor[];
    return { g: g!, m: m!, v: vPos, p: p!, coefficients, columns, out };
  };

  for (const [kl, k] of ks) {
    it.each(COLUMN_SHAPES)(`per column, ${kl}: %s matches the float64 formulas`, (_, shape) => {
      tf.tidy(() => {
        const { g, m, v, p, columns, out } = columnsRun(shape, k, 90);
        expect(out.map((t) => t.shape)).toEqual([shape, shape, shape, [columns], [columns], [columns], [columns]]);
        const d = (t: tf.Tensor) => t.dataSync() as Float32Array;
        const ref = reference(d(g), d(m), d(v), d(p), k);
        expect(worst(d(out[0]!), ref.mo), "m'").toBeLessThan(1e-4);
        expect(worst(d(out[1]!), ref.vo), "v'").toBeLessThan(1e-4);
        expect(worst(d(out[2]!), ref.u), 'update').toBeLessThan(1e-4);
        // Column sums in float64 from the float64 formulas' u.
        const xs = [Float64Array.from(d(g)), Float64Array.from(d(p)), ref.u];
        const rows = g.size / columns;
        const sum = (a: Float64Array, b: Float64Array, c: number) => {
          let s = 0;
          for (let r = 0; r < rows; r++) s += a[r * columns + c]! * b[r * columns + c]!;
          return s;
        };
        for (const [q, [a, b]] of PAIRS.entries()) {
          const got = d(out[3 + q]!);
          for (let c = 0; c < columns; c++) {
            const want = sum(xs[a]!, xs[b]!, c);
            // A cross term relative to the norms it is bounded by (it may cancel to near 0).
            const scale = Math.sqrt(sum(xs[a]!, xs[a]!, c) * sum(xs[b]!, xs[b]!, c));
            expect(Math.abs(got[c]! - want) / Math.max(1e-30, scale), `pair ${q} column ${c}`).toBeLessThan(1e-4);
          }
        }
      });
    });

    // The one pass is Adam's kernel then the dots kernel, fused: AdamP's results must not depend on which ran.
    it.each(COLUMN_SHAPES)(`per column, ${kl}: %s gives Adam's kernel then DOTS_KERNEL's bits`, (_, shape) => {
      tf.tidy(() => {
        const { g, m, v, p, coefficients, columns, out } = columnsRun(shape, k, 110);
        const adam = tf.engine().runKernel(ADAM_MOMENTS_KERNEL, { g, m, v }, { coefficients } as never) as tf.Tensor[];
        const sums = tf.engine().runKernel(DOTS_KERNEL, { x0: g, x1: p, x2: adam[2]! }, { pairs: PAIRS.flat(), columns } as never) as tf.Tensor[];
        for (const [i, name] of ["m'", "v'", 'u', ...PAIRS.map((q) => `pair ${q}`)].entries()) {
          const a = out[i]!.dataSync() as Float32Array;
          const b = (i < 3 ? adam[i]! : sums[i - 3]!).dataSync() as Float32Array;
          const differs = a.findIndex((x, j) => !Object.is(x, b[j]));
          expect(differs, `${name}: first element that differs`).toBe(-1);
        }
      });
    });
  }

  it('refuses a bad per-column form in one line', () => {
    const x = tf.zeros([6, 4]);
    const coefficients = [0.9, 0.1, 0.999, 0.001, 1e-8, 1, 1, 0, 0, 0];
    const run = (attrs: object) => () => tf.engine().runKernel(ADAM_MOMENTS_DOTS_KERNEL, { g: x, m: x, v: x, p: x }, { coefficients, ...attrs } as never);
    expect(run({ columns: 5, pairs: [0, 1] })).toThrow(/divisor/);
    expect(run({ columns: 4, pairs: [0, 3] })).toThrow(/two by two/);
    expect(run({ columns: 4, pairs: [0] })).toThrow(/two by two/);
    tf.dispose(x);
  });

  // LAMB's form with its trust ratio (`trustRatioDecay`): ‖p‖/‖u + r·p‖ of the float64 formulas' u.
  for (const r of [0, 0.01, 0.3]) {
    it.each(SIZES)(`trust ratio with decay ${r}: %s matches ‖p‖/‖u + r·p‖ in float64`, (_, shape) => {
      tf.tidy(() => {
        const k: Coefficients = { b1: 0.9, b2: 0.999, eps: 1e-6, t: 3 };
        const [g, m, v, p] = [1, 2, 3, 4].map((s) => tf.randomNormal(shape, 0, s === 3 ? 1 : 0.5, 'float32', 170 + s));
        const vPos = tf.abs(v!);
        const coefficients = [k.b1, 1 - k.b1, k.b2, 1 - k.b2, k.eps, 1 - k.b1 ** k.t, 1 - k.b2 ** k.t, 0, 0, 0];
        const out = tf.engine().runKernel(ADAM_MOMENTS_DOTS_KERNEL, { g: g!, m: m!, v: vPos, p: p! }, { coefficients, trustRatioDecay: r } as never) as tf.Tensor[];
        expect(out.map((t) => t.shape)).toEqual([shape, shape, shape, []]);
        const d = (t: tf.Tensor) => t.dataSync() as Float32Array;
        const ref = reference(d(g!), d(m!), d(vPos), d(p!), k);
        const pv = d(p!);
        let dd = 0, pp = 0;
        for (let i = 0; i < pv.length; i++) {
          dd += (ref.u[i]! + r * pv[i]!) ** 2;
          pp += pv[i]! ** 2;
        }
        const want = Math.sqrt(pp) / Math.sqrt(dd);
        expect(Math.abs(d(out[3]!)[0]! - want) / want).toBeLessThan(1e-4);
        expect(worst(d(out[2]!), ref.u), 'update').toBeLessThan(1e-4);
      });
    });
  }

  // The form for several tensors (`count`, `trustRatioDecays`; LAMB's step of every
  // parameter in one call): each tensor's m', v', u and ratio bit for bit as its own call
  // gives them; tensors of odd sizes, one under a group, one empty-tailed, a total above
  // the threaded threshold, each with its own decay (0 for one).
  const MANY: number[][] = [[333, 777], [7], [16384], [100003], [1], [129, 127]];
  const manyRun = (decays: number[], seed: number) => {
    const k: Coefficients = { b1: 0.9, b2: 0.999, eps: 1e-6, t: 4 };
    const coefficients = [k.b1, 1 - k.b1, k.b2, 1 - k.b2, k.eps, 1 - k.b1 ** k.t, 1 - k.b2 ** k.t, 0, 0, 0];
    const xs = MANY.map((shape, i) => {
      const [g, m, v, p] = [1, 2, 3, 4].map((s) => tf.randomNormal(shape, 0, s === 3 ? 1 : 0.5, 'float32', seed + 10 * i + s));
      return { g: g!, m: m!, v: tf.abs(v!), p: p! };
    });
    const inputs: Record<string, tf.Tensor> = {};
    xs.forEach((x, i) => Object.assign(inputs, { [`g${i}`]: x.g, [`m${i}`]: x.m, [`v${i}`]: x.v, [`p${i}`]: x.p }));
    const single = xs.map((x, i) => tf.engine().runKernel(ADAM_MOMENTS_DOTS_KERNEL, x, { coefficients, trustRatioDecay: decays[i]! } as never) as tf.Tensor[]);
    return { inputs, coefficients, single };
  };
  const sameBits = (got: tf.Tensor[], single: tf.Tensor[][]) => {
    expect(got.length).toBe(4 * single.length);
    single.forEach((want, i) => {
      for (const [j, name] of ["m'", "v'", 'u', 'ratio'].entries()) {
        const a = got[4 * i + j]!.dataSync() as Float32Array, b = want[j]!.dataSync() as Float32Array;
        expect(got[4 * i + j]!.shape, `tensor ${i} ${name} shape`).toEqual(want[j]!.shape);
        expect(a.findIndex((x, e) => !Object.is(x, b[e])), `tensor ${i} ${name}: first element that differs`).toBe(-1);
      }
    });
  };
  it('several tensors in one call give each tensor\'s own call\'s bits', () => {
    tf.tidy(() => {
      const decays = [0.01, 0, 0.3, 0.05, 0.01, 0.2];
      const { inputs, coefficients, single } = manyRun(decays, 300);
      const got = tf.engine().runKernel(ADAM_MOMENTS_DOTS_KERNEL, inputs, { coefficients, count: MANY.length, trustRatioDecays: decays } as never) as tf.Tensor[];
      sameBits(got, single);
    });
  });

  it('several tensors on an addon without adamMomentsDotsMany give the same bits', () => {
    const real = loadNativeAddon()! as unknown as Record<string, unknown>;
    const stale = Object.fromEntries(Object.getOwnPropertyNames(real).filter((n) => n !== 'adamMomentsDotsMany').map((n) => [n, real[n]]));
    const config = dotsKernelConfigs(stale as never).find((c) => c.kernelName === ADAM_MOMENTS_DOTS_KERNEL)!;
    const current = tf.getKernel(ADAM_MOMENTS_DOTS_KERNEL, 'wasm')!;
    tf.tidy(() => {
      const decays = [0, 0.01, 0.01, 0.02, 0, 0.1];
      const { inputs, coefficients, single } = manyRun(decays, 400);
      tf.unregisterKernel(ADAM_MOMENTS_DOTS_KERNEL, 'wasm');
      tf.registerKernel(config);
      try {
        const got = tf.engine().runKernel(ADAM_MOMENTS_DOTS_KERNEL, inputs, { coefficients, count: MANY.length, trustRatioDecays: decays } as never) as tf.Tensor[];
        sameBits(got, single);
      } finally {
        tf.unregisterKernel(ADAM_MOMENTS_DOTS_KERNEL, 'wasm');
        tf.registerKernel(current);
      }
    });
  });

  it('refuses a bad several-tensor form in one line', () => {
    const x = tf.zeros([6]);
    const y = tf.zeros([5]);
    const coefficients = [0.9, 0.1, 0.999, 0.001, 1e-8, 1, 1, 0, 0, 0];
    const run = (inputs: Record<string, tf.Tensor>, attrs: object) => () => tf.engine().runKernel(ADAM_MOMENTS_DOTS_KERNEL, inputs, { coefficients, ...attrs } as never);
    const two = { g0: x, m0: x, v0: x, p0: x, g1: y, m1: y, v1: y, p1: y };
    expect(run(two, { count: 2, trustRatioDecays: [0.1] })).toThrow(/trustRatioDecays must be 2 finite numbers/);
    expect(run(two, { count: 2, trustRatioDecays: [0.1, Number.NaN] })).toThrow(/trustRatioDecays must be 2 finite numbers/);
    expect(run(two, { count: 0, trustRatioDecays: [] })).toThrow(/count must be a positive integer/);
    expect(run({ ...two, p1: x }, { count: 2, trustRatioDecays: [0.1, 0.1] })).toThrow(/g1, m1, v1, p1 must be float32 tensors of one size/);
    expect(run({ g0: x, m0: x, v0: x }, { count: 1, trustRatioDecays: [0.1] })).toThrow(/g0, m0, v0, p0 must be float32/);
    tf.dispose([x, y]);
  });

  it('adamMomentsDotsMany refuses mismatched lists in one line', () => {
    const addon = loadNativeAddon()!;
    const a = new Float32Array(4), b = new Float32Array(3);
    const c = new Float64Array(10);
    expect(() => addon.adamMomentsDotsMany!([a], [a], [a], [a], [a], [a], [], new Float32Array(3), c)).toThrow(/adamMomentsDotsMany: .*one array per tensor/);
    expect(() => addon.adamMomentsDotsMany!([a], [a], [a], [b], [a], [a], [a], new Float32Array(3), c)).toThrow(/adamMomentsDotsMany: .*one length/);
    expect(() => addon.adamMomentsDotsMany!([a], [a], [a], [a], [a], [a], [a], new Float32Array(2), c)).toThrow(/adamMomentsDotsMany: sums must hold 3 floats per tensor/);
  });

  it('trust ratio is 1 where p is 0 or the decayed update is 0', () => {
    tf.tidy(() => {
      const coefficients = [0.9, 0.1, 0.999, 0.001, 1e-8, 0.1, 0.001, 0, 0, 0];
      const zero = tf.zeros([300]);
      const g = tf.randomNormal([300], 0, 1, 'float32', 7);
      const ratioOf = (gg: tf.Tensor, p: tf.Tensor, r: number) =>
        ((tf.engine().runKernel(ADAM_MOMENTS_DOTS_KERNEL, { g: gg, m: zero, v: zero, p }, { coefficients, trustRatioDecay: r } as never) as tf.Tensor[])[3]!.dataSync() as Float32Array)[0];
      expect(ratioOf(g, zero, 0.1), 'p = 0').toBe(1);
      expect(ratioOf(zero, tf.randomNormal([300], 0, 1, 'float32', 8), 0), 'u = 0, no decay').toBe(1);
    });
  });

  it('refuses a trust-ratio decay that is not a finite number in one line', () => {
    const x = tf.zeros([6]);
    const coefficients = [0.9, 0.1, 0.999, 0.001, 1e-8, 1, 1, 0, 0, 0];
    expect(() => tf.engine().runKernel(ADAM_MOMENTS_DOTS_KERNEL, { g: x, m: x, v: x, p: x }, { coefficients, trustRatioDecay: Number.NaN } as never)).toThrow(/trustRatioDecay must be a finite number/);
    tf.dispose(x);
  });

  it('refuses tensors of different sizes in one line', () => {
    const x = tf.zeros([5]);
    const y = tf.zeros([6]);
    expect(() => tf.engine().runKernel(ADAM_MOMENTS_DOTS_KERNEL, { g: x, m: x, v: x, p: y }, { coefficients: [0.9, 0.1, 0.999, 0.001, 1e-8, 1, 1, 0, 0, 0] } as never)).toThrow(/one size/);
    tf.dispose([x, y]);
  });
});
