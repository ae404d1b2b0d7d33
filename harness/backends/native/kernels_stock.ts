/**
 * Native kernels for the stock TensorFlow.js ops that models written the usual way
 * run on (transformer head splits, layer norms from tf.moments, masked softmax,
 * embedding bags, every optimizer's elementwise update): Transpose, broadcasting
 * binary ops, unary float ops, Select, Cast, OneHot, Softmax, Max/Min/Prod/ArgMax/
 * ArgMin, GatherV2 on any axis and UnsortedSegmentSum — on both cores (src/stock.h).
 * Each falls back to the kernel it replaces for dtypes and cases it does not cover.
 */
import * as tf from '@tensorflow/tfjs';
import { type Info, wasmBackend } from '../wasm/kernel_utils.ts';
import type { NativeAddon } from './addon.ts';
import { broadcastStrides, DTYPE_CODES, ELEMENT_BYTES, fallback, type Fallback, heap, kernel, product } from './kernel_parts.ts';
import { fusedKernelConfigs } from './kernels_fused.ts';
import { layoutKernelConfigs } from './kernels_layout.ts';

/** Axis attrs (a number, a list, or null for all) as sorted, deduplicated, non-negative axes. */
function axesOf(attr: unknown, rank: number): number[] {
  const list = attr == null ? [...Array(rank).keys()] : [attr as number | number[]].flat();
  return [...new Set(list.map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
}

function transposeKernel(addon: NativeAddon, original: Fallback): tf.KernelConfig {
  return kernel('Transpose', (args) => {
    const x = args.inputs['x']!;
    const perm = (args.attrs?.['perm'] as number[]).map(Number);
    const bytes = ELEMENT_BYTES[x.dtype];
    if (bytes === undefined || perm.length !== x.shape.length || perm.length > 8) return fallback(original, args, `Transpose of ${x.dtype} or rank > 8`);
    const backend = wasmBackend(args);
    // A permutation that keeps the order of the axes longer than 1 moves no element
    // (tf.gather's gradient transposes by [0, 1] on axis 0): share x's memory, as Reshape does.
    const moved = perm.filter((p) => x.shape[p]! > 1);
    if (moved.every((p, i) => i === 0 || p > moved[i - 1]!)) {
      (args.backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: perm.map((p) => x.shape[p]!), dtype: x.dtype };
    }
    const out = backend.makeOutput(perm.map((p) => x.shape[p]!), x.dtype);
    if (product(x.shape) > 0) addon.transpose(heap(backend, x), heap(backend, out), bytes, Float64Array.from(x.shape), Float64Array.from(perm));
    return out;
  });
}

/** The binary ops, their addon code, and whether int32 inputs are covered. */
const BINARY_OPS: ReadonlyArray<[name: string, code: number, int32: boolean]> = [
  ['Add', 0, true], ['Sub', 1, true], ['Multiply', 2, true], ['RealDiv', 3, false], ['Maximum', 4, true], ['Minimum', 5, true],
  ['Pow', 6, false], ['SquaredDifference', 7, true], ['Greater', 8, true], ['GreaterEqual', 9, true], ['Less', 10, true],
  ['LessEqual', 11, true], ['Equal', 12, true], ['NotEqual', 13, true],
];
const COMPARISONS = new Set(['Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Equal', 'NotEqual']);

function binaryKernel(addon: NativeAddon, name: string, code: number, int32: boolean, original: Fallback): tf.KernelConfig {
  return kernel(name, (args) => {
    const a = args.inputs['a']!;
    const b = args.inputs['b']!;
    if (a.dtype !== b.dtype || !(a.dtype === 'float32' || (int32 && a.dtype === 'int32'))) return fallback(original, args, `${name} of ${a.dtype} and ${b.dtype}`);
    const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    if (shape.length > 8) return fallback(original, args, `${name} of rank > 8`);
    const backend = wasmBackend(args);
    const out = backend.makeOutput(shape, COMPARISONS.has(name) ? 'bool' : a.dtype);
    if (product(shape) > 0) {
      addon.binary(code, DTYPE_CODES[a.dtype]!, heap(backend, a), heap(backend, b), heap(backend, out),
        Float64Array.from(shape), broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape));
    }
    return out;
  });
}

const UNARY_OPS: ReadonlyArray<[name: string, code: number]> = [
  ['Sqrt', 0], ['Rsqrt', 1], ['Exp', 2], ['Log', 3], ['Tanh', 4], ['Sigmoid', 5], ['Relu', 6], ['Elu', 7], ['Erf', 8],
  ['Sign', 9], ['Abs', 10], ['Neg', 11], ['Square', 12], ['Reciprocal', 13], ['Step', 14],
];

function unaryKernel(addon: NativeAddon, name: string, code: number, original: Fallback): tf.KernelConfig {
  return kernel(name, (args) => {
    const x = args.inputs['x']!;
    if (x.dtype !== 'float32') return fallback(original, args, `${name} of ${x.dtype}`);
    const backend = wasmBackend(args);
    const out = backend.makeOutput([...x.shape], 'float32');
    addon.unary(code, heap(backend, x) as Float32Array, heap(backend, out) as Float32Array, Number(args.attrs?.['alpha'] ?? 0));
    return out;
  });
}

function selectKernel(addon: NativeAddon, original: Fallback): tf.KernelConfig {
  return kernel('Select', (args) => {
    const { condition, t, e } = args.inputs as Record<string, Info>;
    const bytes = ELEMENT_BYTES[t!.dtype];
    const size = product(t!.shape);
    // As the stock kernel: a rank-1 condition picks whole rows of a higher-rank t.
    const inner = condition!.shape.length === 1 && t!.shape.length > 1 ? product(t!.shape.slice(1)) : 1;
    if (bytes === undefined || condition!.dtype !== 'bool' || e!.dtype !== t!.dtype || product(condition!.shape) * inner !== size) {
      return fallback(original, args, 'Select of other dtypes or shapes');
    }
    const backend = wasmBackend(args);
    const out = backend.makeOutput([...t!.shape], t!.dtype);
    if (size > 0) addon.select(heap(backend, condition!), heap(backend, t!), heap(backend, e!), heap(backend, out), inner, bytes);
    return out;
  });
}

function castKernel(addon: NativeAddon, original: Fallback): tf.KernelConfig {
  return kernel('Cast', (args) => {
    const x = args.inputs['x']!;
    const to = args.attrs?.['dtype'] as tf.DataType;
    const fromCode = DTYPE_CODES[x.dtype];
    const toCode = DTYPE_CODES[to];
    if (fromCode === undefined || toCode === undefined) return fallback(original, args, `Cast from ${x.dtype} to ${to}`);
    if (to === x.dtype) {
      // Nothing to convert (BatchNorm's gradient casts float32 to float32): share x's memory, as Identity does.
      (args.backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
    }
    const backend = wasmBackend(args);
    const out = backend.makeOutput([...x.shape], to);
    const n = product(x.shape);
    if (n > 0) addon.cast(heap(backend, x), heap(backend, out), n, fromCode, toCode);
    return out;
  });
}

function oneHotKernel(addon: NativeAddon, original: Fallback): tf.KernelConfig {
  return kernel('OneHot', (args) => {
    const indices = args.inputs['indices']!;
    const { depth, onValue, offValue, dtype } = args.attrs as unknown as { depth: number; onValue: number; offValue: number; dtype: tf.DataType };
    if (indices.dtype !== 'int32' || (dtype !== 'float32' && dtype !== 'int32')) return fallback(original, args, `OneHot to ${dtype}`);
    const backend = wasmBackend(args);
    const out = backend.makeOutput([...indices.shape, depth], dtype);
    if (product(indices.shape) * depth > 0) addon.oneHot(heap(backend, indices) as Int32Array, heap(backend, out), depth, onValue, offValue, DTYPE_CODES[dtype]!);
    return out;
  });
}

function softmaxKernel(addon: NativeAddon, original: Fallback): tf.KernelConfig {
  return kernel('Softmax', (args) => {
    const logits = args.inputs['logits']!;
    const rank = logits.shape.length;
    const dim = Number(args.attrs?.['dim'] ?? -1);
    if (logits.dtype !== 'float32' || rank === 0 || (dim !== -1 && dim !== rank - 1)) return fallback(original, args, 'Softmax other than float32 over the last axis');
    const cols = logits.shape[rank - 1]!;
    const backend = wasmBackend(args);
    const out = backend.makeOutput([...logits.shape], 'float32');
    if (product(logits.shape) > 0) addon.softmax(heap(backend, logits) as Float32Array, heap(backend, out) as Float32Array, product(logits.shape) / cols, cols, 0);
    return out;
  });
}

const REDUCTIONS: ReadonlyArray<[name: string, code: number, axisAttr: string]> = [
  ['Max', 0, 'reductionIndices'], ['Min', 1, 'axis'], ['Prod', 2, 'axis'], ['ArgMax', 3, 'axis'], ['ArgMin', 4, 'axis'],
];

/**
 * A reduction over adjacent axes views x as [outer, reduced, inner]; over scattered
 * axes, x is first transposed (natively) so that the reduced axes come last.
 */
function reductionKernel(addon: NativeAddon, name: string, code: number, axisAttr: string, original: Fallback, middleOnly = false): tf.KernelConfig {
  const isArg = name.startsWith('Arg');
  return kernel(name, (args) => {
    const x = args.inputs['x']!;
    const rank = x.shape.length;
    const axes = axesOf(args.attrs?.[axisAttr], rank);
    const keepDims = Boolean(args.attrs?.['keepDims']);
    if (x.dtype !== 'float32' || rank === 0 || rank > 8 || axes.length === 0 || axes[0]! < 0 || axes.at(-1)! >= rank || product(x.shape) === 0) {
      return fallback(original, args, `${name} of ${x.dtype}, a scalar or an empty tensor`);
    }
    const adjacent = axes.at(-1)! - axes[0]! + 1 === axes.length;
    if (middleOnly && !(adjacent && product(x.shape.slice(axes.at(-1)! + 1)) > 1)) {
      return fallback(original, args, `${name} over the last axes or scattered axes`);
    }
    const backend = wasmBackend(args);
    const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const out = backend.makeOutput(keepDims && !isArg ? kept : x.shape.filter((_, i) => !axes.includes(i)), isArg ? 'int32' : 'float32');
    const reduced = product(axes.map((a) => x.shape[a]!));
    if (adjacent) {
      addon.reduce(code, heap(backend, x) as Float32Array, heap(backend, out), product(x.shape.slice(0, axes[0]!)), reduced, product(x.shape.slice(axes.at(-1)! + 1)));
      return out;
    }
    const perm = [...[...Array(rank).keys()].filter((i) => !axes.includes(i)), ...axes];
    const moved = backend.makeOutput(perm.map((p) => x.shape[p]!), 'float32');
    try {
      addon.transpose(heap(backend, x), heap(backend, moved), 4, Float64Array.from(x.shape), Float64Array.from(perm));
      addon.reduce(code, heap(backend, moved) as Float32Array, heap(backend, out), product(x.shape) / reduced, reduced, 1);
    } finally {
      backend.disposeData(moved.dataId);
    }
    return out;
  });
}

/** GatherV2 on any axis (without batch dims): x viewed as [outer, axis, inner]. */
function gatherKernel(addon: NativeAddon, original: Fallback): tf.KernelConfig {
  return kernel('GatherV2', (args) => {
    const x = args.inputs['x']!;
    const indices = args.inputs['indices']!;
    const rank = x.shape.length;
    const axis = axesOf(args.attrs?.['axis'] ?? 0, rank)[0]!;
    const bytes = ELEMENT_BYTES[x.dtype];
    if (Number(args.attrs?.['batchDims'] ?? 0) !== 0 || rank === 0 || indices.dtype !== 'int32' || bytes === undefined) {
      return fallback(original, args, 'gather with batch dims or of other dtypes');
    }
    const backend = wasmBackend(args);
    const size = x.shape[axis]!;
    const out = backend.makeOutput([...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)], x.dtype);
    const ids = heap(backend, indices) as Int32Array;
    const bad = addon.gather(heap(backend, x), ids, heap(backend, out), product(x.shape.slice(0, axis)), size, product(x.shape.slice(axis + 1)) * bytes);
    if (bad >= 0) {
      backend.disposeData(out.dataId);
      throw new Error(`GatherV2: index ${ids[bad]} is not in [0, ${size})`);
    }
    return out;
  });
}

/** The gradient of gather: y[s] = Σ x[r] over the rows r with id s, both threads, same bits every run. */
function segmentSumKernel(addon: NativeAddon, original: Fallback): tf.KernelConfig {
  return kernel('UnsortedSegmentSum', (args) => {
    const x = args.inputs['x']!;
    const ids = args.inputs['segmentIds']!;
    const segments = Number(args.attrs?.['numSegments']);
    if (x.dtype !== 'float32' || ids.dtype !== 'int32') return fallback(original, args, `UnsortedSegmentSum of ${x.dtype}`);
    const rows = product(ids.shape);
    const innerShape = x.shape.slice(ids.shape.length);
    const backend = wasmBackend(args);
    const out = backend.makeOutput([segments, ...innerShape], 'float32');
    addon.segmentSum(heap(backend, x) as Float32Array, heap(backend, ids) as Int32Array, heap(backend, out) as Float32Array, rows, product(innerShape), segments);
    return out;
  });
}

/** The stock-op kernel configs, each given the kernel it replaces as its fallback. */
export function stockKernelConfigs(addon: NativeAddon, current: (name: string) => Fallback): tf.KernelConfig[] {
  return [
    transposeKernel(addon, current('Transpose')),
    ...BINARY_OPS.map(([name, code, int32]) => binaryKernel(addon, name, code, int32, current(name))),
    ...UNARY_OPS.map(([name, code]) => unaryKernel(addon, name, code, current(name))),
    selectKernel(addon, current('Select')),
    castKernel(addon, current('Cast')),
    oneHotKernel(addon, current('OneHot')),
    // Softmax with its vectorised exp measured 2.0× the XNNPACK kernel it replaces
    // (bench:kernels, [256,64,64], loaded machine; 0.7× with a scalar exp). The
    // Max/Min/Prod/ArgMax/ArgMin reductions are built and tested but, over the last
    // axes, not used: they measured slower than the wasm kernels there (0.2× for Max over
    // the last axis, loaded), and a native kernel must not be slower than what it
    // replaces. Max and Min over a block of axes with axes after it (text_cnn's max over
    // time, [64,96,128] over axis 1) are native: rows folded contiguously, both threads.
    // ALGOBENCH_NATIVE_ROWWISE=1 registers all of them for every case, to measure.
    softmaxKernel(addon, current('Softmax')),
    ...(process.env['ALGOBENCH_NATIVE_ROWWISE'] === '1'
      ? REDUCTIONS.map(([name, code, axisAttr]) => reductionKernel(addon, name, code, axisAttr, current(name)))
      : REDUCTIONS.filter(([name]) => name === 'Max' || name === 'Min')
        .map(([name, code, axisAttr]) => reductionKernel(addon, name, code, axisAttr, current(name), true))),
    gatherKernel(addon, current('GatherV2')),
    segmentSumKernel(addon, current('UnsortedSegmentSum')),
    // An addon built before src/copy.cc existed (a stale build folder) lacks the strided
    // copy: those kernels stay the wasm ones until `npm run build:native`.
    ...(typeof addon.stridedCopy === 'function' ? layoutKernelConfigs(addon, current) : []),
    ...fusedKernelConfigs(addon, current),
  ];
}
