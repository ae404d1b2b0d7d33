/**
 * UnsortedSegmentSum for wasm (missing from the stock backend): the gradient of
 * gather, so of every embedding. A JS loop over the wasm heap: out[ids[i]] += x[i].
 */
import type * as tf from '@tensorflow/tfjs';
import { type KernelArgs, wasmBackend, zeros } from './kernel_utils.ts';

export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: 'UnsortedSegmentSum',
  backendName: 'wasm',
  kernelFunc: (args: KernelArgs) => {
    const backend = wasmBackend(args);
    const xInfo = args.inputs['x']!;
    const idsInfo = args.inputs['segmentIds']!;
    const numSegments = Number(args.attrs?.['numSegments']);
    if (xInfo.dtype !== 'float32') throw new Error('UnsortedSegmentSum on wasm supports float32 only');
    const rows = idsInfo.shape.reduce((a, b) => a * b, 1);
    const inner = xInfo.shape.slice(idsInfo.shape.length).reduce((a, b) => a * b, 1);
    const out = zeros(backend, [numSegments, ...xInfo.shape.slice(idsInfo.shape.length)]);
    const result = backend.typedArrayFromHeap(out) as Float32Array;
    const x = backend.typedArrayFromHeap(xInfo) as Float32Array;
    const ids = backend.typedArrayFromHeap(idsInfo);
    for (let r = 0; r < rows; r++) {
      const id = ids[r]!;
      if (id < 0 || id >= numSegments) continue; // as TensorFlow: out-of-range ids are dropped
      const src = r * inner;
      const dst = id * inner;
      for (let k = 0; k < inner; k++) result[dst + k] = result[dst + k]! + x[src + k]!;
    }
    return out;
  },
};
