/** A SelectContext as the harness builds one, with a controlled per-example loss. */
import { createRng, deriveSeed } from '../../../harness/core/rng.ts';
import type { SelectContext } from '../../../harness/spec.ts';

export interface ContextOptions {
  readonly seed: number;
  readonly step: number;
  readonly batchSize: number;
  readonly trainSize: number;
  /** The loss of example i; default: i itself, so higher indices are harder. */
  readonly loss?: (index: number) => number;
  /** Sees every pool the selector asks losses for. */
  readonly onLoss?: (indices: Int32Array) => void;
}

export function selectContext(o: ContextOptions): SelectContext {
  const loss = o.loss ?? ((i: number) => i);
  return {
    step: o.step,
    seed: o.seed,
    batchSize: o.batchSize,
    trainSize: o.trainSize,
    // Seeded per step from the trial, as harness/runner/trial.ts does.
    rng: createRng(deriveSeed(o.seed, 'select', o.step)),
    hparams: {},
    perExampleLoss: (indices) => {
      o.onLoss?.(indices);
      return Float32Array.from(indices, loss);
    },
  };
}

/** The distinct values of `xs`. */
export const distinct = (xs: ArrayLike<number>): Set<number> => new Set(Array.from(xs));
