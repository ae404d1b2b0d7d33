/**
 * algobench's native kernels (harness/backends/native, registered on the wasm backend)
 * against the reference cpu backend: forward and gradient on random shapes with odd
 * sizes, transposes, batches, strides, dilations and paddings, to 1e-4 relative. Also
 * the paths inside the matrix product that only some shapes take (sparse operand,
 * split inner dimension, many small products) and the fused Adam kernel against the
 * ops it replaces.
 */
import { execFileSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fusedAdamMoments, setFusedOpsEnabled } from '../../submissions/kit/fused.ts';
import { loadNativeAddon, nativeAddonIdentity } from '../../harness/backends/native/addon.ts';
import { selectBackend } from '../../harness/backends/select.ts';
import { createRng } from '../../harness/core/rng.ts';
import { scaleByAdam } from '../../submissions/kit/transforms/adam.ts';
import { tidyArrays } from '../_tidy_data.ts';

type Arrays = Record<string, number[]>;

function onBackend(backend: string, f: () => Record<string, tf.Tensor>): Arrays {
  tf.setBackend(backend);
  return tidyArrays(f);
}

function worstRelative(actual: number[], expected: number[]): number {
  let worst = 0;
  actual.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - expected[i]!) / Math.max(1, Math.abs(expected[i]!)))));
  return worst;
}

/** Runs f on the native-backed wasm backend and on cpu; every output within 1e-4. */
function compare(f: () => Record<string, tf.Tensor>, tolerance = 1e-4): void {
  const mine = onBackend('wasm', f);
  const reference = onBackend('cpu', f);
  for (const [key, expected] of Object.entries(reference)) {
    expect(mine[key]!.length, key).toBe(expected.length);
    expect(worstRelative(mine[key]!, expected), key).toBeLessThan(tolerance);
  }
}

const rng = createRng(2026);
const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)]!;
// Seeds are offset: tfjs treats a seed of 0 as no seed at all.
const normal = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', 1000 + seed);

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('native addon', () => {
  it('is built by npm ci and used by the wasm backend', async () => {
    const addon = loadNativeAddon();
    expect(addon, 'run `npm run build:native` (needs python3, make, g++)').toBeDefined();
    expect(addon!.threads()).toBeGreaterThanOrEqual(1);
    const info = await selectBackend('wasm');
    expect(info.version).toMatch(/\+algobench-native\.[0-9a-f]{12}$/);
  });

  it("names the addon's build, its kernels and its threads in the backend's version (so in the hardware fingerprint)", () => {
    const addon = loadNativeAddon()!;
    const kernels = ['A', 'B'];
    const id = nativeAddonIdentity(addon, kernels);
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    expect(nativeAddonIdentity(addon, ['B', 'A'])).toBe(id);
    // A stale build that registers one kernel fewer is another backend.
    expect(nativeAddonIdentity(addon, ['A'])).not.toBe(id);
    // Another thread count is another backend: its own process, with ALGOBENCH_THREADS.
    const version = (threads: string) =>
      execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e',
        `const { selectBackend } = await import(${JSON.stringify(new URL('../../harness/backends/select.ts', import.meta.url).href)}); console.log((await selectBackend('wasm')).version);`],
      { encoding: 'utf8', env: { ...process.env, ALGOBENCH_THREADS: threads } }).trim().split('\n').at(-1);
    const one = version('1');
    expect(one).toMatch(/\+algobench-native\.[0-9a-f]{12}$/);
    expect(version('1')).toBe(one);
    expect(version('2')).not.toBe(one);
  });

  it('rejects operands smaller than the shape says, with an error rather than a crash', () => {
    const addon = loadNativeAddon()!;
    const small = new Float32Array(4);
    expect(() => addon.batchMatMul(small, small, small, 1, 3, 3, 3, false, false, 0, 0)).toThrow(/sizes/);
    expect(() => addon.reduceSum(small, small, 1, 5, 1, 1)).toThrow(/sizes/);
  });
});

describe('native BatchMatMul', () => {
  const dim = () => 1 + rng.int(70);
  const cases = Array.from({ length: 24 }, (_, i) => {
    const [m, k, n] = [dim(), dim(), dim()];
    const batch = i % 4 === 0 ? [1 + rng.int(4)] : i % 4 === 1 ? [2, 1 + rng.int(3)] : [];
    const ta = rng.next() < 0.5;
    const tb = rng.next() < 0.5;
    return { a: [...batch, ...(ta ? [k, m] : [m, k])], b: [...batch, ...(tb ? [n, k] : [k, n])], ta, tb };
  });

  it.each(cases.map((c, i) => [i, c] as const))('case %i matches cpu (product and both gradients)', (i, c) => {
    compare(() => {
      const a = normal(c.a, i);
      const b = normal(c.b, 100 + i);
      const y = tf.matMul(a, b, c.ta, c.tb);
      const probe = normal(y.shape, 200 + i);
      const [da, db] = tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, w, c.ta, c.tb), probe)))([a, b]);
      return { y, da: da!, db: db! };
    });
  });

  it('reads B in place for one or two row blocks, and packs Bᵀ by 16×16 transposes: two depth blocks, partial panels, RNN step shapes', () => {
    // 150 rows = two 96-row blocks; k = 300 = two 256-deep blocks (the second 44 deep:
    // two 16-deep slices and 12 more); n = 77 = two full 32-wide panels and a partial one.
    compare(() => ({
      deep: tf.matMul(normal([150, 300], 20), normal([300, 77], 21)),
      transposedA: tf.matMul(normal([300, 150], 22), normal([300, 77], 23), true, false),
      transposedB: tf.matMul(normal([150, 300], 28), normal([77, 300], 29), false, true),
      step: tf.matMul(normal([32, 128], 24), normal([128, 512], 25)),
      stepGradient: tf.matMul(normal([32, 512], 30), normal([128, 512], 31), false, true),
      narrow: tf.matMul(normal([5, 9], 26), normal([9, 31], 27)),
    }));
  });

  it('broadcasts an operand without a batch against a batched one', () => {
    compare(() => ({ left: tf.matMul(normal([3, 5, 7], 1), normal([7, 4], 2)), right: tf.matMul(normal([5, 7], 3), normal([3, 7, 4], 4)) }));
  });

  it('falls back to the stock kernel for per-axis batch broadcasting', () => {
    compare(() => ({ y: tf.matMul(normal([2, 1, 5, 6], 5), normal([1, 3, 6, 4], 6)) }));
  });

  it('takes the sparse path for multi-hot operands (and its transpose) and matches cpu', () => {
    compare(() => {
      // 96×2048 with ~1 % nonzeros (repeated counts, as bags of words have).
      const ids = Array.from({ length: 96 * 20 }, (_, i) => [Math.floor(i / 20), (i * 7919) % 2048]);
      const counts = tf.scatterND(tf.tensor2d(ids, undefined, 'int32'), tf.ones([ids.length]), [96, 2048]);
      const table = normal([2048, 24], 7);
      const probe = normal([96, 24], 8);
      const dTable = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.matMul(counts, t), probe)))(table);
      return { bags: tf.matMul(counts, table), dTable, transposed: tf.matMul(counts, normal([96, 5], 9), true, false) };
    });
  });

  it('splits a deep inner dimension between threads for a small product', () => {
    compare(() => ({ y: tf.matMul(normal([3001, 9], 10), normal([3001, 16], 11), true, false) }));
  });

  it('runs many small products (attention-shaped) in parallel', () => {
    compare(() => ({ y: tf.matMul(normal([64, 4, 17, 16], 12), normal([64, 4, 17, 16], 13), false, true) }));
  });
});

describe('native Conv2D, both gradients', () => {
  const cases = Array.from({ length: 20 }, () => ({
    n: 1 + rng.int(3),
    h: 4 + rng.int(12),
    w: 4 + rng.int(12),
    ci: 1 + rng.int(6),
    co: 1 + rng.int(9),
    k: pick([1, 2, 3, 5]),
    stride: pick([1, 1, 2, 3]),
    dilation: pick([1, 1, 2]),
    pad: pick(['same', 'valid'] as const),
  })).map((c) => (c.stride > 1 ? { ...c, dilation: 1 } : c)); // tfjs allows one of them > 1

  it.each(cases.map((c, i) => [i, c] as const))('case %i matches cpu (y, dx, dW)', (i, c) => {
    compare((): Record<string, tf.Tensor> => {
      const x = normal([c.n, c.h, c.w, c.ci], 10 + i) as tf.Tensor4D;
      const w = normal([c.k, c.k, c.ci, c.co], 20 + i) as tf.Tensor4D;
      const conv = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad, 'NHWC', c.dilation);
      const y = conv(x, w);
      // tfjs has no gradient for dilated convolutions: their forward pass is checked alone.
      if (c.dilation > 1) return { y };
      const probe = normal(y.shape, 30 + i);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a, b), probe)))([x, w]);
      return { y, dx: dx!, dw: dw! };
    });
  });

  it('handles explicit asymmetric padding (y, dx, dW) and a pointwise (1×1) convolution on a large batch', () => {
    compare(() => {
      const x = normal([40, 9, 9, 5], 41) as tf.Tensor4D;
      const w1 = normal([1, 1, 5, 7], 42) as tf.Tensor4D;
      const w3 = normal([3, 3, 5, 2], 43) as tf.Tensor4D;
      const pad: tf.backend_util.ExplicitPadding = [[0, 0], [2, 0], [1, 3], [0, 0]];
      const probe = normal([40, 9, 11, 2], 44);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad), probe)))([x, w3]);
      return { pointwise: tf.conv2d(x, w1, 1, 'valid'), explicit: tf.conv2d(x, w3, 1, pad), dx: dx!, dw: dw! };
    });
  });

  // Stride 1 with 16 or more input channels takes the turned-filter product for dx (fewer take the scatter, above).
  it.each([[16, 3, 'same'], [19, 5, 'valid'], [17, 3, [[0, 0], [2, 0], [1, 3], [0, 0]]]] as const)(
    'dx with %i input channels, %i×%i filter, padding %j (the turned-filter product) matches cpu', (ci, k, pad) => {
      compare(() => {
        const x = normal([3, 7, 9, ci], 50 + ci) as tf.Tensor4D;
        const w = normal([k, k, ci, 5], 60 + ci) as tf.Tensor4D;
        const conv = (a: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, w, 1, pad as 'same');
        const probe = normal(conv(x).shape, 70 + ci);
        return { dx: tf.grad((a: tf.Tensor) => tf.sum(tf.mul(conv(a), probe)))(x) };
      });
    });
});

// 16 or more input channels take the direct convolution (src/conv.cc: no column buffer):
// partial and several 32-channel panels, pixel counts that leave a partial 6-pixel tile,
// strides, dilations, asymmetric padding; dx with 16 or more output channels is the same
// kernel on the turned filter.
describe('native Conv2D, direct path (16 or more input channels)', () => {
  const cases = Array.from({ length: 8 }, () => ({
    n: 1 + rng.int(3),
    h: 3 + rng.int(9),
    w: 3 + rng.int(9),
    ci: 16 + rng.int(40),
    co: pick([5, 16, 33, 70]),
    kh: pick([1, 3, 5]),
    kw: pick([2, 3, 5]),
    stride: pick([1, 1, 2]),
    dilation: pick([1, 1, 2]),
    pad: pick(['same', 'valid', [[0, 0], [2, 0], [1, 3], [0, 0]]] as const),
  })).map((c) => (c.stride > 1 ? { ...c, dilation: 1 } : c));

  it.each(cases.map((c, i) => [i, c] as const))('case %i matches cpu (y, dx, dW)', (i, c) => {
    compare((): Record<string, tf.Tensor> => {
      const x = normal([c.n, c.h + 4, c.w + 4, c.ci], 110 + i) as tf.Tensor4D;
      const w = normal([c.kh, c.kw, c.ci, c.co], 120 + i) as tf.Tensor4D;
      const pad = c.pad as 'same';
      const conv = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, pad, 'NHWC', c.dilation);
      const y = conv(x, w);
      if (c.dilation > 1) return { y };
      const probe = normal(y.shape, 130 + i);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a, b), probe)))([x, w]);
      return { y, dx: dx!, dw: dw! };
    });
  });

  it('matches cpu on the zoo\'s 5×5 layer shape (64 channels in, 32 out, and the turned dx)', () => {
    compare(() => {
      const x = normal([2, 14, 14, 32], 140) as tf.Tensor4D;
      const w = normal([5, 5, 32, 64], 141) as tf.Tensor4D;
      const y = tf.conv2d(x, w, 1, 'same');
      const probe = normal(y.shape, 142);
      return { y, dx: tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, w, 1, 'same'), probe)))(x) };
    });
  });
});

describe('native MaxPool and MaxPoolGrad', () => {
  it.each([
    [2, 2, 'valid'], [2, 2, 'same'], [3, 2, 'same'], [3, 1, 'valid'], [2, 1, 'same'], [3, 3, 'same'],
  ] as const)('filter %i stride %i %s matches cpu', (filter, stride, pad) => {
    compare(() => {
      const x = normal([3, 11, 7, 5], filter * 10 + stride) as tf.Tensor4D;
      const y = tf.maxPool(x, filter, stride, pad);
      const probe = normal(y.shape, 99);
      return { y, dx: tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, filter, stride, pad), probe)))(x) };
    });
  });

  // 35 channels: two 16-channel blocks (the vectorised window scan) and a scalar tail;
  // values rounded to a few levels so that windows hold ties, some windows overlap.
  it.each([[2, 2, 'valid'], [3, 2, 'same'], [3, 1, 'same'], [2, 1, 'valid']] as const)(
    'filter %i stride %i %s on 35 channels with ties matches cpu', (filter, stride, pad) => {
      compare(() => {
        const x = tf.round(tf.mul(normal([2, 9, 7, 35], filter * 10 + stride + 200), 1.5)) as tf.Tensor4D;
        const probe = normal(tf.maxPool(x, filter, stride, pad).shape, 98);
        return { dx: tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, filter, stride, pad), probe)))(x) };
      });
    });

  it('sends a tied window\'s gradient to its first maximum, as cpu does', () => {
    compare(() => {
      const x = tf.tensor4d([1, 1, 1, 1, 2, 2, 0, 2, 5, 5, 5, 5, 5, 5, 5, 5], [1, 4, 4, 1]);
      return { dx: tf.grad((a: tf.Tensor) => tf.sum(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')))(x) };
    });
  });
});

describe('native Sum and Mean', () => {
  const x = () => normal([5, 6, 7, 8], 3);
  it.each([
    [[0], false], [[0, 1], true], [[3], false], [[2, 3], true], [[1, 2], false], [[1], true], [[-1], false], [undefined, false],
  ] as const)('axes %j keepDims %s match cpu', (axes, keepDims) => {
    compare(() => ({
      sum: tf.sum(x(), axes === undefined ? undefined : [...axes], keepDims),
      mean: tf.mean(x(), axes === undefined ? undefined : [...axes], keepDims),
    }));
  });

  it('sums big tensors along each kind of axis, and falls back for non-adjacent axes', () => {
    compare(() => {
      const big = normal([3, 40000], 4);
      const tall = normal([4096, 33], 5);
      return { long: tf.sum(big, 1), columns: tf.sum(tall, 0), all: tf.mean(tall), gaps: tf.sum(normal([4, 5, 6], 6), [0, 2]) };
    });
  });

  it('leaves int32 sums to the stock kernel', () => {
    compare(() => ({ total: tf.sum(tf.tensor1d([1, 2, 3, 2147483], 'int32')) }));
  });
});

describe('native row gather and shared Identity', () => {
  it('gathers rows of float and int tensors like cpu', () => {
    compare(() => {
      const rows = tf.tensor1d([4, 0, 4, 2], 'int32');
      return { f: tf.gather(normal([5, 3, 2], 1), rows), i: tf.gather(tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]], undefined, 'int32'), rows), axis1: tf.gather(normal([3, 5], 2), rows, 1) };
    });
  });

  it('rejects an out-of-range row', () => {
    tf.setBackend('wasm');
    expect(() => tf.tidy(() => tf.gather(tf.zeros([3, 2]), tf.tensor1d([3], 'int32')).dataSync())).toThrow(/not in \[0, 3\)/);
  });

  it('keeps a clone valid after its source is disposed, and frees the memory after both', () => {
    tf.setBackend('wasm');
    const before = tf.memory().numBytes;
    const source = tf.tensor1d([1, 2, 3]);
    const copy = source.clone();
    source.dispose();
    expect(Array.from(copy.dataSync())).toEqual([1, 2, 3]);
    copy.dispose();
    expect(tf.memory().numBytes).toBe(before);
  });
});

describe('fused Adam moments', () => {
  const coefficients = (nesterov: boolean) => ({
    b1: 0.9, b2: 0.999, eps: 1e-8, c1: 1 - 0.9 ** 3, c2: 1 - 0.999 ** 3,
    nesterov: nesterov ? { lookM: 0.9 / (1 - 0.9 ** 4), lookG: 0.1 / (1 - 0.9 ** 3) } : undefined,
  });

  it.each([false, true])('nesterov %s: the kernel computes what the composed ops compute', (nesterov) => {
    tf.setBackend('wasm');
    const k = coefficients(nesterov);
    tf.tidy(() => {
      const g = normal([70000], 1);
      const m = tf.mul(normal([70000], 2), 0.1);
      const v = tf.abs(tf.mul(normal([70000], 3), 0.01));
      const fused = fusedAdamMoments(g, m, v, k);
      expect(fused).toBeDefined();
      const mRef = tf.add(tf.mul(m, k.b1), tf.mul(g, 1 - k.b1));
      const vRef = tf.add(tf.mul(v, k.b2), tf.mul(tf.square(g), 1 - k.b2));
      const mHat = k.nesterov ? tf.add(tf.mul(mRef, k.nesterov.lookM), tf.mul(g, k.nesterov.lookG)) : tf.div(mRef, k.c1);
      const uRef = tf.div(mHat, tf.add(tf.sqrt(tf.div(vRef, k.c2)), k.eps));
      const [mF, vF, uF] = fused!;
      expect(worstRelative(Array.from(mF.dataSync()), Array.from(mRef.dataSync()))).toBeLessThan(1e-6);
      expect(worstRelative(Array.from(vF.dataSync()), Array.from(vRef.dataSync()))).toBeLessThan(1e-6);
      expect(worstRelative(Array.from(uF.dataSync()), Array.from(uRef.dataSync()))).toBeLessThan(1e-5);
    });
  });

  it.each([0, 1])('nesterov %i: an element\'s bits do not depend on where it sits (vector body, remainder, either thread\'s share, alone)', (nesterov) => {
    const addon = loadNativeAddon()!;
    const rng = createRng(7 + nesterov);
    const n = 70001;
    const g = Float32Array.from({ length: n }, () => rng.next() - 0.5);
    const m = Float32Array.from({ length: n }, () => 0.1 * (rng.next() - 0.5));
    const v = Float32Array.from({ length: n }, () => 0.01 * rng.next());
    // Zeros, a tiny and a subnormal value, where the division and the root are edge cases.
    g.set([0, 1e-30, -1e-38], 100);
    v.set([0, 1e-40, 1e-45], 100);
    const k = coefficients(nesterov === 1);
    const c = Float64Array.from([k.b1, 1 - k.b1, k.b2, 1 - k.b2, k.eps, k.c1, k.c2, nesterov, k.nesterov?.lookM ?? 0, k.nesterov?.lookG ?? 0]);
    const run = (from: number, to: number): Uint32Array[] => {
      const outs = [0, 1, 2].map(() => new Float32Array(to - from));
      addon.adamMoments(g.subarray(from, to), m.subarray(from, to), v.subarray(from, to), outs[0]!, outs[1]!, outs[2]!, c);
      return outs.map((o) => new Uint32Array(o.buffer));
    };
    const whole = run(0, n);
    // Shifted by 1…17 elements, each element lands at another lane, and the split between threads moves.
    for (const shift of [1, 3, 7, 8, 15, 16, 17]) {
      const part = run(shift, n);
      for (let j = 0; j < 3; j++) expect(Array.from(part[j]!), `output ${j}, shift ${shift}`).toEqual(Array.from(whole[j]!.subarray(shift)));
    }
    for (const i of [0, 100, 101, 102, 4097, n - 1]) {
      const one = run(i, i + 1);
      for (let j = 0; j < 3; j++) expect(one[j]![0], `output ${j}, element ${i} alone`).toBe(whole[j]![i]);
    }
  });

  it('gives the kit\'s Adam the same 20-step trajectory as the unfused ops', () => {
    tf.setBackend('wasm');
    const trajectory = (fused: boolean): number[] => {
      setFusedOpsEnabled(fused);
      try {
        const adam = scaleByAdam({ nesterov: true });
        const params = { w: tf.zeros([300]) };
        let state = adam.init(params);
        const out: number[] = [];
        for (let step = 0; step < 20; step++) {
          const grads = { w: normal([300], 50 + step) };
          const result = adam.update(grads, state, params, { types: { w: 'weight' }, step } as never);
          state = result.state;
          out.push(...result.updates['w']!.dataSync());
        }
        return out;
      } finally {
        setFusedOpsEnabled(true);
      }
    };
    tf.tidy(() => {
      expect(worstRelative(trajectory(true), trajectory(false))).toBeLessThan(1e-5);
    });
  });
});
