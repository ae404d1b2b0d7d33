/**
 * BatchMatMul with transposed operands. The stock wasm kernel is fast for plain
 * products but takes a slow path when an operand is transposed, which is every matmul
 * of a backward pass (MEASUREMENTS.md: ~60 ms of a 70 ms MLP step). Transposing
 * explicitly first and running the fast plain product is several times faster.
 */
import * as tf from '@tensorflow/tfjs';
import { type Info, type KernelArgs, release, transpose, wasmBackend } from './kernel_utils.ts';

export function batchMatMulConfig(original: tf.KernelConfig): tf.KernelConfig {
  const swapLastTwo = (t: Info, args: KernelArgs): Info => {
    const rank = t.shape.length;
    const perm = Array.from({ length: rank }, (_, i) => i);
    perm[rank - 1] = rank - 2;
    perm[rank - 2] = rank - 1;
    return transpose(wasmBackend(args), t, perm);
  };
  return {
    ...original,
    kernelFunc: (args: KernelArgs) => {
      const { inputs, attrs } = args;
      const transposeA = Boolean(attrs?.['transposeA']);
      const transposeB = Boolean(attrs?.['transposeB']);
      if (!transposeA && !transposeB) return original.kernelFunc(args);
      const a0 = inputs['a']!;
      const b0 = inputs['b']!;
      const a = transposeA ? swapLastTwo(a0, args) : a0;
      const b = transposeB ? swapLastTwo(b0, args) : b0;
      try {
        return original.kernelFunc({ ...args, inputs: { a, b }, attrs: { ...attrs, transposeA: false, transposeB: false } });
      } finally {
        if (a !== a0) release(wasmBackend(args), a);
        if (b !== b0) release(wasmBackend(args), b);
      }
    },
  };
}
