/**
 * The native stock-op kernels (harness/backends/native/kernels_stock.ts) against
 * tfjs's reference cpu backend, forward and gradient, to 1e-4 relative: every
 * transpose permutation of ranks 1–4 and sampled ones of ranks 5–6, broadcasting
 * patterns (scalar, row, column, middle axis, rank mismatch) and odd sizes (1, 7, 33,
 * 1000+); the data-movement, depthwise-gradient and fused kernels' cases are in
 * _layout_cases.ts. The table is keyed by kernel name, and a check fails when a registered
 * native kernel has no case here or in native_kernels.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../harness/backends/native/addon.ts';
import { nativeKernelConfigs } from '../../harness/backends/native/kernels.ts';
import { CLIP_GRAD_KERNEL, SIGMOID_GRAD_KERNEL, TANH_GRAD_KERNEL } from '../../harness/backends/native/kernels_gradients.ts';
import { GRU_CELL_GRAD_KERNEL, GRU_CELL_KERNEL, LSTM_CELL_GRAD_KERNEL, LSTM_CELL_KERNEL } from '../../harness/backends/native/kernels_rnn.ts';
import { selectBackend } from '../../harness/backends/select.ts';
import { createRng } from '../../harness/core/rng.ts';
import { ADAM_MOMENTS_DOTS_KERNEL, ADAM_MOMENTS_KERNEL, ADAMP_KERNEL, DAMPED_INVERSE_ROOT_KERNEL, DOTS_KERNEL, ELEMENTWISE_PROGRAM_KERNEL, ELEMENTWISE_PROGRAMS_KERNEL, FACTORED_RMS_KERNEL, FACTORED_RMS_STEP_KERNEL, SAM_PERTURB_KERNEL, SCHEDULE_FREE_KERNEL } from '../../harness/spec.ts';
import { type Case, compare, gradsOf, intTensor, normal, positive, rounded } from './_cpu_reference.ts';
import { LAYOUT_CASES } from './_layout_cases.ts';

const rng = createRng(13);
function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}
const ODD = [1, 2, 3, 5, 7];
const randomShape = (rank: number) => Array.from({ length: rank }, () => ODD[rng.int(ODD.length)]!);

const transposeCases: Case[] = [
  ...[1, 2, 3, 4].flatMap((rank) => permutations(rank).map((perm): Case => {
    const shape = randomShape(rank);
    return [`rank ${rank} [${shape}] perm [${perm}]`, () => {
      const x = normal(shape);
      return { y: tf.transpose(x, perm), ...gradsOf((a) => tf.transpose(a, perm), [x]) };
    }];
  })),
  ...[5, 6].flatMap((rank) => Array.from({ length: 6 }, (): Case => {
    const perm = permutations(rank)[rng.int(rank === 5 ? 120 : 720)]!;
    const shape = randomShape(rank);
    return [`rank ${rank} [${shape}] perm [${perm}]`, () => ({ y: tf.transpose(normal(shape), perm) })];
  })),
  ['a head split [4,33,8,16] → [4,8,33,16] and its merge back', () => {
    const x = normal([4, 33, 8, 16]);
    return { y: tf.transpose(x, [0, 2, 1, 3]), ...gradsOf((a) => tf.transpose(a, [0, 2, 1, 3]), [x]) };
  }],
  ['a 1001×37 matrix (partial tiles), a 5-D head split, int32 and bool', () => ({
    m: tf.transpose(normal([1001, 37])),
    heads: tf.transpose(normal([2, 7, 3, 4, 5]), [2, 0, 3, 1, 4]),
    i: tf.transpose(tf.range(0, 105, 1, 'int32').reshape([3, 5, 7]), [2, 0, 1]),
    b: tf.transpose(tf.greater(normal([3, 5, 7]), 0), [1, 2, 0]),
  })],
];

/** Pairs of shapes for each broadcasting pattern. */
const BROADCASTS: ReadonlyArray<[string, number[], number[]]> = [
  ['same shape', [7, 33], [7, 33]],
  ['scalar', [], [7, 33]],
  ['row', [7, 33], [33]],
  ['column', [7, 1], [7, 33]],
  ['middle axis', [3, 1, 5], [3, 4, 5]],
  ['rank mismatch', [4, 1, 6], [5, 1]],
  ['outer product', [7, 1], [1, 33]],
  ['1000+', [1234], [1234]],
  ['one element', [1], [1]],
];
const ARITHMETIC: ReadonlyArray<[string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, 'any' | 'positive a' | 'away from 0']> = [
  ['Add', tf.add, 'any'], ['Sub', tf.sub, 'any'], ['Multiply', tf.mul, 'any'], ['RealDiv', tf.div, 'away from 0'],
  ['Maximum', tf.maximum, 'any'], ['Minimum', tf.minimum, 'any'], ['Pow', tf.pow, 'positive a'], ['SquaredDifference', tf.squaredDifference, 'any'],
];
const COMPARISONS: ReadonlyArray<[string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor]> = [
  ['Greater', tf.greater], ['GreaterEqual', tf.greaterEqual], ['Less', tf.less], ['LessEqual', tf.lessEqual], ['Equal', tf.equal], ['NotEqual', tf.notEqual],
];
const binaryCases: Record<string, Case[]> = Object.fromEntries([
  ...ARITHMETIC.map(([name, op, domain]) => [name, [
    ...BROADCASTS.map(([pattern, sa, sb]): Case => [`${pattern} ${JSON.stringify(sa)} ∘ ${JSON.stringify(sb)}`, () => {
      const a = domain === 'positive a' ? positive(sa) : normal(sa);
      const b = domain === 'away from 0' ? tf.mul(positive(sb), tf.sign(normal(sb))) : domain === 'positive a' ? tf.mul(normal(sb), 0.7) : normal(sb);
      // tfjs's gradients of Maximum, Minimum and SquaredDifference do not reduce over
      // broadcast axes (they fail on cpu too): those are checked on equal shapes only.
      const gradOk = !['Maximum', 'Minimum', 'SquaredDifference'].includes(name) || sa.join() === sb.join();
      return { y: op(a, b), ...(gradOk ? gradsOf(op, [a, b]) : {}) };
    }]),
    ...(name === 'RealDiv' || name === 'Pow' ? [] : [[`int32, row broadcast`, () => ({ y: op(intTensor([5, 7]), intTensor([7])) })] as Case]),
  ]]),
  ...COMPARISONS.map(([name, op]) => [name, [
    ...BROADCASTS.map(([pattern, sa, sb]): Case => [`${pattern} float32`, () => ({ y: op(rounded(sa), rounded(sb)) })]),
    [`int32, column broadcast`, () => ({ y: op(intTensor([5, 1]), intTensor([5, 7])) })] as Case,
  ]]),
]);

const UNARY: ReadonlyArray<[string, (x: tf.Tensor) => tf.Tensor, 'any' | 'positive']> = [
  ['Sqrt', tf.sqrt, 'positive'], ['Rsqrt', tf.rsqrt, 'positive'], ['Exp', tf.exp, 'any'], ['Log', tf.log, 'positive'],
  ['Tanh', tf.tanh, 'any'], ['Sigmoid', tf.sigmoid, 'any'], ['Relu', tf.relu, 'any'], ['Elu', tf.elu, 'any'], ['Erf', tf.erf, 'any'],
  ['Sign', tf.sign, 'any'], ['Abs', tf.abs, 'any'], ['Neg', tf.neg, 'any'], ['Square', tf.square, 'any'], ['Reciprocal', tf.reciprocal, 'positive'],
  ['Step', (x) => tf.step(x, 0.3), 'any'],
];
const unaryCases: Record<string, Case[]> = Object.fromEntries(UNARY.map(([name, op, domain]) => [name, [7, 33, 1234].map((n): Case => [`${n} elements`, () => {
  // Exact zeros too: Sign, Step and Relu decide at 0.
  const x = domain === 'positive' ? positive([n]) : tf.concat([normal([n - 1]), tf.zeros([1])]);
  return { y: op(x), ...gradsOf(op, [x]) };
}])]));

const reduce = (op: (x: tf.Tensor, axes?: number | number[], keepDims?: boolean) => tf.Tensor) =>
  ([[0], [1], [-1], [0, 2], [1, 2], undefined] as const).flatMap((axes) => [false, true].map((keepDims): Case => [`axes ${JSON.stringify(axes)} keepDims ${keepDims}`, () => {
    const x = tf.add(1, tf.mul(0.2, normal([5, 7, 33])));
    const f = (a: tf.Tensor) => op(a, axes === undefined ? undefined : [...axes], keepDims);
    // tfjs's Prod gradient cannot take a negative axis (on cpu either).
    return { y: f(x), ...(op === tf.prod && axes?.[0] === -1 ? {} : gradsOf(f, [x])) };
  }]));
// Over a middle axis, big enough to be split between threads at places that cut rows of
// the kept inner axis (2100 outputs in 8 ranges), with NaNs, which win as on cpu.
const middleAxis = (op: (x: tf.Tensor, axes?: number | number[], keepDims?: boolean) => tf.Tensor) => [
  ['[3,50,700] over axis 1 (split between threads), with gradient', () => {
    const x = normal([3, 50, 700]);
    return { y: op(x, 1), ...gradsOf((a) => op(a, 1), [x]) };
  }],
  ['[2,3,4,33] over axes [1,2] keepDims, with NaNs', () => {
    const nan = tf.tensor1d(Array.from({ length: 2 * 3 * 4 * 33 }, (_, i) => (i % 37 === 5 ? NaN : 0))).reshape([2, 3, 4, 33]);
    return { y: op(tf.add(normal([2, 3, 4, 33]), nan), [1, 2], true) };
  }],
] as Case[];
const argReduce = (op: (x: tf.Tensor, axis: number) => tf.Tensor) => [0, 1, 2, -1].map((axis): Case => [`axis ${axis}`, () => ({
  y: op(normal([5, 7, 33]), axis), long: op(normal([3, 1200]), axis === 0 ? 0 : 1),
})]);

const CASES: Record<string, Case[]> = {
  ...LAYOUT_CASES,
  Transpose: transposeCases,
  ...binaryCases,
  ...unaryCases,
  Select: [
    ['same-shape condition, with gradient', () => {
      const c = tf.greater(normal([7, 33]), 0);
      const a = normal([7, 33]);
      const b = normal([7, 33]);
      return { y: tf.where(c, a, b), ...gradsOf((p, q) => tf.where(c, p, q), [a, b]) };
    }],
    ['broadcast condition (masked attention scores) and int32/bool values', () => ({
      masked: tf.where(tf.greater(normal([1, 5, 5]), 0), normal([3, 5, 5]), tf.fill([3, 5, 5], -1e9)),
      ints: tf.where(tf.greater(normal([1234]), 0), intTensor([1234]), intTensor([1234])),
      bools: tf.where(tf.greater(normal([7]), 0), tf.greater(normal([7]), 0), tf.less(normal([7]), 0)),
    })],
  ],
  Cast: [['float32 ↔ int32 ↔ bool', () => {
    const x = tf.mul(normal([1234]), 5);
    return { toInt: tf.cast(x, 'int32'), toBool: tf.cast(tf.round(x), 'bool'), intToFloat: tf.cast(intTensor([33]), 'float32'),
      intToBool: tf.cast(intTensor([33]), 'bool'), boolToFloat: tf.cast(tf.greater(x, 0), 'float32'), boolToInt: tf.cast(tf.greater(x, 0), 'int32') };
  }], ['to its own dtype (shares memory), used after the input is gone', () => {
    const [f, i, b] = tf.tidy(() => {
      const x = tf.mul(normal([33, 7]), 5);
      return [tf.cast(x, 'float32'), tf.cast(tf.cast(x, 'int32'), 'int32'), tf.cast(tf.greater(x, 0), 'bool')];
    });
    return { f: tf.add(f, 1), i, b: tf.cast(b, 'int32') };
  }]],
  OneHot: [['float32 and int32, with out-of-range ids', () => {
    const ids = tf.tensor2d([[0, 3, -1], [6, 2, 7]], undefined, 'int32');
    return { f: tf.oneHot(ids, 7, 2.5, -1, 'float32'), i: tf.oneHot(tf.tensor1d([4, 0, 1000], 'int32'), 1001) };
  }]],
  Softmax: [
    ...[[7, 33], [3, 5, 1], [2, 3, 1001], [1]].map((shape): Case => [`[${shape}] with gradient`, () => {
      const x = tf.mul(normal(shape), 3);
      return { y: tf.softmax(x), ...gradsOf((a) => tf.softmax(a), [x]) };
    }]),
    ['masked rows (−1e9) and log-softmax through its ops', () => {
      const mask = tf.mul(tf.cast(tf.greater(normal([4, 9, 9]), 0.5), 'float32'), -1e9);
      const x = normal([4, 9, 9]);
      return { masked: tf.softmax(tf.add(x, mask)), log: tf.logSoftmax(x), ...gradsOf((a) => tf.logSoftmax(a), [x]) };
    }],
  ],
  Max: [...reduce(tf.max), ...middleAxis(tf.max)],
  Min: [...reduce(tf.min), ...middleAxis(tf.min)],
  Prod: reduce(tf.prod),
  ArgMax: argReduce(tf.argMax),
  ArgMin: argReduce(tf.argMin),
  GatherV2: [0, 1, 2, -1].map((axis): Case => [`axis ${axis}, 2-D indices, float32/int32/bool, with gradient`, () => {
    const x = normal([7, 5, 33]);
    const ids = tf.tensor2d([[0, 4, 4], [2, 1, 0]], undefined, 'int32');
    return {
      y: tf.gather(x, ids, axis), i: tf.gather(intTensor([7, 5, 33]), ids, axis), b: tf.gather(tf.greater(x, 0), ids, axis),
      ...gradsOf((a) => tf.gather(a, ids, axis), [x]),
    };
  }]),
  UnsortedSegmentSum: [
    // Small segment counts: the cpu reference costs a few ops per segment.
    ['embedding-bag shaped: 1500 rows of 33 into 37 segments, repeated ids', () => {
      const ids = tf.tensor1d(Array.from({ length: 1500 }, (_, i) => (i * 7919) % 37), 'int32');
      return { y: tf.unsortedSegmentSum(normal([1500, 33]), ids, 37) };
    }],
    ['1-D values, empty segments', () => ({
      flat: tf.unsortedSegmentSum(normal([7]), tf.tensor1d([0, 3, 3, 0, 5, 1, 3], 'int32'), 9),
    })],
  ],
};

/** Kernels whose cases live in native_kernels.test.ts. */
// ELEMENTWISE_PROGRAM_KERNEL: test/backends/elementwise_program.test.ts; ELEMENTWISE_PROGRAMS_KERNEL: elementwise_programs.test.ts; FusedBatchNorm: native_norm.test.ts; the fused
// activation gradients: test/backends/native_gradients.test.ts; the fused LSTM and GRU cells: native_rnn_cells.test.ts;
// the optimizer kernels DOTS_KERNEL, SCHEDULE_FREE_KERNEL, ADAM_MOMENTS_DOTS_KERNEL, SAM_PERTURB_KERNEL and ADAMP_KERNEL:
// native_dots.test.ts, native_schedule_free.test.ts, native_adam_dots.test.ts, native_sam_perturb.test.ts and native_adamp.test.ts.
const COVERED_ELSEWHERE = [DOTS_KERNEL, DAMPED_INVERSE_ROOT_KERNEL, FACTORED_RMS_KERNEL, FACTORED_RMS_STEP_KERNEL, SCHEDULE_FREE_KERNEL, ADAM_MOMENTS_DOTS_KERNEL, SAM_PERTURB_KERNEL, ADAMP_KERNEL, LSTM_CELL_KERNEL, LSTM_CELL_GRAD_KERNEL, GRU_CELL_KERNEL, GRU_CELL_GRAD_KERNEL, 'FusedBatchNorm', 'BatchMatMul', 'Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'MaxPool', 'MaxPoolGrad', 'Sum', 'Mean', ADAM_MOMENTS_KERNEL, ELEMENTWISE_PROGRAM_KERNEL, ELEMENTWISE_PROGRAMS_KERNEL, 'Identity',
  TANH_GRAD_KERNEL, SIGMOID_GRAD_KERNEL, CLIP_GRAD_KERNEL];

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('native stock-op kernels', () => {
  it('every registered native kernel has a conformance case', () => {
    const addon = loadNativeAddon();
    expect(addon, 'run `npm run build:native` (needs python3, make, g++)').toBeDefined();
    const registered = nativeKernelConfigs(addon!, (name) => tf.getKernel(name, 'wasm')).map((c) => c.kernelName);
    const uncovered = registered.filter((name) => !(name in CASES && CASES[name]!.length > 0) && !COVERED_ELSEWHERE.includes(name));
    expect(uncovered).toEqual([]);
  });

  for (const [name, cases] of Object.entries(CASES)) {
    it.each(cases.map(([label, run]) => [label, run] as const))(`${name}: %s matches cpu`, (_, run) => compare(run));
  }

  it('UnsortedSegmentSum gives the same bits on every run (threads own segment ranges)', () => {
    tf.setBackend('wasm');
    const once = () => tf.tidy(() => {
      // Big enough to be split between threads (4096·16 + 4096·16 elements ≥ 32K).
      const ids = tf.tensor1d(Array.from({ length: 4096 }, (_, i) => (i * 104729) % 4096), 'int32');
      return Buffer.from((tf.unsortedSegmentSum(tf.randomNormal([4096, 16], 0, 1, 'float32', 7), ids, 4096).dataSync() as Float32Array).buffer);
    });
    // Byte comparison: a deep equality of 1M numbers costs minutes on a loaded machine.
    expect(Buffer.compare(once(), once())).toBe(0);
  });

  it('rejects an out-of-range index on any axis', () => {
    tf.setBackend('wasm');
    expect(() => tf.tidy(() => tf.gather(tf.zeros([3, 4]), tf.tensor1d([1, 4], 'int32'), 1).dataSync())).toThrow(/index 4 is not in \[0, 4\)/);
  });
});
