/**
 * Kernels of algobench's own for the wasm backend, registered through TensorFlow.js's
 * kernel registry. The stock wasm BatchMatMul is fast for plain products but takes a
 * slow path when an operand is transposed, which is every matmul of a backward pass
 * (MEASUREMENTS.md: ~60 ms of a 70 ms MLP step). Transposing explicitly first and
 * running the fast plain product is several times faster.
 */
import * as tf from '@tensorflow/tfjs';

type KernelArgs = Parameters<tf.KernelFunc>[0];
interface TensorRef {
  dataId: object;
  shape: number[];
  dtype: tf.DataType;
}

let installed = false;

/** Wraps the wasm BatchMatMul once per process; later calls do nothing. */
export function installWasmKernels(): void {
  if (installed) return;
  const original = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (original === undefined || transpose === undefined) return;
  installed = true;

  const swapLastTwo = (t: TensorRef, backend: unknown): TensorRef => {
    const rank = t.shape.length;
    const perm = Array.from({ length: rank }, (_, i) => i);
    perm[rank - 1] = rank - 2;
    perm[rank - 2] = rank - 1;
    return transpose.kernelFunc({ inputs: { x: t as tf.TensorInfo }, attrs: { perm }, backend: backend as KernelArgs['backend'] }) as TensorRef;
  };

  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    ...original,
    kernelFunc: (args: KernelArgs) => {
      const { inputs, attrs } = args;
      const backend = args.backend as { disposeData(dataId: object): void };
      const transposeA = Boolean(attrs?.['transposeA']);
      const transposeB = Boolean(attrs?.['transposeB']);
      if (!transposeA && !transposeB) return original.kernelFunc(args);
      const a0 = inputs['a'] as TensorRef;
      const b0 = inputs['b'] as TensorRef;
      const a = transposeA ? swapLastTwo(a0, backend) : a0;
      const b = transposeB ? swapLastTwo(b0, backend) : b0;
      try {
        return original.kernelFunc({
          inputs: { a: a as tf.TensorInfo, b: b as tf.TensorInfo },
          attrs: { ...attrs, transposeA: false, transposeB: false },
          backend: args.backend,
        });
      } finally {
        if (a !== a0) backend.disposeData(a.dataId);
        if (b !== b0) backend.disposeData(b.dataId);
      }
    },
  });
}
