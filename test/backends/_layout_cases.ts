/**
 * Cases for the native data-movement kernels (Tile, Slice, StridedSlice, Concat, Pack,
 * Unpack, SplitV, PadV2), the depthwise convolution and its gradients and the fused
 * matmul/conv kernels, checked against the cpu backend by native_stock_kernels.test.ts:
 * odd sizes, every axis including negative ones, int32 and bool where the op takes
 * them, and the gradient through each op (which runs the others: Slice's gradient
 * pads, Concat's splits, Pack's unpacks).
 */
import * as tf from '@tensorflow/tfjs';
import { type Case, gradsOf, intTensor, normal } from './_cpu_reference.ts';

const bools = (shape: number[]) => tf.greater(normal(shape), 0);

const tile: Case[] = [
  ...([[[7], [3]], [[2, 3], [3, 2]], [[3, 1, 5], [1, 4, 2]], [[1, 1, 1, 5], [3, 4, 3, 1]]] as const).map(([shape, reps]): Case => [
    `[${shape}] × [${reps}] with gradient`, () => {
      const x = normal([...shape]);
      return { y: tf.tile(x, [...reps]), ...gradsOf((a) => tf.tile(a, [...reps]), [x]) };
    }]),
  ['int32 and bool, rank 5', () => ({ i: tf.tile(intTensor([2, 1, 3, 1, 2]), [1, 3, 1, 2, 2]), b: tf.tile(bools([3, 2]), [2, 5]) })],
];

const slice: Case[] = [
  ...([[[33], [4], [20]], [[7, 33], [2, 5], [4, 27]], [[5, 7, 9], [1, 0, 3], [3, 7, 5]], [[3, 4, 5, 6], [0, 1, 2, 3], [3, 2, 2, 3]],
    [[2, 3, 4, 5, 6], [1, 1, 0, 2, 1], [1, 2, 4, 3, 4]], [[9, 5], [3, 0], [4, 5]]] as const).map(([shape, begin, size]): Case => [
    `[${shape}] from [${begin}] size [${size}] with gradient`, () => {
      const x = normal([...shape]);
      return { y: tf.slice(x, [...begin], [...size]), ...gradsOf((a) => tf.slice(a, [...begin], [...size]), [x]) };
    }]),
  ['size −1 (to the end), int32 and bool, an empty slice', () => ({
    rest: tf.slice(normal([5, 7]), [2, 3], [-1, -1]), i: tf.slice(intTensor([4, 6]), [1, 2], [2, 3]),
    b: tf.slice(bools([4, 6]), [0, 1], [4, 2]), empty: tf.slice(normal([4, 6]), [1, 2], [0, 3]),
  })],
];

const stridedSlice: Case[] = [
  ['strides 2 and 3, a negative stride, begin/end masks', () => {
    const x = normal([7, 9, 5]);
    return {
      a: tf.stridedSlice(x, [1, 0, 1], [7, 9, 5], [2, 3, 1]),
      b: tf.stridedSlice(x, [6, 8, 0], [0, 0, 5], [-1, -2, 1]),
      c: tf.stridedSlice(x, [2, 2, 2], [0, 0, 0], [1, 1, 1], 0b101, 0b011),
    };
  }],
  ['shrink-axis mask (x[:, 3]), int32 and bool', () => ({
    s: tf.stridedSlice(normal([4, 6, 3]), [0, 3, 0], [4, 4, 3], [1, 1, 1], 0, 0, 0, 0, 0b010),
    i: tf.stridedSlice(intTensor([5, 7]), [1, 1], [5, 7], [2, 2]),
    b: tf.stridedSlice(bools([5, 7]), [0, 6], [5, 0], [1, -3]),
  })],
];

const concat: Case[] = [
  ...[0, 1, 2, -1].map((axis): Case => [`three parts along axis ${axis}, with gradient`, () => {
    const shapes = [[3, 5, 7], [3, 5, 7], [3, 5, 7]].map((s, p) => s.map((d, i) => (i === (axis + 3) % 3 ? d + p : d)));
    const xs = shapes.map((s) => normal(s));
    return { y: tf.concat(xs, axis), ...gradsOf((...ys) => tf.concat(ys, axis), xs) };
  }]),
  ['1-D, int32, bool, and an empty part', () => ({
    flat: tf.concat([normal([33]), normal([1]), normal([1000])]),
    i: tf.concat([intTensor([2, 3]), intTensor([2, 4])], 1),
    b: tf.concat([bools([3, 2]), bools([1, 2])], 0),
    withEmpty: tf.concat([normal([2, 0]), normal([2, 3])], 1),
  })],
];

const pack: Case[] = [
  ...[0, 1, 2, -1].map((axis): Case => [`four [5,7] along axis ${axis}, with gradient`, () => {
    const xs = [0, 1, 2, 3].map(() => normal([5, 7]));
    return { y: tf.stack(xs, axis), ...gradsOf((...ys) => tf.stack(ys, axis), xs) };
  }]),
  ['int32 and bool', () => ({ i: tf.stack([intTensor([3]), intTensor([3])], 1), b: tf.stack([bools([2, 2]), bools([2, 2])]) })],
];

const unpack: Case[] = [
  ...[0, 1, 2, -1].map((axis): Case => [`[4,5,3] along axis ${axis}, with gradient`, () => {
    const x = normal([4, 5, 3]);
    const parts = tf.unstack(x, axis);
    const grads = gradsOf((a) => tf.stack(tf.unstack(a, axis).map((p, i) => tf.mul(p, i + 1)), axis), [x]);
    return { ...Object.fromEntries(parts.map((p, i) => [`p${i}`, p])), ...grads };
  }]),
  ['int32 and bool', () => {
    const [i0, i1] = tf.unstack(intTensor([2, 5]));
    const [b0] = tf.unstack(bools([3, 4]), 1);
    return { i0: i0!, i1: i1!, b0: b0! };
  }],
];

const splitV: Case[] = [
  ...([[3, 0], [[2, 4, 1], 1], [[1, -1], -1]] as const).map(([split, axis]): Case => [`split ${JSON.stringify(split)} along axis ${axis}, with gradient`, () => {
    const x = normal([6, 7, 5]);
    const parts = tf.split(x, split as number | number[], axis);
    const grads = gradsOf((a) => tf.concat(tf.split(a, split as number | number[], axis).map((p, i) => tf.mul(p, i + 1)), axis), [x]);
    return { ...Object.fromEntries(parts.map((p, i) => [`p${i}`, p])), ...grads };
  }]),
  ['int32', () => Object.fromEntries(tf.split(intTensor([4, 6]), [1, 5], 1).map((p, i) => [`p${i}`, p]))],
];

const padV2: Case[] = [
  ...([[[7], [[2, 3]]], [[3, 5], [[1, 0], [2, 2]]], [[2, 3, 4, 5], [[0, 1], [1, 1], [2, 0], [0, 3]]]] as const).map(([shape, paddings]): Case => [
    `[${shape}] padded ${JSON.stringify(paddings)} with gradient`, () => {
      const x = normal([...shape]);
      const p = paddings.map(([a, b]) => [a, b] as [number, number]);
      return { y: tf.pad(x, p, 1.5), ...gradsOf((a) => tf.pad(a, p), [x]) };
    }]),
  ['int32', () => ({ i: tf.pad(intTensor([3, 4]), [[1, 2], [0, 1]], 7) })],
];

type DepthwiseGeometry = readonly [x: number[], filter: number[], strides: number, pad: 'same' | 'valid', dilation: number];
const DEPTHWISE: readonly DepthwiseGeometry[] = [
  [[2, 7, 9, 5], [3, 3, 5, 1], 1, 'same', 1],
  [[3, 8, 7, 4], [3, 3, 4, 2], 2, 'same', 1],
  [[2, 9, 9, 3], [2, 3, 3, 1], 1, 'valid', 1],
  [[1, 10, 11, 6], [5, 5, 6, 1], 3, 'valid', 1],
];
// Both gradients come from one backward pass, so each kernel gets the same cases. Dilation
// stays 1: tfjs has no depthwise gradient for dilated filters (on cpu either).
const depthwise: Case[] = DEPTHWISE.map(([xs, fs, strides, pad, dilation]): Case => [
  `x [${xs}] filter [${fs}] stride ${strides} ${pad} dilation ${dilation}`, () => {
    const x = normal(xs);
    const w = normal(fs);
    const f = (a: tf.Tensor, b: tf.Tensor) => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad, 'NHWC', dilation);
    return { y: f(x, w), ...gradsOf(f, [x, w]) };
  }]);

const ACTIVATIONS = ['linear', 'relu', 'relu6', 'elu', 'sigmoid'] as const;
const fusedMatMul: Case[] = [
  ...ACTIVATIONS.map((activation): Case => [`[33,17]·[17,9] + bias, ${activation}`, () => ({
    y: tf.fused.matMul({ a: normal([33, 17]), b: normal([17, 9]), bias: normal([9]), activation }),
  })]),
  ['transposed and batched operands, no bias, relu', () => ({
    y: tf.fused.matMul({ a: normal([3, 17, 5]), b: normal([3, 7, 17]), transposeA: true, transposeB: true, activation: 'relu' }),
  })],
  ['gradient through bias (linear, as in training)', () => {
    const [a, b, bias] = [normal([13, 7]), normal([7, 5]), normal([5])];
    return gradsOf((p, q, r) => tf.fused.matMul({ a: p as tf.Tensor2D, b: q as tf.Tensor2D, bias: r }), [a, b, bias]);
  }],
];

const fusedConv: Case[] = [
  ...ACTIVATIONS.map((activation): Case => [`[2,9,7,3] * [3,3,3,5] + bias, ${activation}`, () => ({
    y: tf.fused.conv2d({ x: normal([2, 9, 7, 3]) as tf.Tensor4D, filter: normal([3, 3, 3, 5]) as tf.Tensor4D, strides: 1, pad: 'same', bias: normal([5]), activation }),
  })]),
  ['gradient through bias, stride 2 (linear, as in training)', () => {
    const [x, w, bias] = [normal([2, 9, 7, 3]), normal([3, 3, 3, 4]), normal([4])];
    return gradsOf((p, q, r) => tf.fused.conv2d({ x: p as tf.Tensor4D, filter: q as tf.Tensor4D, strides: 2, pad: 'valid', bias: r }), [x, w, bias]);
  }],
];

// The forward kernel gets the gradients' cases too, and a dilated filter with 33
// channels (vector remainders), forward only.
const depthwiseForward: Case[] = [
  ...depthwise,
  ['x [2,9,8,33] filter [3,3,33,1] stride 1 same dilation 2', () => ({
    y: tf.depthwiseConv2d(normal([2, 9, 8, 33]) as tf.Tensor4D, normal([3, 3, 33, 1]) as tf.Tensor4D, 1, 'same', 'NHWC', 2),
  })],
];

const fusedDepthwise: Case[] = [
  ...ACTIVATIONS.map((activation): Case => [`[2,9,7,6] * [3,3,6,2] + bias, ${activation}`, () => ({
    y: tf.fused.depthwiseConv2d({ x: normal([2, 9, 7, 6]) as tf.Tensor4D, filter: normal([3, 3, 6, 2]) as tf.Tensor4D, strides: 1, pad: 'same', bias: normal([12]), activation }),
  })]),
  ['gradient through bias, stride 2 (linear, as in training)', () => {
    const [x, w, bias] = [normal([2, 9, 7, 5]), normal([3, 3, 5, 1]), normal([5])];
    return gradsOf((p, q, r) => tf.fused.depthwiseConv2d({ x: p as tf.Tensor4D, filter: q as tf.Tensor4D, strides: 2, pad: 'valid', bias: r }), [x, w, bias]);
  }],
];

export const LAYOUT_CASES: Record<string, Case[]> = {
  Tile: tile,
  Slice: slice,
  StridedSlice: stridedSlice,
  Concat: concat,
  Pack: pack,
  Unpack: unpack,
  SplitV: splitV,
  PadV2: padV2,
  DepthwiseConv2dNative: depthwiseForward,
  DepthwiseConv2dNativeBackpropInput: depthwise,
  DepthwiseConv2dNativeBackpropFilter: depthwise,
  _FusedMatMul: fusedMatMul,
  FusedConv2D: fusedConv,
  FusedDepthwiseConv2D: fusedDepthwise,
};
