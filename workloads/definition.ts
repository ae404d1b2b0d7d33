/**
 * How a workload folder presents itself to the harness: its variants and a factory
 * that builds the Workload for one of them. Variants are small overrides of the base
 * model, so every folder keeps them in one table beside its model.
 */
import type { VariantInfo, Workload } from '../harness/spec.ts';

export interface WorkloadDefinition {
  readonly name: string;
  readonly description: string;
  /** The first one is `base`. */
  readonly variants: readonly VariantInfo[];
  create(variant: string): Workload;
}
