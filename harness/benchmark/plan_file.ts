/**
 * The plan file (`algobench plan`): a run's grid written out before anything runs, so a
 * cluster's scheduler can hand slices of it to array tasks (shard.ts) and merge can
 * tell which planned trials came back. It holds the selection it was planned from, the
 * ordered trials (stable key, workload and variant, submission, code hashes, seed,
 * hyperparameters, budget), their count and total budget, and a hash of all of it.
 *
 * A plan is not a second planner: `run` with a plan plans the selection again with the
 * same code (plan.ts) and runs only if every trial comes out the same, so a plan and
 * the code it runs cannot disagree. The file is deterministic (no dates, no paths of
 * this machine): the same command writes the same bytes.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AlgobenchError, errorMessage, setting } from '../core/errors.ts';
import { formatWorkloadRef } from '../core/workload_ref.ts';
import type { Hparams } from '../spec.ts';
import { trialKeyText } from '../store/rows.ts';
import type { BenchmarkOptions, PlannedTrial } from './plan.ts';
import { sliceOf, type Shard } from './shard.ts';

export const PLAN_FORMAT = 'algobench-plan/1';

/**
 * What was selected: the fields of BenchmarkOptions that make the grid, with the budget
 * scales resolved. `searchSpaces` is present only when given (as typed, relative to the
 * folder `run` is started in), so plans without it keep their bytes.
 */
export type PlanSelection = Pick<BenchmarkOptions, 'workloads' | 'submissions' | 'ruleset' | 'studies' | 'trials' | 'seed' | 'searchSpaces'> & {
  readonly budgetScale: number;
  readonly selfTuningBudgetScale: number;
};

/** One planned trial as the file holds it. */
export interface PlanEntry {
  /** Its place in the plan's order (shard i mod N runs it). */
  readonly index: number;
  /** store/rows.ts trialKeyText: the grid place and code key. */
  readonly key: string;
  readonly workload: string;
  readonly variant: string;
  readonly submission: string;
  readonly study: number;
  readonly trial: number;
  readonly seed: number;
  readonly hparams: Hparams;
  readonly budgetSec: number;
  readonly targetsVersion: number;
  readonly code: {
    readonly submissionHash: string;
    readonly searchSpaceHash: string | null;
    readonly workloadHash: string;
    readonly targetsHash: string;
    readonly codeKey: string;
  };
}

export interface PlanFile {
  readonly format: typeof PLAN_FORMAT;
  /** sha256 of the selection and the trials (canonical JSON). */
  readonly planHash: string;
  readonly trialCount: number;
  readonly totalBudgetSec: number;
  readonly selection: PlanSelection;
  readonly trials: readonly PlanEntry[];
}

/** The selection of a run's options, every default made explicit. */
export function selectionOf(options: BenchmarkOptions): PlanSelection {
  return {
    workloads: [...options.workloads],
    submissions: [...options.submissions],
    ruleset: options.ruleset,
    studies: options.studies,
    trials: options.trials,
    seed: options.seed,
    ...(Object.keys(options.searchSpaces ?? {}).length === 0 ? {} : { searchSpaces: { ...options.searchSpaces } }),
    budgetScale: options.budgetScale ?? 1,
    selfTuningBudgetScale: options.selfTuningBudgetScale ?? 1.5,
  };
}

function entryOf(p: PlannedTrial, index: number, selection: PlanSelection): PlanEntry {
  const { codeKey, submissionHash, searchSpaceHash, workloadHash, targetsHash } = p.code;
  const key = trialKeyText({
    workload: p.workload.name, variant: p.workload.variant, submission: p.submission.name, ruleset: selection.ruleset,
    budgetScale: selection.budgetScale, baseSeed: selection.seed, study: p.study, trial: p.trial, codeKey,
  });
  return {
    index, key, workload: p.workload.name, variant: p.workload.variant, submission: p.submission.name, study: p.study, trial: p.trial,
    seed: p.seed, hparams: p.hparams, budgetSec: p.budgetSec, targetsVersion: p.targets.version,
    code: { submissionHash, searchSpaceHash, workloadHash, targetsHash, codeKey },
  };
}

function hashOf(selection: PlanSelection, trials: readonly PlanEntry[]): string {
  return createHash('sha256').update(JSON.stringify({ format: PLAN_FORMAT, selection, trials })).digest('hex');
}

/** The plan file of a planned grid. */
export function planFileOf(selection: PlanSelection, planned: readonly PlannedTrial[]): PlanFile {
  const trials = planned.map((p, i) => entryOf(p, i, selection));
  const totalBudgetSec = trials.reduce((sum, t) => sum + t.budgetSec, 0);
  return { format: PLAN_FORMAT, planHash: hashOf(selection, trials), trialCount: trials.length, totalBudgetSec, selection, trials };
}

/** The file's text: one trial per line, so a diff of two plans reads trial by trial. */
export function planText(file: PlanFile): string {
  const { trials, ...header } = file;
  const head = JSON.stringify(header, null, 2).replace(/\n}$/, '');
  return `${head},\n  "trials": [\n${trials.map((t) => `    ${JSON.stringify(t)}`).join(',\n')}\n  ]\n}\n`;
}

const badPlan = (path: string, why: string): AlgobenchError =>
  new AlgobenchError('E_PLAN', `plan ${path} ${why}; write it again with "algobench plan" and pass ${setting('plan')} with that file`);

/** Reads a plan file, refusing a missing, unreadable, foreign or hand-edited one. */
export function readPlanFile(path: string): PlanFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw badPlan(path, code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? errorMessage(err)})`);
  }
  let file: PlanFile;
  try {
    file = JSON.parse(text) as PlanFile;
  } catch {
    throw badPlan(path, 'is not JSON');
  }
  if (file === null || typeof file !== 'object' || file.format !== PLAN_FORMAT || !Array.isArray(file.trials) || typeof file.selection !== 'object') {
    throw badPlan(path, `is not an algobench plan (no "format": "${PLAN_FORMAT}")`);
  }
  if (hashOf(file.selection, file.trials) !== file.planHash || file.trialCount !== file.trials.length) {
    throw badPlan(path, 'was changed after it was written (its trials no longer match its plan hash)');
  }
  return file;
}

/** The options that plan the file's selection again (the rest of a run's options given). */
export function optionsOfPlan(file: PlanFile, rest: Omit<BenchmarkOptions, keyof PlanSelection>): BenchmarkOptions {
  return { ...rest, ...file.selection, workloads: [...file.selection.workloads], submissions: [...file.selection.submissions] };
}

/**
 * The trials of `shard`, after checking that planning the file's selection again gives
 * the file's trials: an edited submission, search space, workload or targets entry
 * changes a hash, and the plan is refused in one line naming the first difference.
 */
export function shardOfPlan(file: PlanFile, path: string, replanned: readonly PlannedTrial[], shard: Shard): PlannedTrial[] {
  const now = planFileOf(file.selection, replanned);
  if (now.planHash !== file.planHash) {
    const first = file.trials.findIndex((t, i) => JSON.stringify(t) !== JSON.stringify(now.trials[i]));
    const was = file.trials[first];
    const is = now.trials[first];
    let what = `it plans ${now.trialCount} trials, the file ${file.trialCount}`;
    if (was !== undefined && is !== undefined) {
      const changed = (['submissionHash', 'searchSpaceHash', 'workloadHash', 'targetsHash'] as const).filter((k) => was.code[k] !== is.code[k]);
      const names = { submissionHash: 'its submission code', searchSpaceHash: 'its search space', workloadHash: 'the workload definition', targetsHash: 'the targets or budget' };
      what = `trial ${first} (${formatWorkloadRef({ name: was.workload, variant: was.variant })} ${was.submission} study ${was.study} trial ${was.trial}): ${
        changed.length > 0 ? `${changed.map((k) => names[k]).join(', ')} changed since it was planned` : 'its seed, hyperparameters or budget differ'
      }`;
    }
    throw new AlgobenchError('E_PLAN', `plan ${path} no longer matches the code: ${what}; plan again with "algobench plan" (a new plan hash) or restore the code`);
  }
  return sliceOf(replanned, shard);
}
