/**
 * The elementwise-program kernel's axis features (ELEMENTWISE_PROGRAM_KERNEL,
 * harness/spec.ts): inputs repeated along one axis (`inputAxes`) against the cpu
 * backend's broadcasting of `tf.expandDims(x, axis)`, bit for bit; and sums of a
 * register over one axis or all (`sums`) against a float64 sum written here, to
 * float32 rounding. Shapes cross the kernel's 512-element blocks, the thread split and
 * its 65,536-element chunks, with an axis longer than a chunk. The reference never goes
 * through the kit's builder.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../harness/backends/native/addon.ts';
import { selectBackend } from '../../harness/backends/select.ts';
import { createRng } from '../../harness/core/rng.ts';
import { ELEMENTWISE_PROGRAM_KERNEL, ELEMENTWISE_PROGRAM_OPS } from '../../harness/spec.ts';

const native = loadNativeAddon() !== undefined;
const MUL = ELEMENTWISE_PROGRAM_OPS.findIndex(([name]) => name === 'mul');

function values(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => (rng.next() - 0.5) * 8);
}

const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const without = (shape: readonly number[], axis: number): number[] => shape.filter((_, i) => i !== axis);

/** r2 = x0 · x1 over `shape`, as outputs and/or sums. */
function mulKernel(x: tf.Tensor, y: tf.Tensor, shape: number[], attrs: Record<string, unknown>): Float32Array[] {
  return tf.tidy(() => {
    const out = tf.engine().runKernel(ELEMENTWISE_PROGRAM_KERNEL, { x0: x, x1: y }, {
      shape, code: [MUL, 0, 1, 0], constants: [], outputs: [], ...attrs,
    } as never) as tf.Tensor[];
    return out.map((t) => t.dataSync() as Float32Array);
  });
}

/** Σ a·b over `axis` of `shape` (every axis when −1), each product rounded to float32, added in float64. */
function float64Sums(a: Float32Array, b: Float32Array, shape: number[], axis: number): { sums: Float64Array; magnitudes: Float64Array } {
  const mid = axis < 0 ? product(shape) : shape[axis]!;
  const inner = axis < 0 ? 1 : product(shape.slice(axis + 1));
  const sums = new Float64Array(a.length / mid);
  const magnitudes = new Float64Array(a.length / mid);
  for (let i = 0; i < a.length; i++) {
    const entry = Math.floor(i / (mid * inner)) * inner + (i % inner);
    const term = Math.fround(a[i]! * b[i]!);
    sums[entry] = sums[entry]! + term;
    magnitudes[entry] = magnitudes[entry]! + Math.abs(term);
  }
  return { sums, magnitudes };
}

// Three axes around a chunk boundary (77,700 elements); a first axis of 2 under rows
// longer than a chunk; a square matrix, whose two factor shapes only the axis tells apart.
const SHAPES: number[][] = [[3, 37, 700], [2, 70001], [300, 300]];

describe.runIf(native)('elementwise program kernel: inputs along an axis, sums over an axis', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it.each(SHAPES.flatMap((shape) => shape.map((_, axis) => ({ shape, axis }))))('input repeated along axis $axis of [$shape], bit for bit', ({ shape, axis }) => {
    const x = values(product(shape), 1);
    const f = values(product(without(shape, axis)), 2);
    tf.setBackend('wasm');
    const [got] = tf.tidy(() =>
      (tf.engine().runKernel(ELEMENTWISE_PROGRAM_KERNEL, { x0: tf.tensor(x, shape), x1: tf.tensor(f, without(shape, axis)) }, {
        shape, code: [MUL, 0, 1, 0], constants: [], outputs: [2], inputAxes: [-1, axis],
      } as never) as tf.Tensor[]).map((t) => t.dataSync() as Float32Array),
    );
    tf.setBackend('cpu');
    const expected = tf.tidy(() => tf.mul(tf.tensor(x, shape), tf.expandDims(tf.tensor(f, without(shape, axis)), axis)).dataSync() as Float32Array);
    const differs = got!.findIndex((v, i) => !Object.is(v, expected[i]));
    expect(differs, differs < 0 ? '' : `element ${differs}: ${got![differs]} vs ${expected[differs]}`).toBe(-1);
  });

  it.each(SHAPES.flatMap((shape) => [-1, ...shape.map((_, axis) => axis)].map((axis) => ({ shape, axis }))))('sum over axis $axis of [$shape] (−1: all), to float32 rounding, with the output unchanged', ({ shape, axis }) => {
    const a = values(product(shape), 3);
    const b = values(product(shape), 4);
    tf.setBackend('wasm');
    const [out, sum] = tf.tidy(() => mulKernel(tf.tensor(a, shape), tf.tensor(b, shape), shape, { outputs: [2], sums: [2, axis] }));
    const { sums, magnitudes } = float64Sums(a, b, shape, axis);
    expect(sum!.length).toBe(sums.length);
    let worst = 0;
    sums.forEach((s, e) => {
      // float32 rounding of the sum, relative to the terms' magnitude (cancellation).
      worst = Math.max(worst, Math.abs(sum![e]! - s) / Math.max(magnitudes[e]!, 1e-30));
    });
    expect(worst).toBeLessThan(1e-6);
    const products = Float32Array.from(a, (v, i) => Math.fround(v * b[i]!));
    expect(out!.every((v, i) => Object.is(v, products[i]))).toBe(true);
  });

  it('sums of an empty tensor are zeros, and malformed sums are refused in one line', () => {
    tf.setBackend('wasm');
    const [empty] = mulKernel(tf.zeros([0, 3]), tf.zeros([0, 3]), [0, 3], { sums: [2, 0] });
    expect(Array.from(empty!)).toEqual([0, 0, 0]);
    expect(() => mulKernel(tf.ones([4]), tf.ones([4]), [4], { sums: [2] })).toThrow(/pairs/);
    expect(() => mulKernel(tf.ones([4]), tf.ones([4]), [4], { sums: [7, -1] })).toThrow(/not a register/);
  });
});

if (!native) {
  describe('elementwise program kernel: axes', () => {
    it.skip('needs the native addon (npm run build:native)', () => {});
  });
}
