/**
 * Timing rule: evals follow a schedule of step counts (never the clock), and one more
 * runs at the end of the budget. The default schedule is a geometric grid whose
 * points between checks are probes, evaluated only when the next check meets the
 * target, so time-to-target is resolved to the grid.
 */
import { describe, expect, it } from 'vitest';
import { type EvalPoint, type EvalSchedule, geometricEvalSchedule } from '../../harness/runner/eval_schedule.ts';
import { runLinearTrial } from '../fixtures/run_linear.ts';

/** A schedule spelled out step by step. */
const explicit = (points: Record<number, EvalPoint>): EvalSchedule => ({ pointAfter: (s) => points[s] ?? 'none', describe: 'test' });

describe('geometric eval grid', () => {
  it('spaces points max(minGap, floor(ratio * step)) apart and checks every checkEvery-th', () => {
    // Worked by hand: gaps of 2 up to 30 (floor(0.1 * s) < 2 below 20, = 2 up to 29),
    // then 3 (30, 33, 36, 39), 4 (42, 46), 5 (50, 55), 6 (60, 66).
    const schedule = geometricEvalSchedule(1000, { ratio: 0.1, minGap: 2, checkEvery: 3 });
    const points = Array.from({ length: 72 }, (_, i) => [i + 1, schedule.pointAfter(i + 1)] as const).filter(([, p]) => p !== 'none');
    expect(points.map(([s]) => s)).toEqual([
      2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 33, 36, 39, 42, 46, 50, 55, 60, 66, 72,
    ]);
    expect(points.filter(([, p]) => p === 'check').map(([s]) => s)).toEqual([6, 12, 18, 24, 30, 39, 50, 66]);
  });

  it('answers the same for a step asked twice or out of order', () => {
    const schedule = geometricEvalSchedule(1000, { ratio: 0.1, minGap: 2, checkEvery: 3 });
    expect(schedule.pointAfter(66)).toBe('check');
    expect(schedule.pointAfter(6)).toBe('check');
    expect(schedule.pointAfter(7)).toBe('none');
    expect(schedule.pointAfter(66)).toBe('check');
  });

  it('by default keeps consecutive points within 2 % of the step once past stepHint/8', () => {
    const schedule = geometricEvalSchedule(2500);
    const points = Array.from({ length: 20_000 }, (_, i) => i + 1).filter((s) => schedule.pointAfter(s) !== 'none');
    for (let i = 1; i < points.length; i++) {
      if (points[i - 1]! >= 2500 / 8) expect((points[i]! - points[i - 1]!) / points[i]!).toBeLessThanOrEqual(0.02);
    }
    // …and costs about a fifth of the grid in evals: under 80 checks up to 3× the hint.
    const checks = points.filter((s) => s <= 7500 && schedule.pointAfter(s) === 'check');
    expect(checks.length).toBeLessThan(80);
  });
});

describe('runner eval schedule', () => {
  it('evaluates probes only when the next check meets the target, from the earliest, and times the target at the first that meets it', async () => {
    // Probes after steps 1, 2, 4, 5; checks after 3 and 6. The n-th validation eval
    // (0-based) scores: check@3 -> 0, check@6 -> 1 (met), then the walk: probe@4 -> 0,
    // probe@5 -> 1 (met: the target step). Probes 1 and 2 are never evaluated.
    const scores = [0, 1, 0, 1];
    const { result, evals, workload } = await runLinearTrial({
      workload: { budget: { maxRuntimeSec: 20 }, validation: (i) => scores[i] ?? 1, test: () => 1 },
      submission: { stepSec: 1, prepareForEval: { sec: 0 } },
      evalSchedule: explicit({ 1: 'probe', 2: 'probe', 3: 'check', 4: 'probe', 5: 'probe', 6: 'check' }),
      targets: { validation: 0.5, test: 0.5 },
    });
    expect(workload.evalCalls.filter((c) => c.split === 'validation').length).toBe(4);
    // Recorded in step order, each with the submission time of its own step.
    expect(evals.map((e) => [e.step, e.submissionTimeSec])).toEqual([[3, 3], [4, 4], [5, 5], [6, 6]]);
    expect(result.status).toBe('reached');
    expect(result.timeToTargetSec).toBe(5);
    expect(result.targetStep).toBe(5);
    // Known to within the gap from the previous grid point (probe@4): 1 s of 5 s.
    expect(result.targetResolution).toBeCloseTo(0.2, 12);
    expect(result.evals).toBe(4);
  });

  it('evaluates a probe with the parameters of its own step', async () => {
    const { workload } = await runLinearTrial({
      workload: { budget: { maxRuntimeSec: 4 }, validation: (i) => (i === 0 ? 0 : 1), test: () => 1 },
      submission: { stepSec: 1, lr: 0.1 },
      evalSchedule: explicit({ 1: 'probe', 2: 'check' }),
      targets: { validation: 0.5, test: 0.5 },
    });
    const [atCheck, atProbe] = workload.evalCalls.filter((c) => c.split === 'validation');
    expect(atProbe!.params).not.toEqual(atCheck!.params);
  });

  it('takes the check itself when no probe before it meets the target', async () => {
    const { result } = await runLinearTrial({
      workload: { budget: { maxRuntimeSec: 20 }, validation: (i) => (i === 1 ? 1 : 0), test: () => 1 },
      submission: { stepSec: 1 },
      evalSchedule: explicit({ 2: 'check', 3: 'probe', 4: 'check' }),
      targets: { validation: 0.5, test: 0.5 },
    });
    // Evals: check@2 -> 0, check@4 -> 1, probe@3 -> 0 (index 2): target at the check.
    expect(result.timeToTargetSec).toBe(4);
    expect(result.targetStep).toBe(4);
    expect(result.targetResolution).toBeCloseTo(0.25, 12);
  });

  it('evaluates every eval period and once more at the end of the budget', async () => {
    const { result, evals, workload } = await runLinearTrial({
      workload: { evalSec: 1, budget: { maxRuntimeSec: 10, evalPeriodSec: 4 } },
      submission: { stepSec: 1 },
    });
    expect(evals.map((e) => e.step)).toEqual([4, 8, 10]);
    expect(evals.map((e) => e.submissionTimeSec)).toEqual([4, 8, 10]);
    expect(result.evals).toBe(3);
    // Each eval measures validation then test, once each.
    expect(workload.evalCalls.map((c) => `${c.split}${c.index}`)).toEqual([
      'validation0', 'test0', 'validation1', 'test1', 'validation2', 'test2',
    ]);
  });

  it('does not evaluate twice when the end of the budget falls on an eval period', async () => {
    const { evals } = await runLinearTrial({
      workload: { budget: { maxRuntimeSec: 12, evalPeriodSec: 4 } },
      submission: { stepSec: 1 },
    });
    expect(evals.map((e) => e.step)).toEqual([4, 8, 12]);
  });

  it('reports each eval to the observer with the step count and the submission time', async () => {
    const { evals, steps } = await runLinearTrial({
      workload: { budget: { maxRuntimeSec: 6, evalPeriodSec: 2 } },
      submission: { stepSec: 1 },
    });
    expect(steps.map((s) => [s.step, s.submissionTimeSec, s.budgetSec])).toEqual([
      [1, 1, 6], [2, 2, 6], [3, 3, 6], [4, 4, 6], [5, 5, 6], [6, 6, 6],
    ]);
    expect(evals.map((e) => e.step)).toEqual([2, 4, 6]);
    for (const e of evals) {
      expect(Number.isFinite(e.trainLoss)).toBe(true);
      expect(e.validation).toHaveProperty('score');
      expect(e.test).toHaveProperty('score');
    }
  });

  it('scales the budget by budgetScale', async () => {
    const { result, evals } = await runLinearTrial({
      workload: { budget: { maxRuntimeSec: 10, evalPeriodSec: 4 } },
      submission: { stepSec: 1 },
      budgetScale: 1.5,
    });
    expect(result.steps).toBe(15);
    expect(evals.map((e) => e.step)).toEqual([4, 8, 12, 15]);
  });
});
