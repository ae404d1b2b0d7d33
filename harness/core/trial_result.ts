/**
 * How a trial ended — the one definition, used by the runner that produces it, the
 * trial process that sends it, the store that keeps it and everything that reads it.
 *
 * A discriminated union by status, so that what a status implies is in the type:
 * only a `reached` trial has a time-to-target and a target step (a trial that met the
 * validation target and then diverged, threw or was stopped is scored as what it
 * ended as, and carries none); a failed trial says why.
 */
import type { TrialStatus } from '../spec.ts';

/** What every trial reports, however it ended. */
export interface TrialCounts {
  readonly steps: number;
  readonly submissionTimeSec: number;
  readonly evalTimeSec: number;
  /** Evaluations run. */
  readonly evals: number;
  /** Whether an evaluation met the test target. */
  readonly testReached: boolean;
  /** The hyperparameters the submission read, sorted; only when tracked. */
  readonly hparamsRead?: readonly string[];
}

/** Where the validation target was first met. */
export interface TargetHit {
  /** Submission seconds up to the step at which the validation target was first met. */
  readonly timeToTargetSec: number;
  /** That step. */
  readonly targetStep: number;
  /**
   * How finely time-to-target is known: the submission time between the previous
   * evaluated grid point and the target step, as a share of time-to-target.
   */
  readonly targetResolution: number | null;
}

/** No target hit: the fields are there (null) so that every result reads the same. */
interface NoHit {
  readonly timeToTargetSec: null;
  readonly targetStep: null;
  readonly targetResolution: null;
}

export interface ReachedTrial extends TrialCounts, TargetHit {
  readonly status: 'reached';
  /** (none: `error` reads as undefined on any result that did not fail) */
  readonly error?: undefined;
}

export interface MissedTrial extends TrialCounts, NoHit {
  readonly status: 'budget_exhausted';
  readonly error?: undefined;
}

/** Statuses of a trial that ended before its budget without reaching the target. */
export type FailedStatus = Exclude<TrialStatus, 'reached' | 'budget_exhausted'>;

export interface FailedTrial extends TrialCounts, NoHit {
  readonly status: FailedStatus;
  /** Why (an interrupted trial may have no more to say). */
  readonly error?: string;
  /** `stopped_predicted_miss` only: the budget saver's P(reach the target) when it stopped the trial. */
  readonly predictedReach?: number;
}

export type TrialResult = ReachedTrial | MissedTrial | FailedTrial;

const NO_HIT: NoHit = { timeToTargetSec: null, targetStep: null, targetResolution: null };

/**
 * The result of a trial that ended as `status`: with `hit` when it is `reached` (and
 * then `hit` is required), without it otherwise (a hit before a failure is dropped).
 */
export function trialResult(status: TrialStatus, counts: TrialCounts, hit: TargetHit | null, error?: string): TrialResult {
  if (status === 'reached') {
    if (hit === null) throw new Error('a reached trial needs the step and time at which it met the target');
    return { ...counts, status, timeToTargetSec: hit.timeToTargetSec, targetStep: hit.targetStep, targetResolution: hit.targetResolution };
  }
  if (status === 'budget_exhausted') return { ...counts, ...NO_HIT, status };
  return { ...counts, ...NO_HIT, status, ...(error === undefined ? {} : { error }) };
}
