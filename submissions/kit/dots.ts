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
  const fast = fusedOpsEnabled() && inputs.every((x) => x.dtype === 'float32') && tf.getKernel(DOTS_KERNEL, tf.getBackend()) !== undefined;
  if (fast) {
    const named = Object.fromEntries(inputs.map((x, i) => [`x${i}`, x]));
    return tf.engine().runKernel(DOTS_KERNEL, named, { pairs: pairs.flat(), columns } as never) as unknown as tf.Tensor1D[];
  }
  return pairs.map(([a, b]) => tf.sum(tf.reshape(tf.mul(inputs[a]!, inputs[b]!), [n / columns, columns]), 0) as tf.Tensor1D);
}
