/** Typed reads of hyperparameters, failing with the name of the missing one. */
import type { Hparams } from '../../harness/spec.ts';

export function num(hparams: Hparams, name: string, fallback?: number): number {
  const value = hparams[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`hyperparameter "${name}" must be a finite number (got ${JSON.stringify(value)}); add it to the search space`);
  }
  return value;
}
