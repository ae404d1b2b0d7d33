/**
 * ELEMENTWISE_PROGRAMS_KERNEL (harness/spec.ts): one program over several tensors in one
 * call. Each tensor's outputs are checked bit for bit against the cpu backend running
 * the program's ops on that tensor alone (tfjs ops, independent of the kernel), on odd
 * sizes (one element, a block and a bit, sizes split between threads, several tensors
 * of one call split into tasks together), with a size-1 input broadcast and each
 * tensor's own constant; donated inputs
 * are taken over per tensor, and not where another tensor holds the memory. Then the
 * kit's `materialize`: programs that compute the same thing run as one call, with the
 * bits of one call per program.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../harness/backends/native/addon.ts';
import { selectBackend } from '../../harness/backends/select.ts';
import { createRng } from '../../harness/core/rng.ts';
import { ELEMENTWISE_PROGRAM_OPS, ELEMENTWISE_PROGRAMS_KERNEL } from '../../harness/spec.ts';
import { materialize, symbolic } from '../../submissions/kit/elementwise.ts';

const native = loadNativeAddon()?.elementwisePrograms !== undefined;
const OP = Object.fromEntries(ELEMENTWISE_PROGRAM_OPS.map(([name], i) => [name, i])) as Record<string, number>;

function values(n: number, seed: number, offset = 0): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => (rng.next() - 0.5) * 8 + offset);
}

function firstDifference(actual: Float32Array, expected: Float32Array): string | undefined {
  if (actual.length !== expected.length) return `length ${actual.length} vs ${expected.length}`;
  for (let i = 0; i < actual.length; i++) if (!Object.is(actual[i], expected[i])) return `element ${i}: ${actual[i]} vs ${expected[i]}`;
  return undefined;
}

function onCpu<T>(f: () => T): T {
  tf.setBackend('cpu');
  try {
    return f();
  } finally {
    tf.setBackend('wasm');
  }
}

// Registers 0 p, 1 g, 2 v (v > 0), 3 s (size 1). The code (4 numbers per op):
//   r4 = const −lr           r5 = mul(g, r4)        r6 = add(p, r5)     (p − lr·g: output 0)
//   r7 = mul(v, s)           r8 = sqrt(r7)          r9 = div(g, r8)
//   r10 = mulAdd(r9, s, p)                                                (output 1)
const CODE = [
  OP['const']!, 0, 0, 0,
  OP['mul']!, 1, 4, 0,
  OP['add']!, 0, 5, 0,
  OP['mul']!, 2, 3, 0,
  OP['sqrt']!, 7, 0, 0,
  OP['div']!, 1, 8, 0,
  OP['mulAdd']!, 9, 3, 0,
];
const OUTPUTS = [6, 10];

/** The same program as cpu-backend ops on one tensor's values. */
function expected(p: Float32Array, g: Float32Array, v: Float32Array, s: number, lr: number): Float32Array[] {
  return onCpu(() =>
    tf.tidy(() => {
      const [pt, gt, vt, st] = [tf.tensor1d(p), tf.tensor1d(g), tf.tensor1d(v), tf.scalar(s)];
      const out0 = tf.add(pt, tf.mul(gt, tf.scalar(-lr)));
      const out1 = tf.add(tf.mul(tf.div(gt, tf.sqrt(tf.mul(vt, st))), st), pt);
      return [out0.dataSync() as Float32Array, out1.dataSync() as Float32Array];
    }),
  );
}

interface Case {
  readonly p: Float32Array;
  readonly g: Float32Array;
  readonly v: Float32Array;
  readonly s: number;
  /** The tensor's own constant. */
  readonly lr: number;
}

function cases(sizes: readonly number[]): Case[] {
  return sizes.map((n, t) => ({ p: values(n, 10 * t + 1), g: values(n, 10 * t + 2), v: values(n, 10 * t + 3, 5), s: 0.5 + t, lr: 0.1 * (t + 1) }));
}

/** Runs the kernel on fresh tensors, tensor t's p donated where `donate` says; returns each tensor's outputs and which took p's memory. */
function run(all: readonly Case[], options: { donate?: boolean; share?: number } = {}): { outputs: Float32Array[][]; tookP: boolean[] } {
  const tensors = all.map((c) => [tf.tensor1d(c.p), tf.tensor1d(c.g), tf.tensor1d(c.v), tf.scalar(c.s)]);
  const clone = options.share === undefined ? undefined : tensors[options.share]![0]!.clone();
  const inputs = Object.fromEntries(tensors.flat().map((x, i) => [`x${i}`, x]));
  const attrs = {
    shapes: all.map((c) => [c.p.length]),
    code: CODE,
    constants: all.map((c) => -c.lr),
    outputs: OUTPUTS,
    ...(options.donate ? { inPlace: all.flatMap(() => [0, -1]) } : {}),
  };
  const out = tf.engine().runKernel(ELEMENTWISE_PROGRAMS_KERNEL, inputs, attrs as never) as tf.Tensor[];
  const result = {
    outputs: all.map((_, t) => [out[2 * t]!.dataSync() as Float32Array, out[2 * t + 1]!.dataSync() as Float32Array]),
    tookP: all.map((_, t) => out[2 * t]!.dataId === tensors[t]![0]!.dataId),
  };
  if (clone !== undefined) expect(firstDifference(clone.dataSync() as Float32Array, all[options.share!]!.p), 'the clone keeps its values').toBeUndefined();
  tf.dispose([...tensors.flat(), ...out, ...(clone ? [clone] : [])]);
  return result;
}

function expectAsCpu(all: readonly Case[], outputs: Float32Array[][]): void {
  all.forEach((c, t) => {
    const [e0, e1] = expected(c.p, c.g, c.v, c.s, c.lr);
    expect(firstDifference(outputs[t]![0]!, e0!), `tensor ${t} (${c.p.length}) output 0`).toBeUndefined();
    expect(firstDifference(outputs[t]![1]!, e1!), `tensor ${t} (${c.p.length}) output 1`).toBeUndefined();
  });
}

describe.runIf(native)('one elementwise program over several tensors in one call', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  // One element, a block and a bit, a size split between threads (odd), a tail of tiny ones;
  // and a call whose tensors are each below the threads' threshold but not together.
  const SIZE_SETS = [
    [70001, 1, 513, 3, 131072, 7],
    [20000, 20000, 1000],
  ];

  it.each(SIZE_SETS.map((sizes) => [sizes]))('each tensor gets the cpu backend\'s bits (sizes %j)', (sizes) => {
    const all = cases(sizes);
    expectAsCpu(all, run(all).outputs);
  });

  it('writes each tensor\'s donated input in place, with the same bits', () => {
    const all = cases([70001, 1, 513, 131072]);
    const { outputs, tookP } = run(all, { donate: true });
    expectAsCpu(all, outputs);
    // A one-element tensor is never written in place (the kernel's rule for n = 1).
    expect(tookP).toEqual([true, false, true, true]);
  });

  it('does not take memory another tensor holds', () => {
    const all = cases([70001, 513]);
    const { outputs, tookP } = run(all, { donate: true, share: 0 });
    expectAsCpu(all, outputs);
    expect(tookP).toEqual([false, true]);
  });

  it('rejects inputs that do not divide among the shapes, naming the fix', () => {
    const xs = [tf.zeros([4]), tf.zeros([4]), tf.zeros([4])];
    expect(() =>
      tf.engine().runKernel(ELEMENTWISE_PROGRAMS_KERNEL, { x0: xs[0]!, x1: xs[1]!, x2: xs[2]! }, { shapes: [[4], [4]], code: [OP['add']!, 0, 1, 0], constants: [], outputs: [2] } as never),
    ).toThrow(/same number of inputs for each of the shapes/);
    tf.dispose(xs);
  });
});

describe.runIf(native)('materialize runs programs that compute the same thing as one call', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  /** p + (−0.1)·g for each parameter (p·0.5 + g for the one named 'b', p + (−0.2)·g for 'd'), with the kernel names called. */
  function step(shapes: Record<string, number[]>, withMulti: boolean): { values: Record<string, Float32Array>; calls: string[] } {
    const config = tf.getKernel(ELEMENTWISE_PROGRAMS_KERNEL, 'wasm')!;
    if (!withMulti) tf.unregisterKernel(ELEMENTWISE_PROGRAMS_KERNEL, 'wasm');
    const engine = tf.engine() as unknown as { runKernel: (...args: unknown[]) => unknown };
    const original = engine.runKernel;
    const calls: string[] = [];
    engine.runKernel = function (this: unknown, ...args: unknown[]) {
      calls.push(args[0] as string);
      return original.apply(this, args);
    };
    try {
      return tf.tidy(() => {
        const params = Object.fromEntries(Object.entries(shapes).map(([name, shape], i) => [name, tf.tensor(values(shape.reduce((a, b) => a * b, 1), 50 + i), shape)]));
        const grads = Object.fromEntries(Object.entries(shapes).map(([name, shape], i) => [name, tf.tensor(values(shape.reduce((a, b) => a * b, 1), 80 + i), shape)]));
        const exprs = symbolic(grads);
        const next: Record<string, unknown> = {};
        for (const [name, g] of Object.entries(exprs)) {
          const { add, mul } = g.program;
          next[name] = name === 'b' ? add(mul(params[name]!, 0.5), g) : add(params[name]!, mul(g, name === 'd' ? -0.2 : -0.1));
        }
        calls.length = 0;
        const out = materialize<Record<string, tf.Tensor>>(next);
        return { values: Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.dataSync() as Float32Array])), calls: [...calls] };
      });
    } finally {
      engine.runKernel = original;
      if (!withMulti) tf.registerKernel(config);
    }
  }

  const SHAPES = { w1: [301, 233], a: [7], b: [513], w2: [64, 5], c: [1], d: [40000] };

  it('one call for the five alike (one with its own constant), one for the other ops; the bits of a call per program', () => {
    const multi = step(SHAPES, true);
    const single = step(SHAPES, false);
    expect(multi.calls).toEqual([ELEMENTWISE_PROGRAMS_KERNEL, 'AlgobenchElementwiseProgram']);
    expect(single.calls).toEqual(Array(6).fill('AlgobenchElementwiseProgram'));
    for (const name of Object.keys(SHAPES)) expect(firstDifference(multi.values[name]!, single.values[name]!), name).toBeUndefined();
    // And the rule itself, on the cpu backend: p − 0.1·g as tf.add(p, tf.mul(g, −0.1)).
    const p = values(301 * 233, 50);
    const g = values(301 * 233, 80);
    const reference = onCpu(() => tf.tidy(() => tf.add(tf.tensor1d(p), tf.mul(tf.tensor1d(g), -0.1)).dataSync() as Float32Array));
    expect(firstDifference(multi.values['w1']!, reference)).toBeUndefined();
    const pd = values(40000, 55);
    const gd = values(40000, 85);
    const referenceD = onCpu(() => tf.tidy(() => tf.add(tf.tensor1d(pd), tf.mul(tf.tensor1d(gd), -0.2)).dataSync() as Float32Array));
    expect(firstDifference(multi.values['d']!, referenceD), 'd, with its own constant').toBeUndefined();
  });
});
