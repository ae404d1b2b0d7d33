/**
 * Plumbing for kernels of algobench's own on the wasm backend. They are compositions
 * of the backend's fast kernels (called directly, below the op layer, so nothing is
 * taped or tracked) or plain-JS loops over the wasm heap for the cheap, irregular
 * ops. Every intermediate is released with `release`.
 */
import * as tf from '@tensorflow/tfjs';

export type KernelArgs = Parameters<tf.KernelFunc>[0];
export type Info = tf.TensorInfo;

/** The parts of the wasm backend these kernels use. */
export interface WasmBackend {
  disposeData(dataId: object): void;
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  typedArrayFromHeap(info: Info): Float32Array | Int32Array | Uint8Array;
}

export function wasmBackend(args: KernelArgs): WasmBackend {
  return args.backend as unknown as WasmBackend;
}

/** Runs another wasm kernel by name (Concat takes an array of inputs, the rest a map). */
export function run(name: string, backend: WasmBackend, inputs: Record<string, Info> | Info[], attrs: Record<string, unknown> = {}): Info {
  const kernel = tf.getKernel(name, 'wasm');
  if (kernel === undefined) throw new Error(`wasm kernel ${name} is not registered`);
  return kernel.kernelFunc({
    inputs: inputs as unknown as tf.NamedTensorInfoMap,
    attrs: attrs as tf.NamedAttrMap,
    backend: backend as unknown as tf.KernelBackend,
  }) as Info;
}

export function release(backend: WasmBackend, ...infos: Info[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

export function reshape(backend: WasmBackend, x: Info, shape: number[]): Info {
  return run('Reshape', backend, { x }, { shape });
}

export function transpose(backend: WasmBackend, x: Info, perm: number[]): Info {
  return run('Transpose', backend, { x }, { perm });
}

/** A float32 output of the given shape, zero-filled (makeOutput does not clear). */
export function zeros(backend: WasmBackend, shape: number[]): Info {
  const out = backend.makeOutput(shape, 'float32');
  backend.typedArrayFromHeap(out).fill(0);
  return out;
}

/** The pooling geometry of a MaxPool (input `x`) or MaxPoolGrad (input `input`) call. */
export function poolInfo(args: KernelArgs, inputName: 'x' | 'input'): tf.backend_util.Conv2DInfo {
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as {
    filterSize: number | [number, number];
    strides: number | [number, number];
    pad: 'valid' | 'same' | number;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  const input = args.inputs[inputName]!;
  return tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
}

/** The attrs every Conv2D kernel (forward and both gradients) carries. */
export interface ConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW' | 'channelsLast';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** The convolution's geometry from its input and filter shapes (the gradient kernels have no dilations: 1). */
export function convInfo(xShape: readonly number[], filterShape: readonly number[], attrs: ConvAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides, attrs.dilations ?? 1, attrs.pad, attrs.dimRoundingMode,
  );
}
