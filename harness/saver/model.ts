/**
 * The budget saver's model: from a trial's validation curve so far, the probability
 * that it meets its target before its budget ends (docs/budget_saver.md).
 *
 * The curve is read as the gap between the best value so far and the metric's ideal
 * (1 for a metric to maximise — accuracy, AUC —, 0 for one to minimise — loss, error
 * rate, MSE, bits per character). Learning curves are close to power laws in time, so
 * the log of that gap is fitted as a straight line in log time, over the latter half
 * of the time elapsed (the recent slope, which already shows a schedule's decay), and
 * extrapolated to the end of the budget. The spread of the prediction is the ordinary
 * least-squares prediction interval of that fit (residual spread, with a floor, widened
 * for the distance extrapolated); the probability is the normal's mass below the
 * target's gap. A running best never gets worse, so the prediction never exceeds the
 * gap already reached.
 */
import { normalCdf } from '../scoring/sequential.ts';

/** One evaluation of a trial: submission seconds and the validation metric's value. */
export interface CurvePoint {
  readonly timeSec: number;
  readonly value: number;
}

/** What a curve is measured against. */
export interface CurveGoal {
  readonly direction: 'max' | 'min';
  /** The validation target. */
  readonly target: number;
  /** The trial's runtime budget, in submission seconds. */
  readonly budgetSec: number;
}

/** Fewest evals the line is fitted to: two points give no residual spread. */
export const MIN_FIT_POINTS = 3;

/**
 * Smallest residual spread assumed, in natural-log units of the gap (a factor of
 * e^0.1 ≈ 1.1): a handful of points on a near-perfect line would otherwise claim a
 * certainty that eval noise and a schedule's late decay do not allow.
 */
export const SIGMA_FLOOR = 0.1;

/** The distance of a value from the metric's ideal; undefined where the ideal is passed or the value is not a number. */
export function gapToIdeal(value: number, direction: 'max' | 'min'): number | undefined {
  const gap = direction === 'max' ? 1 - value : value;
  return Number.isFinite(gap) && gap > 0 ? gap : undefined;
}

/**
 * P(the trial meets its target by the end of its budget), from its evals so far in
 * time order; 1 once an eval met the target; undefined when the curve cannot be
 * modelled (fewer than MIN_FIT_POINTS usable evals, a target at or past the ideal,
 * no spread of times): the saver then never stops the trial.
 */
export function reachProbability(points: readonly CurvePoint[], goal: CurveGoal): number | undefined {
  const meets = (v: number) => (goal.direction === 'max' ? v >= goal.target : v <= goal.target);
  if (points.some((p) => meets(p.value))) return 1;
  const targetGap = gapToIdeal(goal.target, goal.direction);
  if (targetGap === undefined) return undefined;
  // Running best, as (log time, log gap); evals at time 0 or off the metric's range are skipped.
  const curve: Array<{ x: number; y: number; t: number }> = [];
  let best = Infinity;
  for (const p of points) {
    const gap = gapToIdeal(p.value, goal.direction);
    if (gap === undefined || !(p.timeSec > 0)) continue;
    best = Math.min(best, gap);
    curve.push({ x: Math.log(p.timeSec), y: Math.log(best), t: p.timeSec });
  }
  if (curve.length < MIN_FIT_POINTS) return undefined;
  const last = curve[curve.length - 1]!;
  const recent = curve.filter((c) => c.t >= last.t / 2);
  const fit = recent.length >= MIN_FIT_POINTS ? recent : curve.slice(-MIN_FIT_POINTS);
  const n = fit.length;
  const meanX = fit.reduce((s, c) => s + c.x, 0) / n;
  const meanY = fit.reduce((s, c) => s + c.y, 0) / n;
  const sxx = fit.reduce((s, c) => s + (c.x - meanX) ** 2, 0);
  if (!(sxx > 0)) return undefined;
  const slope = fit.reduce((s, c) => s + (c.x - meanX) * (c.y - meanY), 0) / sxx;
  const intercept = meanY - slope * meanX;
  const residual = fit.reduce((s, c) => s + (c.y - intercept - slope * c.x) ** 2, 0);
  const sigma = Math.max(SIGMA_FLOOR, Math.sqrt(residual / (n - 2)));
  const x0 = Math.log(goal.budgetSec);
  const predicted = Math.min(last.y, intercept + slope * x0);
  const spread = sigma * Math.sqrt(1 + 1 / n + (x0 - meanX) ** 2 / sxx);
  return normalCdf((Math.log(targetGap) - predicted) / spread);
}
