/**
 * The plan of a benchmark run: the grid of workloads × submissions × studies × trials,
 * every cell resolved (workload, targets, submission, seed, hyperparameters, budget and
 * the hashes of the code that produces it) before anything runs. Everything the user
 * typed is checked here, before the store is opened, so bad input leaves nothing
 * half-written.
 */
import { existsSync } from 'node:fs';
import { AlgobenchError, setting } from '../core/errors.ts';
import { runTrialSeed } from '../core/rng.ts';
import type { BackendChoice } from '../backends/select.ts';
import { jsonHash, sourceHash, submissionHash, workloadEntry } from '../identity/code_hash.ts';
import type { Clock } from '../runner/clock.ts';
import type { WatchdogLimits } from '../runner/isolated/run_isolated.ts';
import { saverSettingsProblem, type SaverSettings } from '../saver/policy.ts';
import type { Hparams, Ruleset, Targets, Workload } from '../spec.ts';
import type { TrialCode } from '../store/rows.ts';
import { loadSubmission, searchSpacePath, type LoadedSubmission, type SubmissionRef } from '../submissions/load.ts';
import { canonicalSearchSpace, loadSearchSpace, sampleHparams, type SearchSpace } from '../tuning/search_space.ts';
import { expandWorkloadRefs, getWorkload } from '../../workloads/registry.ts';
import { getTargets } from '../../workloads/targets.ts';
import { checkRunBounds } from './plan_bounds.ts';
import { describeAll, versionOfAlgobench } from './probe.ts';

/** AlgoPerf's self-tuning ruleset grants 1.5× the external-tuning budget. */
export const SELF_TUNING_BUDGET_SCALE = 1.5;

export interface BenchmarkOptions {
  readonly workloads: readonly string[];
  readonly submissions: readonly string[];
  readonly ruleset: Ruleset;
  readonly studies: number;
  readonly trials: number;
  readonly seed: number;
  readonly dbPath: string;
  readonly backend: BackendChoice;
  readonly selfTuningBudgetScale?: number;
  /**
   * Per submission, keyed by its reference as given in `submissions`: a search-space
   * file to draw its external-tuning trials from instead of the search_space.json
   * beside it (AlgoPerf's `--tuning_search_space`), e.g. a list of fixed points. The
   * file's bytes are the trials' search-space identity, as the default file's are.
   */
  readonly searchSpaces?: Readonly<Record<string, string>>;
  /**
   * Multiplies every budget, for smoke tests and quick looks. Trials keep the scale
   * and leaderboards never rank a scaled run with a full one. @default 1
   */
  readonly budgetScale?: number;
  readonly signal?: AbortSignal;
  /**
   * 'process' (the default): every trial runs in a process of its own, sandboxed and
   * watched (runner/isolated/), and the run never imports submission code. 'inline':
   * trials run in this process, for tests that need a fake clock and for trusted code.
   */
  readonly isolation?: 'process' | 'inline';
  /** Watchdog limits of isolated trials (defaults in run_isolated.ts). */
  readonly watchdog?: WatchdogLimits;
  /** A fake clock; only with isolation 'inline'. */
  readonly clock?: Clock;
  /**
   * 'grid' (the default): workload, then submission, study, trial. 'paired' (compare):
   * study, then workload, trial, submission, the submissions' order reversed in every
   * other study, so each study's trials of the submissions run back to back on the
   * same seeds, the workloads take turns, and a slow drift of the machine falls on
   * both sides alike.
   */
  readonly order?: 'grid' | 'paired';
  /**
   * Asked before each planned trial; one it answers false for is left out of this
   * run (not run, not skipped). Compare's stopping rule.
   */
  readonly wanted?: (planned: PlannedTrial) => boolean;
  /**
   * Stop trials the budget saver predicts to miss (docs/budget_saver.md): an
   * exploratory run, whose trials are marked in the store and never scored. Part of
   * each trial's code key, so a later run without it runs every trial afresh.
   * Isolated trials only.
   */
  readonly budgetSaver?: SaverSettings;
}

/** One cell of the grid, fully resolved before anything runs. */
export interface PlannedTrial {
  readonly workload: Workload;
  readonly targets: Targets & { version: number };
  /** With isolation 'inline', the imported submission too. */
  readonly submission: SubmissionRef & { readonly submission?: LoadedSubmission['submission'] };
  readonly study: number;
  readonly trial: number;
  readonly seed: number;
  readonly hparams: Hparams;
  /** The trial's runtime budget: the workload's, times the ruleset's and the run's scale. */
  readonly budgetSec: number;
  /** What produces the trial; `codeKey` hashes it all and is part of the trial's key. */
  readonly code: TrialCode & { readonly codeKey: string };
}

/** Resolves every workload, target, submission and hyperparameter point, or throws. */
export async function planBenchmark(options: BenchmarkOptions): Promise<PlannedTrial[]> {
  checkRunBounds({
    studies: options.studies,
    trials: options.trials,
    seed: options.seed,
    budgetScale: options.budgetScale,
    selfTuningBudgetScale: options.selfTuningBudgetScale,
    workloadCount: expandWorkloadRefs(options.workloads).length,
    submissionCount: options.submissions.length,
  });
  if (options.workloads.length === 0) throw new AlgobenchError('E_USAGE', `no workload given; pass ${setting('workloads')} NAME[:VARIANT]`);
  if (options.submissions.length === 0) throw new AlgobenchError('E_USAGE', `no submission given; pass ${setting('submissions')} NAME|PATH`);
  // AlgoPerf's self-tuning ruleset: each study is one run, scored as the median over
  // studies; several trials of one study would be scored as the best of repeated runs of
  // the same configuration, a prize for seed luck.
  if (options.ruleset === 'self' && options.trials !== 1) {
    throw new AlgobenchError('E_USAGE', `${setting('trials')} ${options.trials} has no meaning under ${setting('ruleset')} self (one run per study); drop it, pass ${setting('studies')} for more runs, or run with ${setting('ruleset')} external`);
  }
  const workloads = expandWorkloadRefs(options.workloads).map((ref) => {
    const workload = getWorkload(ref);
    return { workload, targets: getTargets(workload.name, workload.variant) };
  });
  if (options.budgetSaver !== undefined) {
    const problem = saverSettingsProblem(options.budgetSaver);
    if (problem !== undefined) throw new AlgobenchError('E_USAGE', `${problem}; pass ${setting('budgetSaver')} with a probability such as 0.05`);
    if (options.isolation === 'inline') throw new Error('the budget saver stops isolated trials only (isolation "process")');
  }
  if (options.clock !== undefined && options.isolation !== 'inline') {
    throw new Error('a fake clock needs isolation "inline": it cannot reach a trial\'s own process');
  }
  const searchSpaces = checkedSearchSpaces(options);
  const submissions = options.isolation === 'inline'
    ? await Promise.all(options.submissions.map((ref) => loadSubmission(ref, searchSpaces[ref])))
    : await describeAll(options.submissions, options.backend, options.watchdog?.startupSec, searchSpaces);
  checkDistinctNames(submissions);
  return expandPlan(workloads, submissions, options);
}

/**
 * A trial's code key: the hashes of what produced it (TrialCode, less the recorded
 * algobench version) and what the harness derived for it (its seed, drawn
 * hyperparameters and budget, and the budget saver's settings where it ran with one).
 */
export function trialCodeKey(
  code: Omit<TrialCode, 'algobenchVersion'>,
  derived: { readonly seed: number; readonly hparams: Hparams; readonly budgetSec: number; readonly budgetSaver?: unknown },
): string {
  return jsonHash({ ...code, ...derived }).slice(0, 16);
}

/**
 * The grid itself, once the workloads and submissions are resolved: the ordered trials
 * with their seeds, hyperparameter draws, budgets and code hashes. Pure apart from
 * hashing the source files (once per workload and per submission), so `run` and `plan`
 * get the same trials from it and the planning benchmark can time it alone.
 */
export function expandPlan(
  workloads: ReadonlyArray<{ workload: Workload; targets: Targets & { version: number } }>,
  submissions: readonly SubmissionRef[],
  options: Pick<BenchmarkOptions, 'ruleset' | 'studies' | 'trials' | 'seed' | 'budgetScale' | 'selfTuningBudgetScale' | 'order' | 'budgetSaver'>,
): PlannedTrial[] {
  const plan: PlannedTrial[] = [];
  const budgetScale = trialBudgetScale(options);
  const algobenchVersion = versionOfAlgobench();
  const workloadHashes = new Map<string, string>();
  const bySubmission = new Map<string, string>();
  const submissionHashes = (modulePath: string): string => {
    if (!bySubmission.has(modulePath)) bySubmission.set(modulePath, submissionHash(modulePath));
    return bySubmission.get(modulePath)!;
  };
  // A study's draws depend on the submission's search space, not on the workload: drawn once per submission and study.
  const draws = new Map<string, Hparams[]>();
  const drawsFor = (submission: SubmissionRef, study: number): Hparams[] => {
    const key = `${submission.modulePath}\u0000${study}`;
    if (!draws.has(key)) draws.set(key, hparamsFor(submission, options, study));
    return draws.get(key)!;
  };
  for (const { workload, targets } of workloads) {
    if (!workloadHashes.has(workload.name)) workloadHashes.set(workload.name, sourceHash(workloadEntry(workload.name)));
    for (const submission of submissions) {
      const partial: TrialCode = {
        submissionHash: submissionHashes(submission.modulePath),
        // The space as drawn from (parsed): whitespace and key order change no draw.
        searchSpaceHash: options.ruleset === 'external' && submission.searchSpace !== undefined ? jsonHash(canonicalSearchSpace(submission.searchSpace)) : null,
        workloadHash: workloadHashes.get(workload.name)!,
        // This variant's targets and budget, not the file's version: re-deriving another
        // workload's targets changes nothing here.
        targetsHash: jsonHash({ targets: { validation: targets.validation, test: targets.test }, budget: workload.budget }),
        algobenchVersion,
      };
      // The algobench version is recorded, not keyed: keying on it would discard every
      // result at each commit. What the harness derives for the trial is keyed instead
      // (below): a change to how it draws seeds or hyperparameters, or to the budget it
      // grants, is a different trial.
      const { algobenchVersion: _recorded, ...keyed } = partial;
      const saver = options.budgetSaver === undefined ? {} : { budgetSaver: options.budgetSaver };
      for (let study = 0; study < options.studies; study++) {
        const points = drawsFor(submission, study);
        for (let trial = 0; trial < options.trials; trial++) {
          // The seed does not depend on the submission: every submission gets the same
          // initialisations and data orders, which makes trials paired across them.
          const seed = runTrialSeed(options.seed, workload, study, trial);
          const budgetSec = workload.budget.maxRuntimeSec * budgetScale;
          const hparams = points[trial] ?? {};
          const code = { ...partial, codeKey: trialCodeKey(keyed, { ...saver, seed, hparams, budgetSec }) };
          plan.push({ workload, targets, submission, study, trial, seed, hparams, budgetSec, code });
        }
      }
    }
  }
  return options.order === 'paired' ? pairedOrder(plan, submissions) : plan;
}

/**
 * The run's search-space files, each for a submission it runs, under external tuning
 * only; each is read and drawn from here, so that a malformed file or a list shorter
 * than the study fails before any submission is imported.
 */
function checkedSearchSpaces(options: Pick<BenchmarkOptions, 'searchSpaces' | 'submissions' | 'ruleset' | 'trials'>): Readonly<Record<string, string>> {
  const given = options.searchSpaces ?? {};
  const refs = Object.keys(given);
  if (refs.length > 0 && options.ruleset !== 'external') {
    throw new AlgobenchError('E_USAGE', `${setting('searchSpaces')} gives external-tuning trials their hyperparameters; under ${setting('ruleset')} ${options.ruleset} none are drawn: drop it or run with ${setting('ruleset')} external`);
  }
  const stranger = refs.find((ref) => !options.submissions.includes(ref));
  if (stranger !== undefined) {
    throw new AlgobenchError('E_USAGE', `${setting('searchSpaces')} names submission "${stranger}", which is not among ${setting('submissions')} (${options.submissions.join(', ')}); name one of them`);
  }
  for (const [ref, file] of Object.entries(given)) drawFrom(loadSearchSpace(file), { seed: 0, study: 0, count: options.trials }, ref, file);
  return given;
}

/** sampleHparams, its refusal (a list shorter than the study) naming the submission and the file. */
function drawFrom(space: SearchSpace, draw: Parameters<typeof sampleHparams>[1], name: string, file: string): Hparams[] {
  try {
    return sampleHparams(space, draw);
  } catch (err) {
    if (!(err instanceof AlgobenchError)) throw err;
    throw new AlgobenchError(err.code, `submission "${name}", search space ${file}: ${err.template}`, { cause: err });
  }
}

/** Trials are keyed by submission name: two modules of one name would take each other's trials for their own. */
function checkDistinctNames(submissions: readonly SubmissionRef[]): void {
  const seen = new Map<string, string>();
  for (const s of submissions) {
    const other = seen.get(s.name);
    if (other !== undefined) {
      throw new AlgobenchError(
        'E_USAGE',
        other === s.modulePath
          ? `submission ${s.modulePath} is named twice in ${setting('submissions')}; name it once`
          : `submissions ${other} and ${s.modulePath} both export the name "${s.name}", which the store cannot tell apart; rename one (its "name" field)`,
      );
    }
    seen.set(s.name, s.modulePath);
  }
}

/** The grid in compare's order (BenchmarkOptions.order). */
function pairedOrder(plan: readonly PlannedTrial[], submissions: readonly SubmissionRef[]): PlannedTrial[] {
  const workloads = [...new Set(plan.map((p) => p.workload))];
  const key = (p: PlannedTrial): number[] => {
    const side = submissions.indexOf(p.submission);
    return [p.study, workloads.indexOf(p.workload), p.trial, p.study % 2 === 0 ? side : submissions.length - 1 - side];
  };
  return plan
    .map((p) => ({ p, key: key(p) }))
    .sort((x, y) => {
      for (let k = 0; k < x.key.length; k++) if (x.key[k] !== y.key[k]) return x.key[k]! - y.key[k]!;
      return 0;
    })
    .map((r) => r.p);
}
/** The ruleset's budget multiplier times the run's own. */
export function trialBudgetScale(options: Pick<BenchmarkOptions, 'ruleset' | 'budgetScale' | 'selfTuningBudgetScale'>): number {
  const ruleset = options.ruleset === 'self' ? (options.selfTuningBudgetScale ?? SELF_TUNING_BUDGET_SCALE) : 1;
  return ruleset * (options.budgetScale ?? 1);
}

function hparamsFor(submission: SubmissionRef, options: Pick<BenchmarkOptions, 'ruleset' | 'seed' | 'trials'>, study: number): Hparams[] {
  if (options.ruleset === 'self') return Array.from({ length: options.trials }, () => ({}));
  if (submission.searchSpace === undefined) {
    throw new AlgobenchError(
      'E_SEARCH_SPACE',
      `submission "${submission.name}" has no search_space.json beside ${submission.modulePath}; add one or run it with ${setting('ruleset')} self`,
    );
  }
  const file = submission.searchSpaceFile ?? searchSpacePath(submission.modulePath);
  return drawFrom(submission.searchSpace, { seed: options.seed, study, count: options.trials }, submission.name, file);
}
