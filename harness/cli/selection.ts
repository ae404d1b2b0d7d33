/**
 * The grid selection that `run` and `plan` both take (workloads, submissions, ruleset,
 * trials, studies, seed, budget scales): declared once for both, so that a plan is
 * made from exactly what `run` would run.
 */
import type { Command } from 'commander';
import { AlgobenchError } from '../core/errors.ts';
import type { BackendChoice } from '../backends/select.ts';
import type { BenchmarkOptions } from '../benchmark/plan.ts';
import { checkRunBounds } from '../benchmark/plan_bounds.ts';
import type { Ruleset } from '../spec.ts';
import {
  backendOption, budgetScaleOption, rulesetOption, searchSpaceOption, seedOption, selfBudgetScaleOption, studiesOption, submissionOption, trialsOption, workloadOption,
} from './options.ts';

export interface SelectionFlags {
  workload: string[];
  submission: string[];
  ruleset: Ruleset;
  trials: number;
  studies: number;
  seed: number;
  backend: BackendChoice;
  selfBudgetScale: number;
  budgetScale: number;
  searchSpace: string[];
}

/** Adds the selection options (and --backend, which describing the submissions needs). */
export function addSelectionOptions(command: Command, whenOmitted: string): Command {
  return command
    .addOption(workloadOption(whenOmitted))
    .addOption(submissionOption(whenOmitted))
    .addOption(rulesetOption())
    .addOption(searchSpaceOption())
    .addOption(trialsOption(1))
    .addOption(studiesOption(1))
    .addOption(seedOption())
    .addOption(backendOption())
    .addOption(selfBudgetScaleOption())
    .addOption(budgetScaleOption());
}

/** The run's options, every number in bounds and the grid's size checked before anything is planned. */
export async function optionsOfSelection(flags: SelectionFlags, dbPath: string, signal?: AbortSignal): Promise<BenchmarkOptions> {
  // Loaded here, not at start-up: the registry brings every workload (and TensorFlow.js).
  const { expandWorkloadRefs } = await import('../../workloads/registry.ts');
  checkRunBounds({
    studies: flags.studies,
    trials: flags.trials,
    seed: flags.seed,
    budgetScale: flags.budgetScale,
    selfTuningBudgetScale: flags.selfBudgetScale,
    workloadCount: expandWorkloadRefs(flags.workload).length,
    submissionCount: flags.submission.length,
  });
  return {
    workloads: flags.workload,
    submissions: flags.submission,
    ruleset: flags.ruleset,
    trials: flags.trials,
    studies: flags.studies,
    seed: flags.seed,
    dbPath,
    backend: flags.backend,
    selfTuningBudgetScale: flags.selfBudgetScale,
    budgetScale: flags.budgetScale,
    ...(flags.searchSpace.length === 0 ? {} : { searchSpaces: searchSpacesOf(flags.searchSpace, flags.submission) }),
    ...(signal === undefined ? {} : { signal }),
  };
}

/**
 * The --search-space values as a file per submission: `PATH` when one submission is
 * given, `NAME=PATH` (NAME exactly as given to -s) with any number. A value that does
 * not say which submission it is for, or a second file for one submission, is refused.
 */
export function searchSpacesOf(values: readonly string[], submissions: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    const named = eq > 0 && submissions.includes(value.slice(0, eq));
    if (!named && submissions.length !== 1) {
      throw new AlgobenchError(
        'E_USAGE',
        submissions.length === 0
          ? `--search-space "${value}" is for a submission, and none is given; pass -s NAME with it`
          : `--search-space "${value}" does not say which submission it is for; with several -s, write NAME=PATH with NAME one of: ${submissions.join(', ')}`,
      );
    }
    const [ref, path] = named ? [value.slice(0, eq), value.slice(eq + 1)] : [submissions[0]!, value];
    if (path === '') throw new AlgobenchError('E_USAGE', `--search-space "${value}" names no file; write ${ref}=PATH`);
    if (out[ref] !== undefined) throw new AlgobenchError('E_USAGE', `--search-space is given twice for "${ref}" (${out[ref]} and ${path}); give one file per submission`);
    out[ref] = path;
  }
  return out;
}
