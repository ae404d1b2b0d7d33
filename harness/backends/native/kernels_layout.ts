/**
 * Native kernels for the ops that only move data — Tile, Slice, StridedSlice, Concat,
 * Pack, Unpack, SplitV, PadV2 — each one strided copy per output (or per input of a
 * concat) on both cores (src/copy.cc), and the depthwise convolution (whose gradients the
 * wasm backend lacks; src/depthwise.cc). The wasm kernels they replace copy element
 * by element (Tile: 1.6 s of a 3.3 s conv-net step with batch norm) or row by row
 * from JS; these copy whole merged rows with memcpy.
 */
import * as tf from '@tensorflow/tfjs';
import { type ConvAttrs, type Info, type KernelArgs, type WasmBackend, wasmBackend } from '../wasm/kernel_utils.ts';
import type { NativeAddon } from './addon.ts';
import { contiguousStrides, ELEMENT_BYTES, fallback, type Fallback, heap, kernel, product } from './kernel_parts.ts';

/** One strided copy: y[dstOffset + Σ i·dstStrides] = x[srcOffset + Σ i·srcStrides] over the index space dims. */
interface Copy {
  readonly srcOffset: number;
  readonly dstOffset: number;
  readonly dims: readonly number[];
  readonly srcStrides: readonly number[];
  readonly dstStrides: readonly number[];
}

function copy(addon: NativeAddon, backend: WasmBackend, x: Info, y: Info, bytes: number, c: Copy): void {
  if (product(c.dims) === 0) return;
  addon.stridedCopy(heap(backend, x), heap(backend, y), bytes, c.srcOffset, c.dstOffset,
    Float64Array.from(c.dims), Float64Array.from(c.srcStrides), Float64Array.from(c.dstStrides));
}

/** The tensor inputs of a kernel whose inputs are a list (Concat, Pack): tfjs passes the array itself. */
const listInputs = (args: KernelArgs): Info[] => Object.values(args.inputs) as Info[];

function tileKernel(addon: NativeAddon, original: Fallback): tf.KernelConfig {
  return kernel('Tile', (args) => {
    const x = args.inputs['x']!;
    const reps = (args.attrs?.['reps'] as number[]).map(Number);
    const bytes = ELEMENT_BYTES[x.dtype];
    if (bytes === undefined || reps.length !== x.shape.length) return fallback(original, args, `Tile of ${x.dtype}`);
    const backend = wasmBackend(args);
    const outShape = x.shape.map((d, i) => d * reps[i]!);
    const out = backend.makeOutput(outShape, x.dtype);
    // Each axis i becomes two: (repeat, position) with input strides (0, stride_i).
    const xs = contiguousStrides(x.shape);
    const os = contiguousStrides(outShape);
    copy(addon, backend, x, out, bytes, {
      srcOffset: 0, dstOffset: 0,
      dims: x.shape.flatMap((d, i) => [reps[i]!, d]),
      srcStrides: xs.flatMap((s) => [0, s]),
      dstStrides: os.flatMap((s, i) => [s * x.shape[i]!, s]),
    });
    return out;
  });
}

function sliceKernel(addon: NativeAddon, original: Fallback): tf.KernelConfig {
  return kernel('Slice', (args) => {
    const x = args.inputs['x']!;
    const bytes = ELEMENT_BYTES[x.dtype];
    if (bytes === undefined) return fallback(original, args, `Slice of ${x.dtype}`);
    const [begin, size] = tf.slice_util.parseSliceParams(x as tf.TensorInfo, args.attrs!['begin'] as number[], args.attrs!['size'] as number[]) as [number[], number[]];
    const backend = wasmBackend(args);
    const out = backend.makeOutput(size, x.dtype);
    const xs = contiguousStrides(x.shape);
    copy(addon, backend, x, out, bytes, {
      srcOffset: begin.reduce((s, b, i) => s + b * xs[i]!, 0), dstOffset: 0,
      dims: size, srcStrides: xs, dstStrides: contiguousStrides(size),
    });
    return out;
  });
}

function stridedSliceKernel(addon: NativeAddon, original: Fallback): tf.KernelConfig {
  return kernel('StridedSlice', (args) => {
    const x = args.inputs['x']!;
    const bytes = ELEMENT_BYTES[x.dtype];
    if (bytes === undefined) return fallback(original, args, `StridedSlice of ${x.dtype}`);
    const a = args.attrs as unknown as {
      begin: number[]; end: number[]; strides: number[];
      beginMask: number; endMask: number; ellipsisMask: number; newAxisMask: number; shrinkAxisMask: number;
    };
    const info = tf.slice_util.sliceInfo([...x.shape], a.begin, a.end, a.strides, a.beginMask, a.endMask, a.ellipsisMask, a.newAxisMask, a.shrinkAxisMask);
    // finalShapeSparse has x's rank (shrunk axes kept as 1); finalShape is what comes out.
    const dims = info.finalShapeSparse;
    if (dims.length !== x.shape.length) return fallback(original, args, 'StridedSlice with new axes');
    const backend = wasmBackend(args);
    const out = backend.makeOutput(info.finalShape, x.dtype);
    const xs = contiguousStrides(x.shape);
    copy(addon, backend, x, out, bytes, {
      srcOffset: info.begin.reduce((s, b, i) => s + b * xs[i]!, 0), dstOffset: 0,
      dims, srcStrides: xs.map((s, i) => s * info.strides[i]!), dstStrides: contiguousStrides(dims),
    });
    return out;
  });
}

/**
 * Writes each part into its window of `out` along `axis`: out viewed as [outer,
 * total, inner], part p as [outer, sizes[p], inner] at offset Σ earlier sizes.
 */
function concatInto(addon: NativeAddon, backend: WasmBackend, parts: readonly Info[], sizes: readonly number[], out: Info, outer: number, inner: number, bytes: number): void {
  const total = sizes.reduce((s, n) => s + n, 0);
  let offset = 0;
  parts.forEach((part, p) => {
    const run = sizes[p]! * inner;
    copy(addon, backend, part, out, bytes, { srcOffset: 0, dstOffset: offset * inner, dims: [outer, run], srcStrides: [run, 1], dstStrides: [total * inner, 1] });
    offset += sizes[p]!;
  });
}

function concatKernel(addon: NativeAddon, original: Fallback): tf.KernelConfig {
  return kernel('Concat', (args) => {
    const inputs = listInputs(args);
    const first = inputs[0]!;
    const bytes = ELEMENT_BYTES[first.dtype];
    if (bytes === undefined || inputs.some((t) => t.dtype !== first.dtype)) return fallback(original, args, `Concat of ${first.dtype}`);
    const axis = tf.util.parseAxisParam(args.attrs!['axis'] as number, first.shape)[0]!;
    const shapes = inputs.map((t) => t.shape);
    tf.backend_util.assertParamsConsistent(shapes, axis);
    const outShape = tf.backend_util.computeOutShape(shapes, axis);
    const backend = wasmBackend(args);
    const out = backend.makeOutput(outShape, first.dtype);
    concatInto(addon, backend, inputs, shapes.map((s) => s[axis]!), out, product(outShape.slice(0, axis)), product(outShape.slice(axis + 1)), bytes);
    return out;
  });
}

function packKernel(addon: NativeAddon, original: Fallback): tf.KernelConfig {
  return kernel('Pack', (args) => {
    const inputs = listInputs(args);
    const first = inputs[0]!;
    const bytes = ELEMENT_BYTES[first.dtype];
    const rank = first.shape.length;
    const axis = Number(args.attrs!['axis']);
    const at = axis < 0 ? axis + rank + 1 : axis;
    if (bytes === undefined || inputs.some((t) => t.dtype !== first.dtype || t.shape.join() !== first.shape.join())) {
      return fallback(original, args, 'Pack of other dtypes or unequal shapes');
    }
    const backend = wasmBackend(args);
    const out = backend.makeOutput([...first.shape.slice(0, at), inputs.length, ...first.shape.slice(at)], first.dtype);
    concatInto(addon, backend, inputs, inputs.map(() => 1), out, product(first.shape.slice(0, at)), product(first.shape.slice(at)), bytes);
    return out;
  });
}

/** Cuts x along axis into parts of the given sizes, each its own output. */
function splitOutputs(addon: NativeAddon, backend: WasmBackend, x: Info, axis: number, sizes: readonly number[], keepAxis: boolean, bytes: number): Info[] {
  const outer = product(x.shape.slice(0, axis));
  const inner = product(x.shape.slice(axis + 1));
  const rowLength = x.shape[axis]! * inner;
  let offset = 0;
  return sizes.map((size) => {
    const shape = keepAxis ? [...x.shape.slice(0, axis), size, ...x.shape.slice(axis + 1)] : [...x.shape.slice(0, axis), ...x.shape.slice(axis + 1)];
    const out = backend.makeOutput(shape, x.dtype);
    copy(addon, backend, x, out, bytes, { srcOffset: offset * inner, dstOffset: 0, dims: [outer, size * inner], srcStrides: [rowLength, 1], dstStrides: [size * inner, 1] });
    offset += size;
    return out;
  });
}

function unpackKernel(addon: NativeAddon, original: Fallback): tf.KernelConfig {
  return kernel('Unpack', (args) => {
    const x = args.inputs['value']!;
    const bytes = ELEMENT_BYTES[x.dtype];
    if (bytes === undefined) return fallback(original, args, `Unpack of ${x.dtype}`);
    const rank = x.shape.length;
    const axis = Number(args.attrs!['axis']) < 0 ? Number(args.attrs!['axis']) + rank : Number(args.attrs!['axis']);
    return splitOutputs(addon, wasmBackend(args), x, axis, new Array<number>(x.shape[axis]!).fill(1), false, bytes);
  });
}

function splitKernel(addon: NativeAddon, original: Fallback): tf.KernelConfig {
  return kernel('SplitV', (args) => {
    const x = args.inputs['x']!;
    const bytes = ELEMENT_BYTES[x.dtype];
    if (bytes === undefined) return fallback(original, args, `SplitV of ${x.dtype}`);
    const axis = tf.util.parseAxisParam(args.attrs!['axis'] as number, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as tf.TensorInfo, args.attrs!['numOrSizeSplits'] as number | number[], axis);
    return splitOutputs(addon, wasmBackend(args), x, axis, sizes, true, bytes);
  });
}

function padKernel(addon: NativeAddon, original: Fallback): tf.KernelConfig {
  return kernel('PadV2', (args) => {
    const x = args.inputs['x']!;
    const paddings = args.attrs!['paddings'] as Array<[number, number]>;
    const value = Number(args.attrs!['constantValue'] ?? 0);
    if (x.dtype !== 'float32' && x.dtype !== 'int32') return fallback(original, args, `PadV2 of ${x.dtype}`);
    const backend = wasmBackend(args);
    const outShape = x.shape.map((d, i) => paddings[i]![0] + d + paddings[i]![1]);
    const out = backend.makeOutput(outShape, x.dtype);
    heap(backend, out).fill(value);
    const os = contiguousStrides(outShape);
    copy(addon, backend, x, out, 4, {
      srcOffset: 0, dstOffset: paddings.reduce((s, [before], i) => s + before * os[i]!, 0),
      dims: x.shape, srcStrides: contiguousStrides(x.shape), dstStrides: os,
    });
    return out;
  });
}

/** The 15 numbers of src/conv.h's ConvGeometry, for a depthwise convolution (out channels C·M). */
function depthwiseGeometry(xShape: readonly number[], filterShape: readonly number[], attrs: ConvAttrs): Float64Array {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number],
    attrs.strides, attrs.dilations ?? 1, attrs.pad, attrs.dimRoundingMode, true,
  );
  return Float64Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth, info.outChannels,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth,
    info.padInfo.top, info.padInfo.left,
  ]);
}

const isNhwc = (attrs: ConvAttrs): boolean => attrs.dataFormat === undefined || attrs.dataFormat === 'NHWC' || attrs.dataFormat === 'channelsLast';

function depthwiseGradKernel(addon: NativeAddon, name: 'DepthwiseConv2dNativeBackpropInput' | 'DepthwiseConv2dNativeBackpropFilter', original: Fallback): tf.KernelConfig {
  const input = name === 'DepthwiseConv2dNativeBackpropInput';
  return kernel(name, (args) => {
    const attrs = args.attrs as unknown as ConvAttrs & { inputShape?: number[]; filterShape?: number[] };
    const [in0, in1] = input ? [args.inputs['dy']!, args.inputs['filter']!] : [args.inputs['x']!, args.inputs['dy']!];
    if (!isNhwc(attrs) || in0.dtype !== 'float32' || in1.dtype !== 'float32') return fallback(original, args, 'NCHW or non-float32 depthwise conv');
    const xShape = input ? attrs.inputShape! : in0.shape;
    const filterShape = input ? in1.shape : attrs.filterShape!;
    const backend = wasmBackend(args);
    const out = backend.makeOutput([...(input ? xShape : filterShape)], 'float32');
    if (product(out.shape) > 0) addon.depthwiseConv2dGrad(input ? 1 : 2, heap(backend, in0) as Float32Array, heap(backend, in1) as Float32Array, heap(backend, out) as Float32Array, depthwiseGeometry(xShape, filterShape, attrs));
    return out;
  });
}

/** DepthwiseConv2dNative on both cores (XNNPACK's kernel in tfjs-wasm runs on one). */
function depthwiseKernel(forward: NonNullable<NativeAddon['depthwiseConv2d']>, original: Fallback): tf.KernelConfig {
  return kernel('DepthwiseConv2dNative', (args) => {
    const attrs = args.attrs as unknown as ConvAttrs;
    const x = args.inputs['x']!;
    const filter = args.inputs['filter']!;
    if (!isNhwc(attrs) || x.dtype !== 'float32' || filter.dtype !== 'float32') return fallback(original, args, 'NCHW or non-float32 depthwise conv');
    const geometry = depthwiseGeometry(x.shape, filter.shape, attrs);
    const backend = wasmBackend(args);
    // geometry: batch, inH, inW, inC, outH, outW, outC, …
    const out = backend.makeOutput([geometry[0]!, geometry[4]!, geometry[5]!, geometry[6]!], 'float32');
    if (product(out.shape) > 0) forward(heap(backend, x) as Float32Array, heap(backend, filter) as Float32Array, heap(backend, out) as Float32Array, geometry);
    return out;
  });
}

/** The data-movement and depthwise-convolution kernel configs, each given the kernel it replaces (if any). */
export function layoutKernelConfigs(addon: NativeAddon, current: (name: string) => Fallback): tf.KernelConfig[] {
  return [
    tileKernel(addon, current('Tile')),
    sliceKernel(addon, current('Slice')),
    stridedSliceKernel(addon, current('StridedSlice')),
    concatKernel(addon, current('Concat')),
    packKernel(addon, current('Pack')),
    unpackKernel(addon, current('Unpack')),
    splitKernel(addon, current('SplitV')),
    padKernel(addon, current('PadV2')),
    // An addon built before the forward kernel existed keeps XNNPACK's.
    ...(addon.depthwiseConv2d !== undefined ? [depthwiseKernel(addon.depthwiseConv2d, current('DepthwiseConv2dNative'))] : []),
    depthwiseGradKernel(addon, 'DepthwiseConv2dNativeBackpropInput', current('DepthwiseConv2dNativeBackpropInput')),
    depthwiseGradKernel(addon, 'DepthwiseConv2dNativeBackpropFilter', current('DepthwiseConv2dNativeBackpropFilter')),
  ];
}
