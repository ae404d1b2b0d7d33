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
 * least-squares prediction interval of that fit, widened for the distance extrapolated,
 * from the larger of: the running best's residual spread, the eval noise (the residual
 * spread of the evals' own log gaps about their own line over the same window: a noisy
 * metric can cross the target on one lucky eval), and a floor; the probability is the
 * normal's mass below the target's gap. A running best never gets worse, so the prediction never exceeds the
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
 * The smallest residual spreads the calibration chooses from, in natural-log units of
 * the gap (0.01 is a factor of 1.01, 0.1 one of 1.1): a handful of points on a
 * near-perfect line would otherwise claim a certainty that a schedule's late decay does
 * not allow. Which one suits a corpus is calibrated with the threshold (replay.ts), out
 * of sample.
 */
export const SIGMA_FLOORS: readonly number[] = [0.01, 0.03, 0.1];

/** A least-squares line y = intercept + slope·x, with its residual standard deviation (n − 2 degrees of freedom). */
export interface LineFit {
  readonly n: number;
  readonly meanX: number;
  readonly sxx: number;
  readonly slope: number;
  readonly intercept: number;
  readonly residualSd: number;
}

/** The least-squares line through `points` (at least 3, with a spread of x); undefined otherwise. */
export function fitLine(points: ReadonlyArray<{ readonly x: number; readonly y: number }>): LineFit | undefined {
  const n = points.length;
  if (n < 3) return undefined;
  const meanX = points.reduce((s, c) => s + c.x, 0) / n;
  const meanY = points.reduce((s, c) => s + c.y, 0) / n;
  const sxx = points.reduce((s, c) => s + (c.x - meanX) ** 2, 0);
  if (!(sxx > 0)) return undefined;
  const slope = points.reduce((s, c) => s + (c.x - meanX) * (c.y - meanY), 0) / sxx;
  const intercept = meanY - slope * meanX;
  const residual = points.reduce((s, c) => s + (c.y - intercept - slope * c.x) ** 2, 0);
  return { n, meanX, sxx, slope, intercept, residualSd: Math.sqrt(residual / (n - 2)) };
}

/** The distance of a value from the metric's ideal; undefined where the ideal is passed or the value is not a number. */
export function gapToIdeal(value: number, direction: 'max' | 'min'): number | undefined {
  const gap = direction === 'max' ? 1 - value : value;
  return Number.isFinite(gap) && gap > 0 ? gap : undefined;
}

/**
 * P(the trial meets its target by the end of its budget), from its evals so far in
 * time order; 1 once an eval met the target; undefined when the curve cannot be
 * modelled (fewer than MIN_FIT_POINTS usable evals, a target at or past the ideal,
 * no spread of times): the saver then never stops the trial. `sigmaFloor`: the
 * smallest spread assumed (one of SIGMA_FLOORS, calibrated).
 */
export function reachProbability(points: readonly CurvePoint[], goal: CurveGoal, sigmaFloor: number): number | undefined {
  const meets = (v: number) => (goal.direction === 'max' ? v >= goal.target : v <= goal.target);
  if (points.some((p) => meets(p.value))) return 1;
  const targetGap = gapToIdeal(goal.target, goal.direction);
  if (targetGap === undefined) return undefined;
  // Running best, as (log time, log gap), with each eval's own log gap (raw); evals at time 0 or off the metric's range are skipped.
  const curve: Array<{ x: number; y: number; raw: number; t: number }> = [];
  let best = Infinity;
  for (const p of points) {
    const gap = gapToIdeal(p.value, goal.direction);
    if (gap === undefined || !(p.timeSec > 0)) continue;
    best = Math.min(best, gap);
    curve.push({ x: Math.log(p.timeSec), y: Math.log(best), raw: Math.log(gap), t: p.timeSec });
  }
  if (curve.length < MIN_FIT_POINTS) return undefined;
  const last = curve[curve.length - 1]!;
  const recent = curve.filter((c) => c.t >= last.t / 2);
  const window = recent.length >= MIN_FIT_POINTS ? recent : curve.slice(-MIN_FIT_POINTS);
  const fit = fitLine(window);
  const noise = fitLine(window.map((c) => ({ x: c.x, y: c.raw })));
  if (fit === undefined || noise === undefined) return undefined;
  const sigma = Math.max(sigmaFloor, fit.residualSd, noise.residualSd);
  const x0 = Math.log(goal.budgetSec);
  const predicted = Math.min(last.y, fit.intercept + fit.slope * x0);
  const spread = sigma * Math.sqrt(1 + 1 / fit.n + (x0 - fit.meanX) ** 2 / fit.sxx);
  return normalCdf((Math.log(targetGap) - predicted) / spread);
}
