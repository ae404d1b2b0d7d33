/**
 * Fused operations that a backend may provide as one kernel (algobench's native
 * kernels on wasm do). Each returns undefined where the active backend lacks the
 * kernel, and the caller composes the same arithmetic from ordinary ops instead; both
 * paths compute the same float32 formula.
 */
import * as tf from '@tensorflow/tfjs';

export const ADAM_MOMENTS_KERNEL = 'AlgobenchAdamMoments';

/** Adam's per-step coefficients, as the fused kernel takes them. */
export interface AdamMomentsCoefficients {
  readonly b1: number;
  readonly b2: number;
  readonly eps: number;
  /** Bias corrections 1 − b1ᵗ and 1 − b2ᵗ. */
  readonly c1: number;
  readonly c2: number;
  /**
   * NAdam: m̂ = lookM·m + lookG·g (m already updated) instead of m / c1. Both bias
   * corrections of the kit's `scaleByAdam` fit: AlgoPerf's lookM = b1/c1,
   * lookG = (1−b1)/c1, and optax's lookM = b1/(1 − b1ᵗ⁺¹), lookG = (1−b1)/c1.
   */
  readonly nesterov?: { readonly lookM: number; readonly lookG: number };
}

/** The attrs array the kernel reads (see harness/backends/native/src/elementwise.h). */
export function adamCoefficientArray(k: AdamMomentsCoefficients): number[] {
  return [k.b1, 1 - k.b1, k.b2, 1 - k.b2, k.eps, k.c1, k.c2, k.nesterov ? 1 : 0, k.nesterov?.lookM ?? 0, k.nesterov?.lookG ?? 0];
}

let disabled = false;

/** Turns fused kernels off (tests compare both paths). */
export function setFusedOpsEnabled(enabled: boolean): void {
  disabled = !enabled;
}

/**
 * m ← b1·m + (1−b1)·g, v ← b2·v + (1−b2)·g², update = m̂ / (√(v/c2) + eps) in one
 * kernel: [m, v, update], or undefined without the kernel.
 */
export function fusedAdamMoments(g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, k: AdamMomentsCoefficients): [tf.Tensor, tf.Tensor, tf.Tensor] | undefined {
  if (disabled || g.dtype !== 'float32' || tf.getKernel(ADAM_MOMENTS_KERNEL, tf.getBackend()) === undefined) return undefined;
  const out = tf.engine().runKernel(ADAM_MOMENTS_KERNEL, { g, m, v }, { coefficients: adamCoefficientArray(k) }) as tf.Tensor[];
  return [out[0]!, out[1]!, out[2]!];
}
