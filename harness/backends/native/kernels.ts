/**
 * TensorFlow.js kernels for the wasm backend that run in algobench's native addon:
 * matrix products (any transposes, batched, broadcast), the three Conv2D kernels and
 * MaxPoolGrad on both cores; kernels_stock.ts adds the stock ops (transpose,
 * elementwise, softmax, reductions, gather, segment sum). They read and
 * write the wasm heap in place, so tensors never leave the backend. Cases they do
 * not cover (other dtypes, NCHW, rank-broadcast shapes) go to the kernel they replace.
 */
import * as tf from '@tensorflow/tfjs';
import { type ConvAttrs, convInfo, type Info, type KernelArgs, poolInfo, type WasmBackend, wasmBackend } from '../wasm/kernel_utils.ts';
import { ADAM_MOMENTS_KERNEL, ELEMENTWISE_PROGRAM_KERNEL, ELEMENTWISE_PROGRAMS_KERNEL } from '../../spec.ts';
import type { NativeAddon } from './addon.ts';
import { gradientKernelConfigs } from './kernels_gradients.ts';
import { dotsKernelConfigs } from './kernels_dots.ts';
import { eighKernelConfigs } from './kernels_eigh.ts';
import { factoredKernelConfigs } from './kernels_factored.ts';
import { normKernelConfigs } from './kernels_norm.ts';
import { rnnCellKernelConfigs } from './kernels_rnn.ts';
import { stockKernelConfigs } from './kernels_stock.ts';

type Fallback = tf.KernelConfig | undefined;

function f32(backend: WasmBackend, info: Info): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

const product = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

function fallback(original: Fallback, args: KernelArgs, why: string): tf.TensorInfo | tf.TensorInfo[] {
  if (original === undefined) throw new Error(`native kernel: ${why}, and the wasm backend has no kernel to fall back to`);
  return original.kernelFunc(args);
}

function batchMatMul(addon: NativeAddon, original: Fallback): tf.KernelConfig {
  return {
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    kernelFunc: (args: KernelArgs) => {
      const a = args.inputs['a']!;
      const b = args.inputs['b']!;
      const transposeA = Boolean(args.attrs?.['transposeA']);
      const transposeB = Boolean(args.attrs?.['transposeB']);
      if (a.dtype !== 'float32' || b.dtype !== 'float32') return fallback(original, args, 'non-float32 matmul');
      const ra = a.shape.length;
      const rb = b.shape.length;
      const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
      const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
      const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
      const kb = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
      if (k !== kb) throw new Error(`BatchMatMul: inner dimensions ${k} and ${kb} differ`);
      const batchA = a.shape.slice(0, -2);
      const batchB = b.shape.slice(0, -2);
      const sizeA = product(batchA);
      const sizeB = product(batchB);
      // Equal batch shapes, or one operand without a batch (broadcast); anything else
      // (per-axis broadcasting) is rare enough for the stock kernel.
      let batchShape: number[];
      if (sizeA === sizeB && batchA.length === batchB.length) batchShape = batchA;
      else if (sizeA === 1) batchShape = batchB;
      else if (sizeB === 1) batchShape = batchA;
      else return fallback(original, args, 'per-axis batch broadcasting');
      const batch = product(batchShape);
      const backend = wasmBackend(args);
      const out = backend.makeOutput([...batchShape, m, n], 'float32');
      addon.batchMatMul(
        f32(backend, a), f32(backend, b), f32(backend, out), batch, m, n, k, transposeA, transposeB,
        sizeA === 1 ? 0 : m * k, sizeB === 1 ? 0 : k * n,
      );
      return out;
    },
  };
}

/** The 15 numbers the addon's conv functions take (ConvGeometry in src/conv.h). */
function convGeometry(info: tf.backend_util.Conv2DInfo): Float64Array {
  return Float64Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.outHeight, info.outWidth, info.outChannels,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth,
    info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left,
  ]);
}

const isNhwc = (attrs: ConvAttrs): boolean => attrs.dataFormat === undefined || attrs.dataFormat === 'NHWC' || attrs.dataFormat === 'channelsLast';

/**
 * The three Conv2D kernels differ only in which two tensors go in, where the input
 * and filter shapes come from (a tensor or an attr) and which of them comes out.
 */
interface ConvKernel {
  readonly name: 'Conv2D' | 'Conv2DBackpropInput' | 'Conv2DBackpropFilter';
  /** The addon's mode: 0 forward (x, w → y), 1 input gradient (dy, w → dx), 2 filter gradient (x, dy → dw). */
  readonly mode: 0 | 1 | 2;
  readonly inputs: readonly [string, string];
  readonly shapes: (args: KernelArgs) => { x: readonly number[]; filter: readonly number[] };
  readonly outShape: (info: tf.backend_util.Conv2DInfo, shapes: { x: readonly number[]; filter: readonly number[] }) => number[];
}

const attrShape = (args: KernelArgs, name: string) => args.attrs![name] as number[];

const CONV_KERNELS: readonly ConvKernel[] = [
  {
    name: 'Conv2D', mode: 0, inputs: ['x', 'filter'],
    shapes: (args) => ({ x: args.inputs['x']!.shape, filter: args.inputs['filter']!.shape }),
    outShape: (info) => [info.batchSize, info.outHeight, info.outWidth, info.outChannels],
  },
  {
    name: 'Conv2DBackpropInput', mode: 1, inputs: ['dy', 'filter'],
    shapes: (args) => ({ x: attrShape(args, 'inputShape'), filter: args.inputs['filter']!.shape }),
    outShape: (_, shapes) => [...shapes.x],
  },
  {
    name: 'Conv2DBackpropFilter', mode: 2, inputs: ['x', 'dy'],
    shapes: (args) => ({ x: args.inputs['x']!.shape, filter: attrShape(args, 'filterShape') }),
    outShape: (_, shapes) => [...shapes.filter],
  },
];

function conv(addon: NativeAddon, kernel: ConvKernel, original: Fallback): tf.KernelConfig {
  return {
    kernelName: kernel.name,
    backendName: 'wasm',
    kernelFunc: (args: KernelArgs) => {
      const attrs = args.attrs as unknown as ConvAttrs;
      const [in0, in1] = kernel.inputs.map((name) => args.inputs[name]!) as [Info, Info];
      if (!isNhwc(attrs) || in0.dtype !== 'float32' || in1.dtype !== 'float32') return fallback(original, args, 'NCHW or non-float32 conv');
      const shapes = kernel.shapes(args);
      const info = convInfo(shapes.x, shapes.filter, attrs);
      const backend = wasmBackend(args);
      const out = backend.makeOutput(kernel.outShape(info, shapes), 'float32');
      addon.conv2d(kernel.mode, f32(backend, in0), f32(backend, in1), f32(backend, out), convGeometry(info));
      return out;
    },
  };
}

/** The 12 numbers the addon's pooling functions take (PoolGeometry in src/conv.h). */
function poolGeometry(info: tf.backend_util.Conv2DInfo): Float64Array {
  return Float64Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left,
  ]);
}

function maxPool(addon: NativeAddon, original: Fallback): tf.KernelConfig {
  return {
    kernelName: 'MaxPool',
    backendName: 'wasm',
    kernelFunc: (args: KernelArgs) => {
      const x = args.inputs['x']!;
      if (x.dtype !== 'float32') return fallback(original, args, 'non-float32 pooling');
      const info = poolInfo(args, 'x');
      const backend = wasmBackend(args);
      const out = backend.makeOutput([info.batchSize, info.outHeight, info.outWidth, info.outChannels], 'float32');
      addon.maxPool(f32(backend, x), f32(backend, out), poolGeometry(info));
      return out;
    },
  };
}

function maxPoolGrad(addon: NativeAddon, original: Fallback): tf.KernelConfig {
  return {
    kernelName: 'MaxPoolGrad',
    backendName: 'wasm',
    kernelFunc: (args: KernelArgs) => {
      const dy = args.inputs['dy']!;
      const input = args.inputs['input']!;
      if (input.dtype !== 'float32') return fallback(original, args, 'non-float32 pooling');
      const info = poolInfo(args, 'input');
      const backend = wasmBackend(args);
      const out = backend.makeOutput([...input.shape], 'float32');
      addon.maxPoolGrad(f32(backend, input), f32(backend, dy), f32(backend, out), poolGeometry(info));
      return out;
    },
  };
}

/**
 * Sum and Mean over a contiguous block of axes (bias gradients reduce the leading
 * axes, normalisations the last): the stock kernels transpose the reduced axes to the
 * end first, which dominated char_lm's backward pass (~1.2 ms per call).
 */
function reduction(addon: NativeAddon, kernelName: 'Sum' | 'Mean', original: Fallback): tf.KernelConfig {
  return {
    kernelName,
    backendName: 'wasm',
    kernelFunc: (args: KernelArgs) => {
      const x = args.inputs['x']!;
      const rank = x.shape.length;
      const axisAttr = args.attrs?.['axis'] as number | number[] | null | undefined;
      const keepDims = Boolean(args.attrs?.['keepDims']);
      if (x.dtype !== 'float32' || rank === 0) return fallback(original, args, 'non-float32 or scalar reduction');
      const axes = [...new Set((axisAttr == null ? [...x.shape.keys()] : [axisAttr].flat()).map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
      const first = axes[0]!;
      const last = axes.at(-1)!;
      if (axes.length === 0 || last - first + 1 !== axes.length || first < 0 || last >= rank) {
        return fallback(original, args, 'reduction over non-adjacent axes');
      }
      const outer = product(x.shape.slice(0, first));
      const reduced = product(x.shape.slice(first, last + 1));
      const inner = product(x.shape.slice(last + 1));
      const shape = keepDims ? x.shape.map((d, i) => (i >= first && i <= last ? 1 : d)) : x.shape.filter((_, i) => i < first || i > last);
      const backend = wasmBackend(args);
      const out = backend.makeOutput(shape, 'float32');
      addon.reduceSum(f32(backend, x), f32(backend, out), outer, reduced, inner, kernelName === 'Mean' ? 1 / reduced : 1);
      return out;
    },
  };
}

/** Adam's moments and update (ADAM_MOMENTS_KERNEL in harness/spec.ts) in one threaded pass. */
function adamMoments(addon: NativeAddon): tf.KernelConfig {
  return {
    kernelName: ADAM_MOMENTS_KERNEL,
    backendName: 'wasm',
    kernelFunc: (args: KernelArgs) => {
      const g = args.inputs['g']!;
      const m = args.inputs['m']!;
      const v = args.inputs['v']!;
      const coefficients = Float64Array.from(args.attrs?.['coefficients'] as number[]);
      const backend = wasmBackend(args);
      const outs = [0, 1, 2].map(() => backend.makeOutput([...g.shape], 'float32'));
      addon.adamMoments(
        f32(backend, g), f32(backend, m), f32(backend, v),
        f32(backend, outs[0]!), f32(backend, outs[1]!), f32(backend, outs[2]!), coefficients,
      );
      return outs;
    },
  };
}

/**
 * Any optimizer's elementwise arithmetic in one threaded pass (ELEMENTWISE_PROGRAM_KERNEL
 * in harness/spec.ts; the kit's elementwise.ts builds the programs), with inputs
 * repeated along an axis and sums over an axis (or all) taken in the same pass. The
 * addon checks the program and the sizes; outputs are made before any heap view is
 * taken, since making one may grow the wasm heap and detach earlier views. An output
 * that `inPlace` points at a donated input takes that input's memory (shared, as
 * Identity shares it) when no other tensor holds it (the backend's reference count is
 * 1); the addon then writes it where no later read of that input in the program needs
 * the old value, or copies it there at the end of each block.
 */
function elementwiseProgram(addon: NativeAddon): tf.KernelConfig {
  return {
    kernelName: ELEMENTWISE_PROGRAM_KERNEL,
    backendName: 'wasm',
    // Plain loops, no closures: this runs once per parameter per step, and its own cost
    // is a visible part of a small update.
    kernelFunc: (args: KernelArgs) => {
      const attrs = args.attrs ?? {};
      const shape = attrs['shape'] as number[];
      const outputs = attrs['outputs'] as number[];
      const inputAxes = attrs['inputAxes'] as number[] | undefined;
      const sums = (attrs['sums'] as number[] | undefined) ?? [];
      const inPlace = attrs['inPlace'] as number[] | undefined;
      const inputs: Info[] = [];
      for (let i = 0, count = Object.keys(args.inputs).length; i < count; i++) {
        const x = args.inputs[`x${i}`];
        if (x === undefined || x.dtype !== 'float32') throw new Error(`${ELEMENTWISE_PROGRAM_KERNEL}: inputs must be float32 tensors named x0, x1, … in order`);
        inputs.push(x);
      }
      if (sums.length % 2 !== 0) throw new Error(`${ELEMENTWISE_PROGRAM_KERNEL}: sums must be (register, axis) pairs`);
      const n = product(shape);
      const backend = wasmBackend(args);
      const counts = args.backend as unknown as { refCount(dataId: object): number; incRef(dataId: object): void };
      const outs: Info[] = [];
      for (let j = 0; j < outputs.length; j++) {
        const k = inPlace?.[j] ?? -1;
        const donor = k >= 0 ? inputs[k] : undefined;
        if (donor !== undefined && n > 1 && product(donor.shape) === n && !outs.some((o) => o.dataId === donor.dataId) && counts.refCount(donor.dataId) === 1) {
          counts.incRef(donor.dataId);
          outs.push({ dataId: donor.dataId, shape: [...shape], dtype: 'float32' });
        } else {
          outs.push(backend.makeOutput([...shape], 'float32'));
        }
      }
      const sumOuts: Info[] = [];
      const sumRegisters = new Int32Array(sums.length / 2);
      const sumViews = new Float64Array(sums.length);
      for (let s = 0; s < sums.length; s += 2) {
        const axis = sums[s + 1]!;
        sumRegisters[s / 2] = sums[s]!;
        sumOuts.push(backend.makeOutput(axis < 0 ? [] : shape.filter((_, i) => i !== axis), 'float32'));
        axisView(shape, n, axis, sumViews, s);
      }
      try {
        if (n === 0) {
          for (const o of sumOuts) f32(backend, o).fill(0);
        } else {
          const inputViews = new Float64Array(2 * inputs.length);
          if (inputAxes !== undefined) for (let i = 0; i < inputs.length; i++) if ((inputAxes[i] ?? -1) >= 0) axisView(shape, n, inputAxes[i]!, inputViews, 2 * i);
          addon.elementwiseProgram(
            inputs.map((x) => f32(backend, x)), outs.map((o) => f32(backend, o)),
            Int32Array.from(attrs['code'] as number[]), Float64Array.from(attrs['constants'] as number[]),
            Int32Array.from(outputs), n, inputViews,
            sumOuts.map((o) => f32(backend, o)), sumRegisters, sumViews,
          );
        }
      } catch (err) {
        for (const o of outs) backend.disposeData(o.dataId);
        for (const o of sumOuts) backend.disposeData(o.dataId);
        throw err;
      }
      return outs.concat(sumOuts);
    },
  };
}

/**
 * One elementwise program over several tensors (ELEMENTWISE_PROGRAMS_KERNEL in
 * harness/spec.ts) in one addon call: a rule's program for every parameter at once, so
 * the call's own cost and the threads' wake-up come once per step. Outputs and donated
 * memory as elementwiseProgram's, tensor by tensor.
 */
function elementwisePrograms(run: NonNullable<NativeAddon['elementwisePrograms']>): tf.KernelConfig {
  return {
    kernelName: ELEMENTWISE_PROGRAMS_KERNEL,
    backendName: 'wasm',
    kernelFunc: (args: KernelArgs) => {
      const attrs = args.attrs ?? {};
      const shapes = attrs['shapes'] as number[][];
      const outputs = attrs['outputs'] as number[];
      const inPlace = attrs['inPlace'] as number[] | undefined;
      const count = Object.keys(args.inputs).length;
      const tensors = shapes.length;
      const perTensor = count / tensors;
      if (tensors === 0 || !Number.isInteger(perTensor)) throw new Error(`${ELEMENTWISE_PROGRAMS_KERNEL}: pass the same number of inputs for each of the shapes`);
      const inputs: Info[] = [];
      for (let i = 0; i < count; i++) {
        const x = args.inputs[`x${i}`];
        if (x === undefined || x.dtype !== 'float32') throw new Error(`${ELEMENTWISE_PROGRAMS_KERNEL}: inputs must be float32 tensors named x0, x1, … in order`);
        inputs.push(x);
      }
      const backend = wasmBackend(args);
      const counts = args.backend as unknown as { refCount(dataId: object): number; incRef(dataId: object): void };
      const outs: Info[] = [];
      const sizes = new Float64Array(tensors);
      for (let t = 0; t < tensors; t++) {
        const shape = shapes[t]!;
        const n = product(shape);
        sizes[t] = n;
        const first = outs.length;
        for (let j = 0; j < outputs.length; j++) {
          const k = inPlace?.[t * outputs.length + j] ?? -1;
          const donor = k >= 0 ? inputs[t * perTensor + k] : undefined;
          let taken = false;
          for (let o = first; o < outs.length; o++) taken ||= outs[o]!.dataId === donor?.dataId;
          if (donor !== undefined && n > 1 && product(donor.shape) === n && !taken && counts.refCount(donor.dataId) === 1) {
            counts.incRef(donor.dataId);
            outs.push({ dataId: donor.dataId, shape: [...shape], dtype: 'float32' });
          } else {
            outs.push(backend.makeOutput([...shape], 'float32'));
          }
        }
      }
      try {
        const inputViews: Float32Array[] = [];
        for (const x of inputs) inputViews.push(f32(backend, x));
        const outputViews: Float32Array[] = [];
        for (const o of outs) outputViews.push(f32(backend, o));
        run(inputViews, outputViews, Int32Array.from(attrs['code'] as number[]), Float64Array.from(attrs['constants'] as number[]), Int32Array.from(outputs), sizes);
      } catch (err) {
        for (const o of outs) backend.disposeData(o.dataId);
        throw err;
      }
      return outs;
    },
  };
}

/** An axis as the addon's (mid, inner) view, written at `at`; −1 (all axes) is the whole tensor as one. */
function axisView(shape: readonly number[], n: number, axis: number, into: Float64Array, at: number): void {
  if (axis < 0) {
    into[at] = n;
    into[at + 1] = 1;
  } else {
    into[at] = shape[axis]!;
    into[at + 1] = product(shape.slice(axis + 1));
  }
}

/**
 * Identity without the copy: tensors are immutable, so the output shares the input's
 * memory under a reference count, as the stock Reshape does. Gradients pass through
 * Identity often (every embedding-sized gradient was copied: ~0.5 ms per 4 MB).
 */
function sharedIdentity(original: Fallback): tf.KernelConfig {
  return {
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: (args: KernelArgs) => {
      const x = args.inputs['x']!;
      if (x.dtype === 'string') return fallback(original, args, 'string identity');
      (args.backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
    },
  };
}

/** Kernel configs that replace (or add to) the wasm backend's, given the current ones. */
export function nativeKernelConfigs(addon: NativeAddon, current: (name: string) => Fallback): tf.KernelConfig[] {
  return [
    batchMatMul(addon, current('BatchMatMul')),
    ...CONV_KERNELS.map((kernel) => conv(addon, kernel, current(kernel.name))),
    maxPool(addon, current('MaxPool')),
    maxPoolGrad(addon, current('MaxPoolGrad')),
    reduction(addon, 'Sum', current('Sum')),
    reduction(addon, 'Mean', current('Mean')),
    adamMoments(addon),
    elementwiseProgram(addon),
    // Absent from addons built before it.
    ...(addon.elementwisePrograms !== undefined ? [elementwisePrograms(addon.elementwisePrograms.bind(addon))] : []),
    sharedIdentity(current('Identity')),
    ...stockKernelConfigs(addon, current),
    ...gradientKernelConfigs(addon),
    ...normKernelConfigs(addon, current),
    ...rnnCellKernelConfigs(addon),
    ...dotsKernelConfigs(addon),
    ...factoredKernelConfigs(addon),
    ...eighKernelConfigs(addon),
  ];
}
