/**
 * The grid selection that `run` and `plan` both take (workloads, submissions, ruleset,
 * trials, studies, seed, budget scales): declared once for both, so that a plan is
 * made from exactly what `run` would run.
 */
import type { Command } from 'commander';
import type { BackendChoice } from '../backends/select.ts';
import type { BenchmarkOptions } from '../benchmark/plan.ts';
import { checkRunBounds } from '../benchmark/plan_bounds.ts';
import type { Ruleset } from '../spec.ts';
import {
  backendOption, budgetScaleOption, rulesetOption, seedOption, selfBudgetScaleOption, studiesOption, submissionOption, trialsOption, workloadOption,
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
}

/** Adds the selection options (and --backend, which describing the submissions needs). */
export function addSelectionOptions(command: Command, whenOmitted: string): Command {
  return command
    .addOption(workloadOption(whenOmitted))
    .addOption(submissionOption(whenOmitted))
    .addOption(rulesetOption())
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
    ...(signal === undefined ? {} : { signal }),
  };
}
