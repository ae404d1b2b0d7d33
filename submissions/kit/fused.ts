/**
 * Fused operations a backend may provide as one kernel, found through the contract:
 * spec.ts names each kernel and its attribute layout, and TensorFlow.js's own kernel
 * registry says whether the active backend has it. Each returns undefined where the
 * backend lacks the kernel (or fused kernels are switched off), and the caller then
 * composes the same float32 formula from ordinary ops. Nothing here reaches into the
 * harness, so a kit file that uses it still runs from a submission's own folder.
 */
import * as tf from '@tensorflow/tfjs';
import { ADAM_MOMENTS_COEFFICIENTS, ADAM_MOMENTS_KERNEL, type AdamMomentsCoefficient } from '../../harness/spec.ts';

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

/** The kernel's `coefficients` attribute, in the order spec.ts lays down. */
export function adamCoefficientArray(k: AdamMomentsCoefficients): number[] {
  const values: Record<AdamMomentsCoefficient, number> = {
    b1: k.b1,
    oneMinusB1: 1 - k.b1,
    b2: k.b2,
    oneMinusB2: 1 - k.b2,
    eps: k.eps,
    c1: k.c1,
    c2: k.c2,
    nesterov: k.nesterov ? 1 : 0,
    lookM: k.nesterov?.lookM ?? 0,
    lookG: k.nesterov?.lookG ?? 0,
  };
  return ADAM_MOMENTS_COEFFICIENTS.map((name) => values[name]);
}

let disabled = false;

/** Turns fused kernels off (tests compare both paths). */
export function setFusedOpsEnabled(enabled: boolean): void {
  disabled = !enabled;
}

/** Whether fused kernels may be used (elementwise.ts asks too). */
export function fusedOpsEnabled(): boolean {
  return !disabled;
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
