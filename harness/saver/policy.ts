/**
 * When the budget saver stops a trial: once at least `minFraction` of the budget is
 * spent, at an eval where the model's probability of reaching the target is below
 * `threshold`. The same rule serves live runs (runner/isolated/run_isolated.ts) and the
 * replay over stored curves (replay.ts), so the replay's figures are the live rule's.
 */
import { type CurveGoal, type CurvePoint, reachProbability } from './model.ts';

export interface SaverSettings {
  /** Stop when P(reach) falls below this. */
  readonly threshold: number;
  /** Never stop before this share of the budget is spent. */
  readonly minFraction: number;
  /** The model's smallest residual spread, in log units of the gap (model.ts, SIGMA_FLOORS). */
  readonly sigmaFloor: number;
}

/**
 * The threshold and spread floor calibrated together on the whole shipped corpus
 * (`algobench saver-replay`: the most compute saved with at most 2 % wrong stops, in
 * sample); docs/budget_saver.md gives the out-of-sample figures of the procedure that
 * chose them.
 */
export const DEFAULT_SAVER_THRESHOLD = 0.05;
export const DEFAULT_SIGMA_FLOOR = 0.01;

/** No stop in the first fifth of the budget: early curves say little about late ones. */
export const DEFAULT_MIN_FRACTION = 0.2;

export const DEFAULT_SAVER_SETTINGS: SaverSettings = { threshold: DEFAULT_SAVER_THRESHOLD, minFraction: DEFAULT_MIN_FRACTION, sigmaFloor: DEFAULT_SIGMA_FLOOR };

export interface SaverDecision {
  readonly stop: boolean;
  /** The model's P(reach) at this eval; null when it could not tell (too few evals). */
  readonly probability: number | null;
}

/** Whether to stop a trial whose evals so far are `points` (time order). */
export function saverDecision(points: readonly CurvePoint[], goal: CurveGoal, settings: SaverSettings): SaverDecision {
  const last = points[points.length - 1];
  if (last === undefined || last.timeSec < settings.minFraction * goal.budgetSec) return { stop: false, probability: null };
  const probability = reachProbability(points, goal, settings.sigmaFloor);
  if (probability === undefined) return { stop: false, probability: null };
  return { stop: probability < settings.threshold, probability };
}

/** Why settings cannot be used, in words; undefined when they can. */
export function saverSettingsProblem(s: SaverSettings): string | undefined {
  if (!(s.threshold > 0 && s.threshold < 1)) return `the budget saver's probability threshold must be in (0, 1), got ${s.threshold}`;
  if (!(s.minFraction >= 0 && s.minFraction < 1)) return `the budget saver's minimum budget fraction must be in [0, 1), got ${s.minFraction}`;
  if (!(s.sigmaFloor > 0 && Number.isFinite(s.sigmaFloor))) return `the budget saver's spread floor must be a positive number, got ${s.sigmaFloor}`;
  return undefined;
}
