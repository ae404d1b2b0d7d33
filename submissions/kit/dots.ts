/**
 * Several dot products of same-sized tensors in one pass: the norms and inner products
 * a rule needs per tensor (LAMB's ‖p‖ and ‖u‖) or per column of a [rows, columns] view
 * (AdamP's per-channel ⟨g, W⟩, ‖g‖², ‖W‖², ⟨W, u⟩), through the backend's DOTS_KERNEL
 * (harness/spec.ts) where `tf.getKernel` finds it, else as tf.mul and tf.sum per pair.
 * The kernel sums in float64 and rounds once, tf.sum in float32, so the two paths agree
 * to float32 rounding of the sum, not bit for bit.
 *
 * Nothing here reaches into the harness beyond spec.ts, so a kit file that uses it
 * still runs from a submission's own folder.
 */
import * as tf from '@tensorflow/tfjs';
import { DOTS_KERNEL } from '../../harness/spec.ts';
import { fusedOpsEnabled } from './fused.ts';

/**
 * For each pair [a, b] of indices into `inputs`, Σ inputs[a]·inputs[b] over the rows of
 * the [size / columns, columns] view: a tensor of shape [columns] (columns 1, the
 * default: the whole sum, shape [1]).
 */
export function dots(inputs: readonly tf.Tensor[], pairs: readonly (readonly [number, number])[], columns = 1): tf.Tensor1D[] {
  const n = inputs[0]?.size ?? 0;
  if (inputs.some((x) => x.size !== n)) throw new Error(`dots: every input must have one size; got [${inputs.map((x) => x.size)}]; reshape or pair tensors of one size`);
  if (!(Number.isInteger(columns) && columns >= 1 && n % columns === 0)) throw new Error(`dots: columns (${columns}) must be a positive divisor of the inputs' size ${n}`);
  if (kernelAvailable(inputs)) {
    const named = Object.fromEntries(inputs.map((x, i) => [`x${i}`, x]));
    return tf.engine().runKernel(DOTS_KERNEL, named, { pairs: pairs.flat(), columns } as never) as unknown as tf.Tensor1D[];
  }
  return pairs.map(([a, b]) => tf.sum(tf.reshape(tf.mul(inputs[a]!, inputs[b]!), [n / columns, columns]), 0) as tf.Tensor1D);
}

/**
 * `dots` over the [size / columns, columns] view with each pair's row sums as well
 * (Σ over the columns, shape [size / columns]), taken in the same pass by the kernel.
 */
export function dotsWithRowSums(inputs: readonly tf.Tensor[], pairs: readonly (readonly [number, number])[], columns: number): { columns: tf.Tensor1D[]; rows: tf.Tensor1D[] } {
  const n = inputs[0]?.size ?? 0;
  if (inputs.some((x) => x.size !== n)) throw new Error(`dots: every input must have one size; got [${inputs.map((x) => x.size)}]; reshape or pair tensors of one size`);
  if (!(Number.isInteger(columns) && columns >= 1 && n % columns === 0)) throw new Error(`dots: columns (${columns}) must be a positive divisor of the inputs' size ${n}`);
  if (kernelAvailable(inputs)) {
    const named = Object.fromEntries(inputs.map((x, i) => [`x${i}`, x]));
    const out = tf.engine().runKernel(DOTS_KERNEL, named, { pairs: pairs.flat(), columns, rowSums: true } as never) as unknown as tf.Tensor1D[];
    return { columns: out.slice(0, pairs.length), rows: out.slice(pairs.length) };
  }
  const products = pairs.map(([a, b]) => tf.reshape(tf.mul(inputs[a]!, inputs[b]!), [n / columns, columns]));
  return { columns: products.map((x) => tf.sum(x, 0) as tf.Tensor1D), rows: products.map((x) => tf.sum(x, 1) as tf.Tensor1D) };
}

function kernelAvailable(inputs: readonly tf.Tensor[]): boolean {
  return fusedOpsEnabled() && inputs.every((x) => x.dtype === 'float32') && tf.getKernel(DOTS_KERNEL, tf.getBackend()) !== undefined;
}
