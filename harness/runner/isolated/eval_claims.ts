/**
 * What a trial's process says about its evals, held to what the run saw. The process
 * runs the submission's code, which can wrap `process.send` and rewrite any message:
 * the metrics of an eval are the run's own (run_isolated.ts matches every eval record
 * to an evaluation it computed), but the step and the submission time of each record,
 * and so the time-to-target, are the process's word. Two things bound that word:
 *
 * - **The grid.** The run knows the eval schedule: every record is at a grid point of
 *   it or at the trial's last step (the eval at the end of the budget), no step twice,
 *   and the submission time never falls as the step grows. Every evaluation the run
 *   computed is reported as a record: an evaluation never reported was a query of the
 *   validation and test sets off the clock, not an eval of the trial.
 * - **The run's clock.** When the process asks for an evaluation, the run reads its own
 *   clock: the wall time the trial has trained so far, the run's evaluations excluded.
 *   The submission time at that point is a part of it (the rest is the runner's own
 *   work in the process: its checks, its messages, the parameters it sends), so a
 *   record can claim no more than that wall time, and no less than MIN_EVAL_SHARE of the
 *   wall time at the last evaluation asked for at or before its step (a check is asked
 *   for at its own step; a probe, kept for later, after a check beyond it: its bound is
 *   the evaluation before). A time scaled down by more than 1/MIN_EVAL_SHARE is caught;
 *   one scaled by less is bounded by it. (The process's word cannot be made exact while
 *   the runner's clock lives in the submission's process: that bound is the price.)
 */
import type { EvalSchedule } from '../eval_schedule.ts';

/**
 * The least share of the run's wall clock a record's submission time may claim (see
 * above). Honest adamw trials of the six workloads on the 2-core development machine
 * (self-tuning, 0.25× budget, a noisy host) claimed 0.68–0.90 of it at every eval past
 * 1 s (spam_bow, the shortest steps, the least; under 1 s, spam_bow 0.58): the two
 * clocks see the same machine, so a slow machine moves both, and a burst during the
 * runner's own work (sending the parameters) lowers the share by its length over the
 * whole wall. 0.4 leaves honest trials a margin of 1.7× and bounds a forged time to
 * 2.5× less than the truth.
 */
export const MIN_EVAL_SHARE = 0.4;
/**
 * The wall time under which no lower bound is taken: over a shorter span one burst of the
 * host, or the first steps' warm-up, is a large part of the wall. A time-to-target under
 * this is bounded only by the total's share (run_isolated.ts MIN_TIMED_SHARE).
 */
export const MIN_BOUNDED_WALL_SEC = 1;
/** Slack on the upper bound: the two clocks are read at slightly different moments. */
const UPPER_SLACK_SEC = 0.05;

/** One eval record as the process reported it, with the evaluation request it answers (its index, in arrival order). */
export interface EvalClaim {
  readonly step: number;
  readonly submissionTimeSec: number;
  readonly request: number;
}

/**
 * Why the process's eval records cannot be true, if they cannot.
 * @param claims every accepted record, in arrival order
 * @param wallAtRequest the run's training wall time (its evaluations excluded) when each evaluation request arrived
 * @param unreported evaluations the run computed that no record reported
 * @param ended whether the process ended the trial itself (a trial stopped by the run may be cut off mid-eval)
 */
export function implausibleEvals(
  claims: readonly EvalClaim[],
  wallAtRequest: readonly number[],
  schedule: EvalSchedule,
  unreported: number,
  ended: boolean,
): string | undefined {
  if (ended && unreported > 0) {
    return `the trial's process had the run evaluate ${unreported} set${unreported === 1 ? '' : 's'} of parameters that it never reported as an eval (a query of the validation and test sets off the clock); its trial is void`;
  }
  if (claims.length === 0) return undefined;
  const lastStep = Math.max(...claims.map((c) => c.step));
  const seen = new Set<number>();
  for (const c of claims) {
    if (!Number.isInteger(c.step) || c.step < 0 || (c.step !== lastStep && schedule.pointAfter(c.step) === 'none')) {
      return `the trial reported an eval at step ${c.step}, which is not a point of its eval schedule (a forged message); its trial is void`;
    }
    if (seen.has(c.step)) return `the trial reported two evals at step ${c.step} (a forged message); its trial is void`;
    seen.add(c.step);
  }
  const byStep = [...claims].sort((a, b) => a.step - b.step);
  for (let i = 1; i < byStep.length; i++) {
    if (byStep[i]!.submissionTimeSec < byStep[i - 1]!.submissionTimeSec) {
      return `the trial reported ${byStep[i]!.submissionTimeSec} s at step ${byStep[i]!.step}, less than the ${byStep[i - 1]!.submissionTimeSec} s it reported at step ${byStep[i - 1]!.step} (a forged message); its trial is void`;
    }
  }
  // The step each request was for, from the record that answered it.
  const stepOf = new Map(claims.map((c) => [c.request, c.step]));
  for (const c of claims) {
    const wall = wallAtRequest[c.request];
    if (wall === undefined) continue;
    if (c.submissionTimeSec > wall + UPPER_SLACK_SEC) {
      return `the trial reported ${c.submissionTimeSec.toFixed(3)} s of submission time at step ${c.step}, more than the ${wall.toFixed(3)} s it had trained on the run's clock (a forged message); its trial is void`;
    }
    // The latest request at or before this one, for a step at or before this one, that no
    // earlier request for a later step preceded (a check, not a probe asked for afterwards).
    let bound = 0;
    let furthest = -1;
    for (let i = 0; i <= c.request && i < wallAtRequest.length; i++) {
      const s = stepOf.get(i);
      if (s === undefined) continue;
      const probe = s < furthest;
      furthest = Math.max(furthest, s);
      if (!probe && s <= c.step) bound = Math.max(bound, wallAtRequest[i]!);
    }
    if (bound >= MIN_BOUNDED_WALL_SEC && c.submissionTimeSec < MIN_EVAL_SHARE * bound) {
      return (
        `the trial reported ${c.submissionTimeSec.toFixed(3)} s of submission time at step ${c.step}, under ${MIN_EVAL_SHARE * 100} % of the ` +
        `${bound.toFixed(3)} s it had trained on the run's clock by then: its clock or messages were tampered with; its trial is void`
      );
    }
  }
  return undefined;
}
