/**
 * Targets live in one versioned file (workloads/targets.json), never in model code,
 * so that re-deriving them (set-targets) changes data, not workloads, and every
 * trial row can name the targets version it ran against.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AlgobenchError } from '../harness/errors.ts';
import type { Budget, Targets } from '../harness/spec.ts';

export const TARGETS_PATH = fileURLToPath(new URL('./targets.json', import.meta.url));

export interface TargetsEntry extends Targets {
  /** How the targets were obtained: a sentence, or set-targets' structured record. */
  readonly provenance: string | Readonly<Record<string, unknown>>;
  /** A budget derived by set-targets; overrides the workload's default when present. */
  readonly budget?: Budget;
  /** The baseline configuration the targets were set with (verify-targets reruns it). */
  readonly reference?: ReferenceConfig;
}

/** A baseline and its hyperparameters: what reaches a workload's targets by construction. */
export interface ReferenceConfig {
  readonly submission: string;
  readonly hparams: Readonly<Record<string, number | string | boolean>>;
}

export interface TargetsFile {
  readonly version: number;
  readonly workloads: Readonly<Record<string, Readonly<Record<string, TargetsEntry>>>>;
}

let cache: TargetsFile | undefined;

export function loadTargetsFile(): TargetsFile {
  cache ??= JSON.parse(readFileSync(TARGETS_PATH, 'utf8')) as TargetsFile;
  return cache;
}

export function getTargets(workload: string, variant: string): Targets & { version: number } {
  const file = loadTargetsFile();
  const entry = file.workloads[workload]?.[variant];
  if (entry === undefined || typeof entry.validation !== 'number' || typeof entry.test !== 'number') {
    throw new AlgobenchError(
      'E_TARGETS',
      `no targets for ${workload}:${variant} in workloads/targets.json; add them (run set-targets) before running it`,
    );
  }
  return { validation: entry.validation, test: entry.test, version: file.version };
}

/** The budget set-targets derived for a workload variant, if any. */
export function getBudgetOverride(workload: string, variant: string): Budget | undefined {
  return loadTargetsFile().workloads[workload]?.[variant]?.budget;
}

/** The reference configuration of a workload variant, if its targets file entry names one. */
export function getReference(workload: string, variant: string): ReferenceConfig | undefined {
  return loadTargetsFile().workloads[workload]?.[variant]?.reference;
}

/** Forgets the cached file (after set-targets rewrote it). */
export function reloadTargetsFile(): void {
  cache = undefined;
}
