/**
 * The budget saver's model and rule on synthetic curves whose answer is known
 * analytically: the gap to the metric's ideal is an exact power law of time, so its
 * extrapolation to the end of the budget is known in closed form.
 * - a curve whose extrapolated gap at the budget equals the target's gap is a coin
 *   flip: P = 1/2 whatever the spread (the normal's median);
 * - a curve that plateaus far above the target is stopped at the first eval past the
 *   minimum share of the budget, never before;
 * - a curve on course to reach the target (its power law meets the target's gap at
 *   half the budget) is never stopped;
 * - the same for a metric to minimise;
 * - a flat curve whose evals alternate ±0.2 in log gap about it: the eval noise, not
 *   the (flat, exact) running best, sets the spread; P worked out independently
 *   (numpy least squares, the formula of docs/budget_saver.md).
 */
import { describe, expect, it } from 'vitest';
import { reachProbability } from '../../harness/saver/model.ts';
import { saverDecision } from '../../harness/saver/policy.ts';

const BUDGET = 10;
const FLOOR = 0.1;
const SETTINGS = { threshold: 0.05, minFraction: 0.2, sigmaFloor: FLOOR };

/** Evals every `every` seconds up to `until`, with an accuracy of 1 − gap(t). */
function accuracyCurve(gap: (t: number) => number, until: number, every = 0.5) {
  const points: Array<{ timeSec: number; value: number }> = [];
  for (let k = 1; k * every <= until + 1e-9; k++) points.push({ timeSec: k * every, value: 1 - gap(k * every) });
  return points;
}

/** The first eval at which the rule stops the curve, walking it as a live run does. */
function firstStop(points: ReadonlyArray<{ timeSec: number; value: number }>, goal: { direction: 'max' | 'min'; target: number; budgetSec: number }) {
  for (let i = 1; i <= points.length; i++) {
    if (saverDecision(points.slice(0, i), goal, SETTINGS).stop) return points[i - 1]!.timeSec;
  }
  return null;
}

describe('reachProbability', () => {
  it('is 1/2 when the power-law extrapolation meets the target exactly at the budget', () => {
    // gap(t) = 0.2 t^(-1/2): at t = 10 the gap is 0.2/√10; make that the target's gap.
    const gap = (t: number) => 0.2 / Math.sqrt(t);
    const target = 1 - gap(BUDGET);
    const p = reachProbability(accuracyCurve(gap, 4), { direction: 'max', target, budgetSec: BUDGET }, FLOOR);
    expect(p).toBeCloseTo(0.5, 6);
  });

  it('is above 1/2 when the extrapolation passes the target before the budget, below when after', () => {
    const gap = (t: number) => 0.2 / Math.sqrt(t);
    const early = reachProbability(accuracyCurve(gap, 4), { direction: 'max', target: 1 - gap(0.5 * BUDGET), budgetSec: BUDGET }, FLOOR);
    const late = reachProbability(accuracyCurve(gap, 4), { direction: 'max', target: 1 - gap(2 * BUDGET), budgetSec: BUDGET }, FLOOR);
    expect(early).toBeGreaterThan(0.5);
    expect(late).toBeLessThan(0.5);
  });

  it('is 1 once an eval met the target, and undefined with fewer than 3 evals', () => {
    const goal = { direction: 'max' as const, target: 0.9, budgetSec: BUDGET };
    expect(reachProbability([{ timeSec: 1, value: 0.5 }, { timeSec: 2, value: 0.91 }], goal, FLOOR)).toBe(1);
    expect(reachProbability([{ timeSec: 1, value: 0.5 }, { timeSec: 2, value: 0.6 }], goal, FLOOR)).toBeUndefined();
  });
});

describe('the eval noise widens the spread', () => {
  it('a flat curve whose evals alternate ±0.2 in log gap: P = 0.3941 (with the floor alone it would be ~6e-12)', () => {
    // Evals at t = 1..8 s of a 10 s budget; gap 0.1·e^(+0.2) at odd t, 0.1·e^(−0.2) at even t;
    // the target's gap 0.1·e^(−0.3). Window t ≥ 4 (5 evals). The running best is flat at
    // 0.1·e^(−0.2) (residual 0); the raw log gaps' residual sd about their own line is
    // 0.252661; spread = 0.252661·√(1 + 1/5 + (ln 10 − x̄)²/Sxx), z = −0.268531, Φ(z) = 0.394145.
    const points = [1, 2, 3, 4, 5, 6, 7, 8].map((t) => ({ timeSec: t, value: 1 - 0.1 * Math.exp(t % 2 === 1 ? 0.2 : -0.2) }));
    const p = reachProbability(points, { direction: 'max', target: 1 - 0.1 * Math.exp(-0.3), budgetSec: BUDGET }, 0.01);
    expect(p).toBeCloseTo(0.394145, 5);
  });
});

describe('the saver rule', () => {
  it('stops a curve that plateaus far above the target at the first eval past 20 % of the budget', () => {
    // Accuracy flat at 0.80 against a target of 0.95: the gap (0.2) is 4× the target's.
    const points = accuracyCurve(() => 0.2, BUDGET);
    const goal = { direction: 'max' as const, target: 0.95, budgetSec: BUDGET };
    expect(firstStop(points, goal)).toBe(2);
    // Before 20 % of the budget it never stops, and does not even ask the model.
    for (let i = 1; points[i - 1]!.timeSec < 2; i++) expect(saverDecision(points.slice(0, i), goal, SETTINGS)).toEqual({ stop: false, probability: null });
  });

  it('never stops a curve on course to reach the target at half the budget', () => {
    // gap(t) = 0.1 t^(-1/2) meets the target's gap 0.1/√5 at t = 5.
    const gap = (t: number) => 0.1 / Math.sqrt(t);
    const target = 1 - gap(5);
    expect(firstStop(accuracyCurve(gap, 4.5), { direction: 'max', target, budgetSec: BUDGET })).toBeNull();
  });

  it('works the same way for a metric to minimise (a loss flat above its target is stopped; a falling one is not)', () => {
    const goal = { direction: 'min' as const, target: 0.05, budgetSec: BUDGET };
    const flat = accuracyCurve(() => 0.6, BUDGET).map((p) => ({ timeSec: p.timeSec, value: 1 - p.value }));
    expect(firstStop(flat, goal)).toBe(2);
    const falling = accuracyCurve((t) => 0.1 / Math.sqrt(t), 4.5).map((p) => ({ timeSec: p.timeSec, value: 1 - p.value }));
    expect(firstStop(falling, { ...goal, target: 0.1 / Math.sqrt(5) })).toBeNull();
  });
});
