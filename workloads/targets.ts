/**
 * Targets live in one versioned file (workloads/targets.json), never in model code,
 * so that re-deriving them (set-targets) changes data, not workloads, and every
 * trial row can name the targets version it ran against.
 *
 * Every entry says which procedure produced it (`procedure`):
 * - `algoperf_external_tuning`: `set-targets` as AlgoPerf sets targets — the
 *   reference baselines tuned over their published search spaces under the external
 *   ruleset, the best configuration rerun with fresh seeds;
 * - `reference_rerun`: `set-targets --reference`, a shortcut that is not AlgoPerf's
 *   procedure — the recorded reference configuration rerun, nothing tuned;
 * - `hand_recorded`: measured by hand before set-targets existed (the provenance is
 *   a sentence), on an older backend.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AlgobenchError } from '../harness/core/errors.ts';
import type { Budget, Targets } from '../harness/spec.ts';

export const TARGETS_PATH = fileURLToPath(new URL('./targets.json', import.meta.url));

/** Which procedure produced an entry (see the file comment). */
export type TargetsProcedure = 'algoperf_external_tuning' | 'reference_rerun' | 'hand_recorded';

/**
 * The budget an entry holds. Evals are step-based, so an `evalPeriodSec` that older
 * entries still carry is tolerated in the file and ignored.
 */
export type TargetsBudget = Budget;

export interface TargetsEntry extends Targets {
  /** How the targets were obtained: a sentence, or set-targets' structured record. */
  readonly provenance: string | Readonly<Record<string, unknown>>;
  /** Which procedure produced the entry; absent only in files older than the label. */
  readonly procedure?: TargetsProcedure;
  /** The file version at which set-targets wrote this entry (trials record the file's). */
  readonly targetsVersion?: number;
  /** A budget derived by set-targets; overrides the workload's default when present. */
  readonly budget?: TargetsBudget;
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

/**
 * The budget set-targets derived for a workload variant, if any: its runtime and
 * step hint only (a legacy `evalPeriodSec` in the file is dropped). A variant whose
 * entry holds no budget of its own runs on its base workload's, as AlgoPerf's
 * variants do: a variant changes the model, not the time the benchmark grants, and
 * set-targets then tunes the variant under the base's budget.
 */
export function getBudgetOverride(workload: string, variant: string): Budget | undefined {
  return budgetInFile(loadTargetsFile(), workload, variant);
}

/** getBudgetOverride's rule on a given targets file. */
export function budgetInFile(file: TargetsFile, workload: string, variant: string): Budget | undefined {
  const entries = file.workloads[workload];
  const budget = entries?.[variant]?.budget ?? (variant === 'base' ? undefined : entries?.['base']?.budget);
  return budget === undefined ? undefined : { maxRuntimeSec: budget.maxRuntimeSec, stepHint: budget.stepHint };
}

/** The reference configuration of a workload variant, if its targets file entry names one. */
export function getReference(workload: string, variant: string): ReferenceConfig | undefined {
  return loadTargetsFile().workloads[workload]?.[variant]?.reference;
}

/** Which procedure produced a workload variant's entry, if the entry says. */
export function getProcedure(workload: string, variant: string): TargetsProcedure | undefined {
  return loadTargetsFile().workloads[workload]?.[variant]?.procedure;
}

/** Forgets the cached file (after set-targets rewrote it). */
export function reloadTargetsFile(): void {
  cache = undefined;
}
