/**
 * What the native stock-op kernels (kernels_stock.ts, kernels_layout.ts,
 * kernels_fused.ts) share: a config maker, the fallback to the kernel they replace,
 * heap views, dtype codes and stride arithmetic.
 */
import * as tf from '@tensorflow/tfjs';
import type { Info, KernelArgs, WasmBackend } from '../wasm/kernel_utils.ts';

export type Fallback = tf.KernelConfig | undefined;
export type Heap = Float32Array | Int32Array | Uint8Array;

export const product = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);
export const DTYPE_CODES: Partial<Record<tf.DataType, number>> = { float32: 0, int32: 1, bool: 2 };
export const ELEMENT_BYTES: Partial<Record<tf.DataType, number>> = { float32: 4, int32: 4, bool: 1 };

export function fallback(original: Fallback, args: KernelArgs, why: string): tf.TensorInfo | tf.TensorInfo[] {
  if (original === undefined) throw new Error(`native kernel: ${why}, and the wasm backend has no kernel to fall back to`);
  return original.kernelFunc(args);
}

export const heap = (backend: WasmBackend, info: Info): Heap => backend.typedArrayFromHeap(info);

export function kernel(kernelName: string, kernelFunc: (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]): tf.KernelConfig {
  return { kernelName, backendName: 'wasm', kernelFunc };
}

/** Row-major element strides of a shape. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = stride;
    stride *= shape[i]!;
  }
  return strides;
}

/** An operand's element strides along the broadcast output's axes (0 where it repeats). */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): Float64Array {
  const strides = new Float64Array(outShape.length);
  let stride = 1;
  for (let i = shape.length - 1, k = outShape.length - 1; k >= 0; i--, k--) {
    const d = i >= 0 ? shape[i]! : 1;
    strides[k] = d === 1 ? 0 : stride;
    stride *= d;
  }
  return strides;
}
