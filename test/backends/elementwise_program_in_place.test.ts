/**
 * The elementwise-program kernel's `inPlace` attribute (ELEMENTWISE_PROGRAM_KERNEL,
 * harness/spec.ts): an output written into a donated input's memory. Within a block
 * the kernel runs each instruction over the whole block before the next, so an output
 * written early over an input a later instruction, a sum or another output still reads
 * would change what they read; the kernel must then copy it over at the end of the
 * block. Checked against the cpu backend running the same ops on the original values,
 * bit for bit, at sizes of many blocks split between threads, and that the memory was
 * (or, where another tensor shares it, was not) taken over.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../harness/backends/native/addon.ts';
import { selectBackend } from '../../harness/backends/select.ts';
import { createRng } from '../../harness/core/rng.ts';
import { ELEMENTWISE_PROGRAM_KERNEL, ELEMENTWISE_PROGRAM_OPS } from '../../harness/spec.ts';

const native = loadNativeAddon() !== undefined;
const OP = Object.fromEntries(ELEMENTWISE_PROGRAM_OPS.map(([name], i) => [name, i])) as Record<string, number>;

function values(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => (rng.next() - 0.5) * 8);
}

function firstDifference(actual: Float32Array, expected: Float32Array): string | undefined {
  if (actual.length !== expected.length) return `length ${actual.length} vs ${expected.length}`;
  for (let i = 0; i < actual.length; i++) if (!Object.is(actual[i], expected[i])) return `element ${i}: ${actual[i]} vs ${expected[i]}`;
  return undefined;
}

function onCpu(f: () => tf.Tensor): Float32Array {
  tf.setBackend('cpu');
  try {
    return tf.tidy(() => f().dataSync() as Float32Array);
  } finally {
    tf.setBackend('wasm');
  }
}

interface Run {
  readonly outputs: Float32Array[];
  readonly sums: Float32Array[];
  /** Per output: the index of the input whose memory it took, or −1. */
  readonly took: number[];
}

/** Runs the kernel on fresh tensors of `inputs` (each its own memory) with `inPlace`, then frees everything. */
function run(inputs: Float32Array[], code: number[], outputs: number[], inPlace: number[], options: { sums?: number[]; share?: number } = {}): Run {
  const n = inputs[0]!.length;
  const xs = inputs.map((x) => tf.tensor1d(x));
  // `share`: another tensor holds that input's memory (a clone, as the probes of a trial keep).
  const clone = options.share === undefined ? undefined : xs[options.share]!.clone();
  const out = tf.engine().runKernel(
    ELEMENTWISE_PROGRAM_KERNEL,
    Object.fromEntries(xs.map((x, i) => [`x${i}`, x])),
    { shape: [n], code, constants: [0.9, -0.1], outputs, inPlace, ...(options.sums ? { sums: options.sums } : {}) } as never,
  ) as tf.Tensor[];
  const result: Run = {
    outputs: out.slice(0, outputs.length).map((t) => t.dataSync() as Float32Array),
    sums: out.slice(outputs.length).map((t) => t.dataSync() as Float32Array),
    took: out.slice(0, outputs.length).map((t) => xs.findIndex((x) => x.dataId === t.dataId)),
  };
  if (clone !== undefined) expect(firstDifference(clone.dataSync() as Float32Array, inputs[options.share!]!), 'the clone keeps its values').toBeUndefined();
  tf.dispose([...xs, ...out, ...(clone ? [clone] : [])]);
  return result;
}

describe.runIf(native)('elementwise program outputs written over donated inputs', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  // Many 512-element blocks split between threads (odd), and a size of one block and a bit.
  const SIZES = [70001, 513];

  it.each(SIZES)('an output whose input is read after it is computed keeps the reads right (n = %i)', (n) => {
    const p = values(n, 1);
    const g = values(n, 2);
    // r2 = 0.9; r3 = mul(p, r2); r4 = add(r3, g) → output 0 over p;
    // r5 = sub(p, g) reads p after r4 → output 1 (fresh); r6 = mulAdd(g, g, p) reads p as addend → output 2 over g.
    const code = [OP['const']!, 0, 0, 0, OP['mul']!, 0, 2, 0, OP['add']!, 3, 1, 0, OP['sub']!, 0, 1, 0, OP['mulAdd']!, 1, 1, 0];
    const got = run([p, g], code, [4, 5, 6], [0, -1, 1]);
    const P = () => tf.tensor1d(p);
    const G = () => tf.tensor1d(g);
    expect(got.took).toEqual([0, -1, 1]);
    expect(firstDifference(got.outputs[0]!, onCpu(() => tf.add(tf.mul(P(), 0.9), G())))).toBeUndefined();
    expect(firstDifference(got.outputs[1]!, onCpu(() => tf.sub(P(), G())))).toBeUndefined();
    expect(firstDifference(got.outputs[2]!, onCpu(() => tf.add(tf.mul(G(), G()), P())))).toBeUndefined();
  });

  it.each(SIZES)('outputs written straight over inputs read last by their own instruction, and a sum of an input written over (n = %i)', (n) => {
    const p = values(n, 3);
    const g = values(n, 4);
    const b = values(n, 5);
    // Heavy ball: r3 = 0.9; r4 = b·0.9; r5 = r4 + g → over b; r6 = −0.1; r7 = r5·r6; r8 = p + r7 → over p;
    // and the sum of p (x0) itself, which r8 writes over.
    const code = [OP['const']!, 0, 0, 0, OP['mul']!, 2, 3, 0, OP['add']!, 4, 1, 0, OP['const']!, 1, 0, 0, OP['mul']!, 5, 6, 0, OP['add']!, 0, 7, 0];
    const got = run([p, g, b], code, [8, 5], [0, 2], { sums: [0, -1] });
    expect(got.took).toEqual([0, 2]);
    const B = () => tf.add(tf.mul(tf.tensor1d(b), 0.9), tf.tensor1d(g));
    expect(firstDifference(got.outputs[1]!, onCpu(B))).toBeUndefined();
    expect(firstDifference(got.outputs[0]!, onCpu(() => tf.add(tf.tensor1d(p), tf.mul(B(), -0.1))))).toBeUndefined();
    // The sum is of the old p (float64, rounded once): compared loosely, it is far from the new p's.
    const old = p.reduce((a, x) => a + x, 0);
    expect(got.sums[0]![0]).toBeCloseTo(old, 1);
  });

  it('takes no memory another tensor shares, and each input’s for one output only', () => {
    const n = 40001;
    const p = values(n, 6);
    const g = values(n, 7);
    const code = [OP['add']!, 0, 1, 0, OP['sub']!, 0, 1, 0];
    const shared = run([p, g], code, [2, 3], [0, 1], { share: 0 });
    expect(shared.took).toEqual([-1, 1]);
    const twice = run([p, g], code, [2, 3], [0, 0]);
    expect(twice.took).toEqual([0, -1]);
    for (const got of [shared, twice]) {
      expect(firstDifference(got.outputs[0]!, onCpu(() => tf.add(tf.tensor1d(p), tf.tensor1d(g))))).toBeUndefined();
      expect(firstDifference(got.outputs[1]!, onCpu(() => tf.sub(tf.tensor1d(p), tf.tensor1d(g))))).toBeUndefined();
    }
  });
});

/** Values where a fused multiply-add or a swapped operand would show: ±0, ±∞, NaN, tiny and huge. */
const SPECIAL = [0, -0, 1, -1, 1e-30, -1e-30, 3e38, -3e38, Infinity, -Infinity, NaN, 1e-45, 0.1, 1 / 3];

function special(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? SPECIAL[rng.int(SPECIAL.length)]! : (rng.next() - 0.5) * 8));
}

describe.runIf(native)('a mul by a uniform value and the add that alone reads it, run as one loop', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  // y + x·c in each operand order, c a constant or a scalar input, and a product also read elsewhere (not fused).
  it.each([70001, 515])('rounds the product, then the sum, as the two ops apart (n = %i)', (n) => {
    const x = special(n, 21);
    const y = special(n, 22);
    const s = Float32Array.of(-0.1);
    const xs = [tf.tensor1d(x), tf.tensor1d(y), tf.scalar(s[0]!)];
    // r3 = 0.9 (const 0); r4 = x·r3; r5 = y + r4 | r6 = r3·x; r7 = r6 + y | r8 = x·s; r9 = y + r8; r10 = r8 − y (r8 read twice)
    const code = [
      OP['const']!, 0, 0, 0, OP['mul']!, 0, 3, 0, OP['add']!, 1, 4, 0,
      OP['mul']!, 3, 0, 0, OP['add']!, 6, 1, 0,
      OP['mul']!, 0, 2, 0, OP['add']!, 1, 8, 0, OP['sub']!, 8, 1, 0,
    ];
    const out = tf.engine().runKernel(ELEMENTWISE_PROGRAM_KERNEL, { x0: xs[0]!, x1: xs[1]!, x2: xs[2]! }, {
      shape: [n], code, constants: [0.9], outputs: [5, 7, 9, 10],
    } as never) as tf.Tensor[];
    const got = out.map((t) => t.dataSync() as Float32Array);
    tf.dispose([...xs, ...out]);
    const X = () => tf.tensor1d(x);
    const Y = () => tf.tensor1d(y);
    expect(firstDifference(got[0]!, onCpu(() => tf.add(Y(), tf.mul(X(), 0.9))))).toBeUndefined();
    expect(firstDifference(got[1]!, onCpu(() => tf.add(tf.mul(tf.scalar(0.9), X()), Y())))).toBeUndefined();
    expect(firstDifference(got[2]!, onCpu(() => tf.add(Y(), tf.mul(X(), tf.scalar(-0.1)))))).toBeUndefined();
    expect(firstDifference(got[3]!, onCpu(() => tf.sub(tf.mul(X(), tf.scalar(-0.1)), Y())))).toBeUndefined();
  });
});
