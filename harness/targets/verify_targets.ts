/**
 * `algobench verify-targets`: do a workload's targets and budget still hold on this
 * machine? Two rulesets:
 *
 * - `reference` (verifyTargets): reruns each workload's reference configuration (the
 *   baseline and hyperparameters its targets were set with, from the targets file)
 *   with fresh seeds on the real clock, and reports how many seeds reached the
 *   validation target within the budget and how long they took. The fixed suite
 *   passes when every workload's reference reaches its target in at least
 *   `minReached` of the seeds; with one seed per workload it is also the suite's
 *   reference run, whose wall time it reports. A quick check, not the ruleset that
 *   scores.
 * - `external` (verifyExternal): runs the reference baseline as a user's `run` would
 *   under the external-tuning ruleset: `studies` × `trials`, the hyperparameters of
 *   each study drawn from its search space and the seeds derived exactly as `run`
 *   derives them (harness/benchmark/plan.ts), the workload's budget. A study scores its
 *   best trial's time-to-target (reached within budget); the workload passes when at
 *   least `minStudies` studies reach the target (default: more than half, i.e. when
 *   the median over studies, AlgoPerf's score of a workload, is finite: 2 of 3).
 */
import { formatWorkloadRef } from '../core/workload_ref.ts';
import { AlgobenchError, setting } from '../core/errors.ts';
import { runTrialSeed, trialSeed } from '../core/rng.ts';
import { realClock, type Clock } from '../runner/clock.ts';
import { runTrial } from '../runner/trial.ts';
import type { TrialResult } from '../core/trial_result.ts';
import type { Hparams, Targets, Workload } from '../spec.ts';
import type { LoadedSubmission } from '../submissions/load.ts';
import { sampleHparams } from '../tuning/search_space.ts';
import type { ReferenceConfig } from '../../workloads/targets.ts';
import { median } from '../scoring/aggregate.ts';

export type VerifyTrial = TrialResult & {
  readonly workload: string;
  readonly seed: number;
  /** Wall time of the whole trial: data (cached after the first), steps and evals. */
  readonly wallSec: number;
};

export interface VerifySummary {
  readonly workload: string;
  readonly reference: ReferenceConfig;
  readonly budgetSec: number;
  readonly targets: Targets;
  readonly reached: number;
  readonly seeds: number;
  /** Median time-to-target of the seeds that reached it (null if none did). */
  readonly medianTimeToTargetSec: number | null;
  readonly trials: readonly VerifyTrial[];
}

export interface VerifyOptions {
  readonly workloads: readonly Workload[];
  readonly seeds: number;
  readonly baseSeed: number;
  readonly targetsOf: (workload: Workload) => Targets;
  readonly referenceOf: (workload: Workload) => ReferenceConfig | undefined;
  readonly loadSubmission: (name: string) => Promise<LoadedSubmission>;
  readonly clock?: Clock;
  /** Wall-clock source for `wallSec` (the trial clock may be virtual in tests). */
  readonly wallClock?: () => number;
  readonly onTrial?: (trial: VerifyTrial, index: number, total: number) => void;
}



export async function verifyTargets(o: VerifyOptions): Promise<VerifySummary[]> {
  const plan = o.workloads.map((workload) => {
    const reference = o.referenceOf(workload);
    if (reference === undefined) {
      throw new AlgobenchError(
        'E_TARGETS',
        `workloads/targets.json names no reference configuration for ${formatWorkloadRef(workload)}; add "reference": {"submission", "hparams"} to its entry (set-targets writes one)`,
      );
    }
    return { workload, reference, targets: o.targetsOf(workload) };
  });
  const wall = o.wallClock ?? (() => performance.now() / 1000);
  const total = plan.length * o.seeds;
  const summaries: VerifySummary[] = [];
  let index = 0;
  for (const { workload, reference, targets } of plan) {
    const submission = await o.loadSubmission(reference.submission);
    const trials: VerifyTrial[] = [];
    for (let k = 0; k < o.seeds; k++) {
      const seed = trialSeed(o.baseSeed, 'verify', workload.name, workload.variant, k);
      const started = wall();
      const result = await runTrial(
        { workload, targets, submission: submission.submission, hparams: reference.hparams, seed, budgetScale: 1 },
        { clock: o.clock ?? realClock },
      );
      const trial: VerifyTrial = { workload: formatWorkloadRef(workload), seed, ...result, wallSec: wall() - started };
      trials.push(trial);
      o.onTrial?.(trial, ++index, total);
    }
    const times = trials.flatMap((t) => (t.status === 'reached' ? [t.timeToTargetSec] : []));
    summaries.push({
      workload: formatWorkloadRef(workload),
      reference,
      budgetSec: workload.budget.maxRuntimeSec,
      targets,
      reached: times.length,
      seeds: o.seeds,
      medianTimeToTargetSec: times.length > 0 ? median(times) : null,
      trials,
    });
  }
  return summaries;
}

export interface VerifyExternalOptions {
  readonly workloads: readonly Workload[];
  /** Studies per workload. @default 3 */
  readonly studies: number;
  /** Trials per study. @default 5 */
  readonly trials: number;
  /** The base seed of the `run` this stands for. */
  readonly baseSeed: number;
  /** Studies that must reach the target; default more than half (2 of 3). */
  readonly minStudies?: number;
  readonly targetsOf: (workload: Workload) => Targets;
  /** The baseline to run on a workload (its reference submission), if any. */
  readonly submissionOf: (workload: Workload) => string | undefined;
  readonly loadSubmission: (name: string) => Promise<LoadedSubmission>;
  readonly clock?: Clock;
  readonly wallClock?: () => number;
  /** Called as each trial ends. */
  readonly onTrial?: (trial: ExternalTrial, index: number, total: number) => void;
}

export type ExternalTrial = VerifyTrial & {
  readonly submission: string;
  readonly study: number;
  readonly trial: number;
  readonly hparams: Hparams;
};

export interface StudyOutcome {
  readonly study: number;
  /** The study's score: its best trial's time-to-target, null when no trial reached it. */
  readonly timeToTargetSec: number | null;
  /** Trials of the study that reached the target within budget. */
  readonly reachedTrials: number;
}

export interface ExternalSummary {
  readonly workload: string;
  readonly submission: string;
  readonly budgetSec: number;
  readonly targets: Targets;
  readonly studies: readonly StudyOutcome[];
  readonly trialsPerStudy: number;
  /** Studies whose best trial reached the target. */
  readonly reachedStudies: number;
  readonly minStudies: number;
  readonly passed: boolean;
  /**
   * Median over the studies of their time-to-target, an unreached study counting as
   * infinite (AlgoPerf's per-workload score); null when that median is infinite.
   */
  readonly medianTimeToTargetSec: number | null;
  readonly trials: readonly ExternalTrial[];
}

/** More than half of the studies: the median over studies is then finite. */
export const defaultMinStudies = (studies: number): number => Math.floor(studies / 2) + 1;

export async function verifyExternal(o: VerifyExternalOptions): Promise<ExternalSummary[]> {
  for (const [name, value] of [['studies', o.studies], ['trials', o.trials]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new AlgobenchError('E_USAGE', `--${name} must be a positive integer (got ${value})`);
  }
  const minStudies = o.minStudies ?? defaultMinStudies(o.studies);
  if (!Number.isInteger(minStudies) || minStudies < 1 || minStudies > o.studies) {
    throw new AlgobenchError('E_USAGE', `${setting('minReached')} must be an integer from 1 to ${setting('studies')} ${o.studies} (got ${minStudies})`);
  }
  // Everything is resolved before the first trial runs, so bad input costs no time.
  const plan: Array<{ workload: Workload; submission: LoadedSubmission; targets: Targets }> = [];
  for (const workload of o.workloads) {
    const name = o.submissionOf(workload);
    if (name === undefined) {
      throw new AlgobenchError(
        'E_TARGETS',
        `workloads/targets.json names no reference baseline for ${formatWorkloadRef(workload)}; add "reference": {"submission", "hparams"} to its entry (set-targets writes one) or pass ${setting('submissions')}`,
      );
    }
    const submission = await o.loadSubmission(name);
    if (submission.searchSpace === undefined) {
      throw new AlgobenchError(
        'E_SEARCH_SPACE',
        `verify-targets ${setting('ruleset')} external: "${submission.name}" has no search_space.json beside ${submission.modulePath}; the external-tuning ruleset draws its trials from one`,
      );
    }
    plan.push({ workload, submission, targets: o.targetsOf(workload) });
  }
  const wall = o.wallClock ?? (() => performance.now() / 1000);
  const total = plan.length * o.studies * o.trials;
  const summaries: ExternalSummary[] = [];
  let index = 0;
  for (const { workload, submission, targets } of plan) {
    const trials: ExternalTrial[] = [];
    const studies: StudyOutcome[] = [];
    for (let study = 0; study < o.studies; study++) {
      // As `run` plans a study (harness/benchmark/plan.ts): the study's quasi-random points,
      // and seeds that depend on the workload, study and trial, not on the submission.
      const points = sampleHparams(submission.searchSpace!, { seed: o.baseSeed, study, count: o.trials });
      const inStudy: ExternalTrial[] = [];
      for (let trial = 0; trial < o.trials; trial++) {
        const seed = runTrialSeed(o.baseSeed, workload, study, trial);
        const hparams = points[trial] ?? {};
        const started = wall();
        const result = await runTrial(
          { workload, targets, submission: submission.submission, hparams, seed, budgetScale: 1 },
          { clock: o.clock ?? realClock },
        );
        const record: ExternalTrial = {
          workload: formatWorkloadRef(workload), submission: submission.name, study, trial, hparams, seed, ...result, wallSec: wall() - started,
        };
        inStudy.push(record);
        o.onTrial?.(record, ++index, total);
      }
      const times = inStudy.flatMap((t) => (t.status === 'reached' ? [t.timeToTargetSec] : []));
      studies.push({ study, timeToTargetSec: times.length > 0 ? Math.min(...times) : null, reachedTrials: times.length });
      trials.push(...inStudy);
    }
    const reachedStudies = studies.filter((s) => s.timeToTargetSec !== null).length;
    const studyMedian = median(studies.map((s) => s.timeToTargetSec ?? Infinity));
    summaries.push({
      workload: formatWorkloadRef(workload),
      submission: submission.name,
      budgetSec: workload.budget.maxRuntimeSec,
      targets,
      studies,
      trialsPerStudy: o.trials,
      reachedStudies,
      minStudies,
      passed: reachedStudies >= minStudies,
      medianTimeToTargetSec: Number.isFinite(studyMedian) ? studyMedian : null,
      trials,
    });
  }
  return summaries;
}
