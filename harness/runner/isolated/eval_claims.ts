/**
 * What a trial's process says about its evals, held to what the run saw. The process
 * runs the submission's code, which can wrap `process.send` and rewrite any message:
 * the metrics of an eval are the run's own (run_isolated.ts matches every eval record
 * to an evaluation it computed), but the step and the submission time of each record,
 * and so the time-to-target, are the process's word. Two things bound that word:
 *
 * - **The grid.** The run knows the eval schedule and, for each evaluation it computed,
 *   whether the metrics met the target; from that alone (never from the steps claimed)
 *   it knows which request was a check and which a probe: probes are asked for only
 *   right after the first check that met the target, until one meets it. Checks come at
 *   rising steps, each a point of the schedule but the last (the eval at the end of the
 *   budget); probes at grid points between the check before and that check; no step
 *   twice, and the submission time never falls as the step grows. Every evaluation the
 *   run computed comes back as a record: one never reported was a query of the
 *   validation and test sets off the clock, not an eval of the trial.
 * - **The run's clock.** At each request the run reads its own clock: the wall time the
 *   trial has trained so far, its evaluations excluded. A record claims at most the wall
 *   since the process said it starts training, and at least MIN_EVAL_SHARE of the wall
 *   since its first step at its own request (a check) or at the check before the hit (a
 *   probe, whose parameters date from between the two). A time scaled down by more than
 *   1/MIN_EVAL_SHARE is caught; one scaled by less is bounded by it. (The process's word
 *   cannot be made exact while the runner's clock lives in the submission's process:
 *   that bound is the price.)
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

/** What the run saw of one evaluation request, when it arrived. */
export interface EvalRequest {
  /** Seconds since the process said it starts training, the run's evaluations excluded: no claim may exceed it. */
  readonly sinceTraining: number;
  /** Seconds since the trial's first step (its first message), the same excluded: the lower bound's wall. */
  readonly sinceFirstStep: number;
  /** Whether the validation metric the run computed met the target. */
  readonly met: boolean;
}

const forged = (what: string) => `${what} (a forged message); its trial is void`;

/**
 * Why the process's eval records cannot be true, if they cannot. Which request was a check
 * and which a probe is decided by the run's own view, never by the steps claimed: the
 * process asks for checks as the trial goes; only right after the first check whose
 * metrics met the target does it ask for probes, the grid points kept since the check
 * before, from the earliest, until one meets the target. A check is bounded by the wall at
 * its own request, a probe by the wall at that check before (its parameters date from
 * between the two checks).
 * @param claims every accepted record, in arrival order
 * @param requests every evaluation request, in arrival order
 * @param unreported evaluations the run computed that no record reported
 * @param complete whether the trial ended on its own with a result that rests on its evals
 *   (reached, budget_exhausted): every evaluation must then have come back as a record
 */
export function implausibleEvals(
  claims: readonly EvalClaim[],
  requests: readonly EvalRequest[],
  schedule: EvalSchedule,
  unreported: number,
  complete: boolean,
): string | undefined {
  if (complete && unreported > 0) {
    return `the trial's process had the run evaluate ${unreported} set${unreported === 1 ? '' : 's'} of parameters that it never reported as an eval (a query of the validation and test sets off the clock); its trial is void`;
  }
  const answer = new Map(claims.map((c) => [c.request, c]));
  for (const c of claims) {
    if (!Number.isInteger(c.step) || c.step < 0) return forged(`the trial reported an eval at step ${c.step}`);
    const r = requests[c.request];
    if (r !== undefined && c.submissionTimeSec > r.sinceTraining + UPPER_SLACK_SEC) {
      return forged(`the trial reported ${c.submissionTimeSec.toFixed(3)} s of submission time at step ${c.step}, more than the ${r.sinceTraining.toFixed(3)} s it had trained on the run's clock`);
    }
  }
  // The requests in order, each a check or a probe by the run's view (see above).
  const checks: Array<{ claim: EvalClaim; request: EvalRequest }> = [];
  let probing: { from: number; to: number; bound: number; last: number } | undefined;
  let hit = false;
  for (let i = 0; i < requests.length; i++) {
    const request = requests[i]!;
    const claim = answer.get(i);
    if (claim === undefined) continue; // cut off mid-eval (the trial did not end on its own)
    if (probing !== undefined && claim.step < probing.to) {
      if (claim.step <= Math.max(probing.from, probing.last) || schedule.pointAfter(claim.step) === 'none') {
        return forged(`the trial reported an eval at step ${claim.step} between its checks at steps ${probing.from} and ${probing.to}, which is not a grid point kept since the first`);
      }
      probing.last = claim.step;
      if (claim.submissionTimeSec < MIN_EVAL_SHARE * probing.bound && probing.bound >= MIN_BOUNDED_WALL_SEC) return underShare(claim, probing.bound);
      if (request.met) probing = undefined; // the process stops at the first probe that meets the target
      continue;
    }
    probing = undefined;
    const previous = checks.at(-1);
    if (previous !== undefined && claim.step <= previous.claim.step) {
      return forged(`the trial reported an eval at step ${claim.step} after one at step ${previous.claim.step}`);
    }
    if (request.sinceFirstStep >= MIN_BOUNDED_WALL_SEC && claim.submissionTimeSec < MIN_EVAL_SHARE * request.sinceFirstStep) return underShare(claim, request.sinceFirstStep);
    checks.push({ claim, request });
    if (!hit && request.met) {
      hit = true;
      probing = { from: previous?.claim.step ?? 0, to: claim.step, bound: previous?.request.sinceFirstStep ?? 0, last: -1 };
    }
  }
  // Every check but the last (the eval at the end of the budget may fall anywhere) is a
  // point of the schedule. (A grid point, not only a check point: records are matched to
  // requests by their metrics, and where a model did not move between a probe and its
  // check the metrics are the same and the first match may be the other's request. The
  // bounds do not depend on the steps claimed, only on the requests.)
  for (const { claim } of checks.slice(0, -1)) {
    if (schedule.pointAfter(claim.step) === 'none') return forged(`the trial reported an eval at step ${claim.step}, which is not a point of its eval schedule`);
  }
  const byStep = [...claims].sort((a, b) => a.step - b.step);
  for (let i = 1; i < byStep.length; i++) {
    if (byStep[i]!.step === byStep[i - 1]!.step) return forged(`the trial reported two evals at step ${byStep[i]!.step}`);
    if (byStep[i]!.submissionTimeSec < byStep[i - 1]!.submissionTimeSec) {
      return forged(`the trial reported ${byStep[i]!.submissionTimeSec} s at step ${byStep[i]!.step}, less than the ${byStep[i - 1]!.submissionTimeSec} s it reported at step ${byStep[i - 1]!.step}`);
    }
  }
  return undefined;
}

function underShare(claim: EvalClaim, wall: number): string {
  return (
    `the trial reported ${claim.submissionTimeSec.toFixed(3)} s of submission time at step ${claim.step}, under ${MIN_EVAL_SHARE * 100} % of the ` +
    `${wall.toFixed(3)} s it had trained on the run's clock by then: its clock or messages were tampered with; its trial is void`
  );
}
