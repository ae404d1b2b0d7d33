/**
 * When a trial is evaluated: after fixed step counts, never when the clock says so.
 *
 * AlgoPerf evaluates every `eval_period` seconds of submission time, so the steps
 * that get evaluated follow the machine's speed: two runs of the same seed meet the
 * target at different steps, and time-to-target is a multiple of the period (on a
 * 10 s budget with a 0.5 s period, a 10 % faster algorithm can be invisible). Here
 * the schedule is a function of the step count alone, so the same seed and
 * configuration are evaluated at the same steps and meet the target at the same step
 * on every run, and time-to-target is the submission time up to that step.
 *
 * The grid is geometric: after step s the next grid point is s + max(minGap, ⌊r·s⌋),
 * so consecutive points are at most a fraction r (2 %) of the step count apart once
 * s ≥ minGap / r, and time-to-target is resolved to about r of its value. Evaluating
 * every grid point would cost hundreds of evals per trial, so only every
 * `checkEvery`-th point is evaluated as it happens (a check); at the points between
 * (probes) the runner keeps the evaluated parameters (tfjs clones share memory, so a
 * probe costs no copy) and evaluates them only when the next check meets the target,
 * walking forward from the earliest. The evals a trial costs are therefore about
 * 1/checkEvery of the grid plus at most checkEvery − 1 once, off the clock.
 */

/** What happens after a step. */
export type EvalPoint = 'none' | 'probe' | 'check';

export interface EvalSchedule {
  /** What the runner does after `steps` steps (1 after the first step). */
  pointAfter(steps: number): EvalPoint;
  /** The steps between the previous grid point and `steps`, for reporting resolution. */
  readonly describe: string;
}

/** Relative spacing of the grid: time-to-target is resolved to about this share. */
export const EVAL_GRID_RATIO = 0.02;
/** Every this-many grid points is evaluated at once; the others only when needed. */
export const EVAL_CHECK_EVERY = 5;
/** The smallest grid gap, as a share of the step hint (the grid is uniform below stepHint/8). */
export const EVAL_MIN_GAP_SHARE = 1 / 400;

/**
 * The default schedule of a workload: geometric with ratio `EVAL_GRID_RATIO`, at least
 * `stepHint · EVAL_MIN_GAP_SHARE` steps apart, every `EVAL_CHECK_EVERY`-th point a check.
 */
export function geometricEvalSchedule(
  stepHint: number,
  options: { ratio?: number; checkEvery?: number; minGap?: number } = {},
): EvalSchedule {
  const ratio = options.ratio ?? EVAL_GRID_RATIO;
  const checkEvery = options.checkEvery ?? EVAL_CHECK_EVERY;
  const minGap = options.minGap ?? Math.max(1, Math.floor(stepHint * EVAL_MIN_GAP_SHARE));
  if (!(ratio > 0) || !Number.isInteger(checkEvery) || checkEvery < 1 || !Number.isInteger(minGap) || minGap < 1) {
    throw new Error(`invalid eval schedule (ratio ${ratio}, checkEvery ${checkEvery}, minGap ${minGap})`);
  }
  // Grid points are generated in order and remembered, so a query is a lookup.
  const points = new Map<number, EvalPoint>();
  let last = 0;
  let index = 0;
  const extendTo = (steps: number) => {
    while (last < steps) {
      last += Math.max(minGap, Math.floor(ratio * last));
      index += 1;
      points.set(last, index % checkEvery === 0 ? 'check' : 'probe');
    }
  };
  return {
    pointAfter(steps) {
      extendTo(steps);
      return points.get(steps) ?? 'none';
    },
    describe: `geometric grid: gaps of max(${minGap}, ⌊${ratio}·step⌋) steps, every ${checkEvery}th point evaluated at once`,
  };
}

/** An eval every `every` steps, all of them checks (tests, and smoke runs that want a plain curve). */
export function everyStepsEvalSchedule(every: number): EvalSchedule {
  if (!Number.isInteger(every) || every < 1) throw new Error(`eval interval must be a positive integer of steps (got ${every})`);
  return { pointAfter: (steps) => (steps % every === 0 ? 'check' : 'none'), describe: `every ${every} steps` };
}

/** No evals but the one at the end of the budget (benchmarks of the step time). */
export const noEvalSchedule: EvalSchedule = { pointAfter: () => 'none', describe: 'only at the end' };

/** A schedule as plain data, for a trial run in its own process. */
export type EvalScheduleSpec =
  | { readonly kind: 'geometric'; readonly checkEvery?: number }
  | { readonly kind: 'every'; readonly steps: number }
  | { readonly kind: 'none' };

export function scheduleFromSpec(spec: EvalScheduleSpec, stepHint: number): EvalSchedule {
  if (spec.kind === 'every') return everyStepsEvalSchedule(spec.steps);
  if (spec.kind === 'none') return noEvalSchedule;
  return geometricEvalSchedule(stepHint, spec.checkEvery === undefined ? {} : { checkEvery: spec.checkEvery });
}
