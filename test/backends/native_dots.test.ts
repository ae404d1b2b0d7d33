/**
 * The native dots kernel (DOTS_KERNEL, harness/backends/native/kernels_dots.ts,
 * src/dots.cc) through the kit's `dots` against tfjs's reference cpu backend, where
 * `dots` is tf.mul then tf.sum per pair, to 1e-4 relative: column sums and whole sums,
 * odd shapes (rows not a multiple of the kernel's 8-row groups, columns not of its
 * 256-column blocks, one row, one column), sizes split between threads, a pair that
 * reads one input twice, row sums taken in the same pass; and against a float64 sum of
 * the same float32 values.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { loadNativeAddon } from '../../harness/backends/native/addon.ts';
import { selectBackend } from '../../harness/backends/select.ts';
import { DOTS_KERNEL } from '../../harness/spec.ts';
import { dots, dotsWithRowSums } from '../../submissions/kit/dots.ts';
import { type Case, compare, normal } from './_cpu_reference.ts';

beforeAll(async () => {
  await selectBackend('wasm');
});

const PAIRS = [[0, 1], [0, 0], [1, 1], [1, 2]] as const;

const outputsOf = (shape: readonly number[], columns: number) => () => {
  const xs = [normal([...shape]), normal([...shape]), normal([...shape])];
  return Object.fromEntries(dots(xs, PAIRS, columns).map((t, i) => [`pair ${i}`, t]));
};

const withRows = (shape: readonly number[], columns: number) => () => {
  const xs = [normal([...shape]), normal([...shape]), normal([...shape])];
  const out = dotsWithRowSums(xs, PAIRS, columns);
  return Object.fromEntries([...out.columns.map((t, i) => [`columns ${i}`, t]), ...out.rows.map((t, i) => [`rows ${i}`, t])]);
};

const CASES: Case[] = [
  ['[37, 13] column and row sums in one pass', withRows([37, 13], 13)],
  ['[1000, 300] column and row sums (blocks of 256 and 44 columns, tail rows, threads)', withRows([1000, 300], 300)],
  ['[1, 1031] column and row sums (one row)', withRows([1, 1031], 1031)],
  ['[517, 1] column and row sums (one column)', withRows([517, 1], 1)],
  ['[5, 7] per column', outputsOf([5, 7], 7)],
  ['[37, 13] per column (rows not a multiple of 8)', outputsOf([37, 13], 13)],
  ['[1000, 300] per column (300 = a 256-column block and 44; split between threads)', outputsOf([1000, 300], 300)],
  ['[4099, 33] per column', outputsOf([4099, 33], 33)],
  ['[1, 1031] per column (one row)', outputsOf([1, 1031], 1031)],
  ['[2, 3, 5, 6] per last axis (a conv kernel\'s channels)', outputsOf([2, 3, 5, 6], 6)],
  ['[100003] whole (chunks and an odd tail; split between threads)', outputsOf([100003], 1)],
  ['[3, 5] whole', outputsOf([3, 5], 1)],
];

describe('native dots', () => {
  it('is registered by the addon', () => {
    expect(typeof loadNativeAddon()?.dots, 'run `npm run build:native`').toBe('function');
  });

  it.each(CASES.map(([label, run]) => [label, run] as const))('%s matches cpu', (_, run) => compare(run));

  it('runs the kernel on wasm, once for every pair, and matches a float64 sum of the float32 values', async () => {
    await tf.setBackend('wasm');
    const [rows, cols] = [203, 37];
    const a = normal([rows, cols]);
    const b = normal([rows, cols]);
    const [x, y] = [a.dataSync(), b.dataSync()];
    const spy = vi.spyOn(tf.engine(), 'runKernel');
    const [ab, bb] = dots([a, b], [[0, 1], [1, 1]], cols);
    expect(spy.mock.calls.filter(([name]) => name === DOTS_KERNEL)).toHaveLength(1);
    spy.mockRestore();
    const got = [ab!.dataSync(), bb!.dataSync()];
    for (let c = 0; c < cols; c++) {
      let [sab, sbb] = [0, 0];
      for (let r = 0; r < rows; r++) {
        sab += x[r * cols + c]! * y[r * cols + c]!;
        sbb += y[r * cols + c]! ** 2;
      }
      expect(Math.abs(got[0]![c]! - sab)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(sab)));
      expect(Math.abs(got[1]![c]! - sbb)).toBeLessThanOrEqual(1e-5 * sbb);
    }
    tf.dispose([a, b, ab!, bb!]);
  });

  it('refuses bad arguments with one line naming them', () => {
    const addon = loadNativeAddon()!;
    const f = (n: number) => new Float32Array(n);
    expect(() => addon.dots!([f(6), f(5)], Int32Array.from([0, 1]), 2, 3, [f(3)])).toThrow(/rows·cols floats/);
    expect(() => addon.dots!([f(6)], Int32Array.from([0, 1]), 2, 3, [f(3)])).toThrow(/not there/);
    expect(() => addon.dots!([f(6)], Int32Array.from([0, 0]), 2, 3, [f(2)])).toThrow(/cols floats/);
    expect(() => addon.dots!([f(6)], Int32Array.from([0, 0]), 2, 3, [f(3)], [f(3)])).toThrow(/rows floats/);
    expect(() => dots([tf.zeros([6]), tf.zeros([5])], [[0, 1]])).toThrow(/one size/);
    expect(() => dots([tf.zeros([6])], [[0, 0]], 4)).toThrow(/divisor/);
  });
});
