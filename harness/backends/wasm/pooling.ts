/**
 * MaxPoolGrad for wasm as a JS loop over the wasm heap: each output position sends
 * its gradient to the first maximum of its window (the cpu backend's rule). The stock
 * kernel takes ~40 ms for 128×14×14×32; this one a few.
 */
import * as tf from '@tensorflow/tfjs';
import { type KernelArgs, poolInfo, wasmBackend, zeros } from './kernel_utils.ts';

export function maxPoolGradConfig(original: tf.KernelConfig): tf.KernelConfig {
  return {
    ...original,
    kernelFunc: (args: KernelArgs) => {
      const backend = wasmBackend(args);
      const dyInfo = args.inputs['dy']!;
      const inputInfo = args.inputs['input']!;
      const info = poolInfo(args, 'input');
      const out = zeros(backend, inputInfo.shape);
      // Views are taken after the allocation above: growing the heap detaches old ones.
      const dx = backend.typedArrayFromHeap(out) as Float32Array;
      const x = backend.typedArrayFromHeap(inputInfo) as Float32Array;
      const dy = backend.typedArrayFromHeap(dyInfo) as Float32Array;
      const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
      const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
      const { top, left } = info.padInfo;
      for (let b = 0; b < batchSize; b++) {
        const xBase = b * H * W * C;
        for (let oh = 0; oh < OH; oh++) {
          const h0 = oh * sh - top;
          const hStart = Math.max(0, h0);
          const hEnd = Math.min(H, h0 + fh);
          for (let ow = 0; ow < OW; ow++) {
            const w0 = ow * sw - left;
            const wStart = Math.max(0, w0);
            const wEnd = Math.min(W, w0 + fw);
            const dyBase = ((b * OH + oh) * OW + ow) * C;
            for (let c = 0; c < C; c++) {
              let best = -Infinity;
              let where = -1;
              for (let h = hStart; h < hEnd; h++) {
                for (let w = wStart; w < wEnd; w++) {
                  const i = xBase + (h * W + w) * C + c;
                  const v = x[i]!;
                  if (v > best || where < 0) {
                    best = v;
                    where = i;
                  }
                }
              }
              if (where >= 0) dx[where] = dx[where]! + dy[dyBase + c]!;
            }
          }
        }
      }
      return out;
    },
  };
}
