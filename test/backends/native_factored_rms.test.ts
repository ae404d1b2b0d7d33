/**
 * The native factored-second-moment kernel (FACTORED_RMS_KERNEL, harness/spec.ts;
 * kernels_factored.ts, src/factored_rms.cc), which the kit's `scaleByFactoredRms` runs
 * for a matrix: the new row and column averages, their factors, u, Σu² and Σp² against
 * Adafactor's formulas (Shazeer & Stern 2018, as optax writes them with means) computed
 * here in float64 from the same float32 inputs, to 1e-4 relative (u, also bit for bit as
 * the program's two float32 products of the kernel's factors), on odd shapes (one
 * element, fewer rows than a group of 8, a tail chunk, rows split between threads) with
 * the row state over either axis; sums not asked for are 0; bad input refused in one line.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../harness/backends/native/addon.ts';
import { selectBackend } from '../../harness/backends/select.ts';
import { FACTORED_RMS_KERNEL } from '../../harness/spec.ts';

beforeAll(async () => {
  await selectBackend('wasm');
});

interface Case { beta: number; eps: number }

/** The rule in float64: g [rows, cols], the row state reduced over axis d0, the column state over the other. */
function reference(g: Float32Array, p: Float32Array, row: Float32Array, col: Float32Array, rows: number, cols: number, d0: number, k: Case) {
  const at = (i: number, j: number) => g[i * cols + j]!;
  const n0 = d0 === 0 ? rows : cols;
  const n1 = d0 === 0 ? cols : rows;
  // R[x]: mean over axis d0 of g² + eps, for x along the other axis; C[y]: mean over the other axis.
  const R = new Float64Array(n1), C = new Float64Array(n0);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const s = at(i, j) ** 2 + k.eps;
      const [x, y] = d0 === 0 ? [j, i] : [i, j];
      R[x] = R[x]! + s / n0;
      C[y] = C[y]! + s / n1;
    }
  }
  const rowNew = R.map((r, x) => k.beta * row[x]! + (1 - k.beta) * r);
  const colNew = C.map((c, y) => k.beta * col[y]! + (1 - k.beta) * c);
  const rowMean = rowNew.reduce((a, b) => a + b, 0) / n1;
  const rowFactor = rowNew.map((r) => 1 / Math.sqrt(r / rowMean));
  const colFactor = colNew.map((c) => 1 / Math.sqrt(c));
  let uu = 0, pp = 0;
  const u = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      u[i * cols + j] = at(i, j) * (d0 === 0 ? rowFactor[j]! * colFactor[i]! : rowFactor[i]! * colFactor[j]!);
      uu += u[i * cols + j]! ** 2;
      pp += p[i * cols + j]! ** 2;
    }
  }
  return { rowNew, colNew, rowFactor, colFactor, u, uu, pp };
}

function worst(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let w = 0;
  for (let i = 0; i < expected.length; i++) w = Math.max(w, Math.abs(actual[i]! - expected[i]!) / Math.max(1e-30, Math.abs(expected[i]!)));
  return w;
}

const SHAPES: [string, [number, number]][] = [
  ['[1, 1]', [1, 1]],
  ['[3, 5] (fewer rows than a group)', [3, 5]],
  ['[13, 7] (a group and a tail)', [13, 7]],
  ['[129, 127] (chunks of rows, tails of lanes)', [129, 127]],
  ['[333, 777] (threads, odd sizes)', [333, 777]],
  ['[1000, 37] (threads, short rows)', [1000, 37]],
];

describe('native factored second moment (Adafactor)', () => {
  it('is registered by the addon', () => {
    expect(typeof loadNativeAddon()?.factoredRms, 'run `npm run build:native`').toBe('function');
    expect(tf.getKernel(FACTORED_RMS_KERNEL, 'wasm')).toBeDefined();
  });

  for (const d0 of [0, 1]) {
    it.each(SHAPES)(`row state over axis ${d0}: %s matches the float64 formulas`, (_, [rows, cols]) => {
      tf.tidy(() => {
        const k: Case = { beta: 0.75, eps: 1e-3 };
        const [n0, n1] = d0 === 0 ? [rows, cols] : [cols, rows];
        const g = tf.randomNormal([rows, cols], 0, 0.5, 'float32', 11);
        const p = tf.randomNormal([rows, cols], 0, 2, 'float32', 12);
        const row = tf.abs(tf.randomNormal([n1], 0, 0.3, 'float32', 13));
        const col = tf.abs(tf.randomNormal([n0], 0, 0.3, 'float32', 14));
        const out = tf.engine().runKernel(FACTORED_RMS_KERNEL, { g, row, col, p }, { d0, ...k, sumU: true, sumP: true } as never) as tf.Tensor[];
        expect(out.map((t) => t.shape)).toEqual([[n1], [n0], [n1], [n0], [rows, cols], [], []]);
        const d = (t: tf.Tensor) => t.dataSync() as Float32Array;
        const ref = reference(d(g), d(p), d(row), d(col), rows, cols, d0, k);
        expect(worst(d(out[0]!), ref.rowNew), "row'").toBeLessThan(1e-4);
        expect(worst(d(out[1]!), ref.colNew), "col'").toBeLessThan(1e-4);
        expect(worst(d(out[2]!), ref.rowFactor), 'row factor').toBeLessThan(1e-4);
        expect(worst(d(out[3]!), ref.colFactor), 'column factor').toBeLessThan(1e-4);
        expect(worst(d(out[4]!), ref.u), 'u').toBeLessThan(1e-4);
        expect(worst(d(out[5]!), [ref.uu]), 'Σu²').toBeLessThan(1e-4);
        expect(worst(d(out[6]!), [ref.pp]), 'Σp²').toBeLessThan(1e-4);
        // u is the elementwise program's (g·rowFactor)·colFactor in float32, bit for bit,
        // from the kernel's own factors: the kit's program path gives these bits.
        const [gs, rf, cf, us] = [d(g), d(out[2]!), d(out[3]!), d(out[4]!)];
        const f = Math.fround;
        const differs = us.findIndex((x, e) => {
          const [i, j] = [Math.floor(e / cols), e % cols];
          const [r, c] = d0 === 0 ? [rf[j]!, cf[i]!] : [rf[i]!, cf[j]!];
          return !Object.is(x, f(f(gs[e]! * r) * c));
        });
        expect(differs, 'u: first element that differs from (g·rowFactor)·colFactor').toBe(-1);
      });
    });
  }

  it('gives 0 for the sums not asked for, and needs no p then', () => {
    tf.tidy(() => {
      const g = tf.randomNormal([40, 30], 0, 1, 'float32', 3);
      const out = tf.engine().runKernel(FACTORED_RMS_KERNEL, { g, row: tf.ones([30]), col: tf.ones([40]) }, { d0: 0, beta: 0.5, eps: 1e-30, sumU: false, sumP: false } as never) as tf.Tensor[];
      expect([out[5]!.dataSync()[0], out[6]!.dataSync()[0]]).toEqual([0, 0]);
      expect(out[0]!.dataSync()[0]).toBeGreaterThan(0);
    });
  });

  it('refuses a state of the wrong length in one line', () => {
    tf.tidy(() => {
      const g = tf.zeros([4, 6]);
      expect(() => tf.engine().runKernel(FACTORED_RMS_KERNEL, { g, row: tf.zeros([4]), col: tf.zeros([4]) }, { d0: 0, beta: 0.5, eps: 0, sumU: false, sumP: false } as never)).toThrow(/needs float32 row of 6, col of 4/);
    });
  });
});
