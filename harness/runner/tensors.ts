/**
 * Tensor lifetimes across steps. A submission returns new params and state built
 * from old ones; whatever the old ones held that the new ones do not is garbage.
 */
import * as tf from '@tensorflow/tfjs';
import type { StepResult } from '../spec.ts';

/** Every tensor reachable in a container of objects, arrays and tensors. */
export function collectTensors(container: unknown, into: Set<tf.Tensor> = new Set()): Set<tf.Tensor> {
  if (container instanceof tf.Tensor) {
    into.add(container);
  } else if (Array.isArray(container)) {
    for (const item of container) collectTensors(item, into);
  } else if (container !== null && typeof container === 'object' && !ArrayBuffer.isView(container)) {
    for (const value of Object.values(container)) collectTensors(value, into);
  }
  return into;
}

/** Disposes the tensors of `previous` that `next` does not hold. */
export function disposeReplaced(previous: unknown, next: unknown): void {
  const keep = collectTensors(next);
  for (const t of collectTensors(previous)) {
    if (!keep.has(t) && !t.isDisposed) t.dispose();
  }
}

export function disposeAll(container: unknown): void {
  for (const t of collectTensors(container)) if (!t.isDisposed) t.dispose();
}

/**
 * Runs a step in a tidy scope: every tensor made inside and not returned is freed.
 * (tf.tidy's types do not know that a StepResult is a tensor container.)
 */
export function tidyStep(fn: () => StepResult): StepResult {
  return tf.tidy(() => fn() as unknown as tf.TensorContainer) as unknown as StepResult;
}
