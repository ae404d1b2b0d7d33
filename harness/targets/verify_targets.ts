/**
 * `algobench verify-targets`: do a workload's targets and budget still hold on this
 * machine? Reruns each workload's reference configuration (the baseline and
 * hyperparameters its targets were set with, from the targets file) with fresh seeds
 * on the real clock, and reports how many seeds reached the validation target within
 * the budget and how long they took. The fixed suite passes when every workload's
 * reference reaches its target in at least `minReached` of the seeds; with one seed
 * per workload it is also the suite's reference run, whose wall time it reports.
 */
import { AlgobenchError } from '../errors.ts';
import { deriveSeed } from '../rng.ts';
import { realClock, type Clock } from '../runner/clock.ts';
import { runTrial, type TrialResult } from '../runner/trial.ts';
import type { Targets, Workload } from '../spec.ts';
import type { LoadedSubmission } from '../submissions.ts';
import type { ReferenceConfig } from '../../workloads/targets.ts';
import { median } from '../scoring/aggregate.ts';

export type VerifyTrial = Omit<TrialResult, 'evals'> & {
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

export const refOf = (w: Workload): string => (w.variant === 'base' ? w.name : `${w.name}:${w.variant}`);


export async function verifyTargets(o: VerifyOptions): Promise<VerifySummary[]> {
  const plan = o.workloads.map((workload) => {
    const reference = o.referenceOf(workload);
    if (reference === undefined) {
      throw new AlgobenchError(
        'E_TARGETS',
        `workloads/targets.json names no reference configuration for ${refOf(workload)}; add "reference": {"submission", "hparams"} to its entry (set-targets writes one)`,
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
      const seed = deriveSeed(o.baseSeed, 'verify', workload.name, workload.variant, k) % 2 ** 31;
      const started = wall();
      const result = await runTrial(
        { workload, targets, submission: submission.submission, hparams: reference.hparams, seed, budgetScale: 1 },
        { clock: o.clock ?? realClock },
      );
      const { evals: _evals, ...outcome } = result;
      const trial: VerifyTrial = { workload: refOf(workload), seed, ...outcome, wallSec: wall() - started };
      trials.push(trial);
      o.onTrial?.(trial, ++index, total);
    }
    const times = trials.flatMap((t) => (t.status === 'reached' && t.timeToTargetSec !== null ? [t.timeToTargetSec] : []));
    summaries.push({
      workload: refOf(workload),
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
