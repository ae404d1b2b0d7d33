/**
 * How a workload and its variant are written on the command line, in the store's
 * reports and in every log line: `name` for the base, `name:variant` otherwise. The
 * one place that writes and reads that form.
 */
import { AlgobenchError } from './errors.ts';

/** A workload's place in the suite: its name and variant (`base` for the fixed one). */
export interface WorkloadRef {
  readonly name: string;
  readonly variant: string;
}

/** `name` for the base variant, `name:variant` for any other. */
export function formatWorkloadRef(ref: WorkloadRef): string {
  return ref.variant === 'base' ? ref.name : `${ref.name}:${ref.variant}`;
}

/** Parses `name` or `name:variant` (default variant `base`). */
export function parseWorkloadRef(ref: string): WorkloadRef {
  const [name = '', variant = 'base', ...rest] = ref.split(':');
  if (rest.length > 0 || name === '' || variant === '') {
    throw new AlgobenchError('E_UNKNOWN_WORKLOAD', `bad workload "${ref}"; write NAME or NAME:VARIANT, e.g. mnist_mlp:tanh`);
  }
  return { name, variant };
}
