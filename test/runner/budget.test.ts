/**
 * Timing rule: the budget is checked after every step, not only at evals; a target
 * met at an eval after the budget does not count.
 */
import { describe, expect, it } from 'vitest';
import { everyStepsEvalSchedule } from '../../harness/runner/eval_schedule.ts';
import { runLinearTrial } from '../fixtures/run_linear.ts';

const budget = { maxRuntimeSec: 10, evalPeriodSec: 4 };

describe('runner budget', () => {
  it('stops mid eval interval once the budget is spent, with a final eval', async () => {
    const { result, evals } = await runLinearTrial({ workload: { budget }, submission: { stepSec: 1 } });
    expect(result.steps).toBe(10);
    expect(result.submissionTimeSec).toBe(10);
    expect(evals.map((e) => e.submissionTimeSec)).toEqual([4, 8, 10]);
    expect(result.status).toBe('budget_exhausted');
    expect(result.timeToTargetSec).toBeNull();
  });

  it('counts a target met at the final eval that lands exactly on the budget', async () => {
    const { result } = await runLinearTrial({
      workload: { budget, validation: (i) => (i === 2 ? 1 : 0) },
      submission: { stepSec: 1 },
      targets: { validation: 0.5, test: Infinity },
    });
    expect(result.timeToTargetSec).toBe(10);
    expect(result.status).toBe('reached');
  });

  it('keeps the step that overshoots the budget, evaluates after it, but gives no credit there', async () => {
    // 3 s steps against a 10 s budget: 3, 6 (eval), 9, 12 -> the fourth step ends past
    // the budget. The runner still counts it and runs the final eval at 12 s; a target
    // met only at that eval does not count.
    const { result, evals } = await runLinearTrial({
      workload: { budget, validation: (i) => (i === 1 ? 1 : 0), test: () => 1 },
      submission: { stepSec: 3 },
      evalSchedule: everyStepsEvalSchedule(2),
      targets: { validation: 0.5, test: 0.5 },
    });
    expect(result.steps).toBe(4);
    expect(result.submissionTimeSec).toBe(12);
    expect(evals.map((e) => [e.step, e.submissionTimeSec])).toEqual([
      [2, 6],
      [4, 12],
    ]);
    expect(evals[1]!.validation['score']).toBe(1); // met, but after the budget
    expect(result.status).toBe('budget_exhausted');
    expect(result.timeToTargetSec).toBeNull();
    // The test target met within budget (at 6 s) does count.
    expect(result.testReached).toBe(true);
  });

  it('does not count a test target met only after the budget', async () => {
    const { result } = await runLinearTrial({
      workload: { budget, validation: () => 1, test: (i) => (i === 1 ? 1 : 0) },
      submission: { stepSec: 3 },
      evalSchedule: everyStepsEvalSchedule(2),
      targets: { validation: 0.5, test: 0.5 },
    });
    expect(result.timeToTargetSec).toBe(6);
    expect(result.testReached).toBe(false);
    expect(result.status).toBe('reached');
  });

  it('checks the budget after every step, not only at evals', async () => {
    // Eval period longer than the budget: the only eval is the final one.
    const { result, evals } = await runLinearTrial({
      workload: { budget: { maxRuntimeSec: 7, evalPeriodSec: 100 } },
      submission: { stepSec: 1 },
    });
    expect(result.steps).toBe(7);
    expect(evals.map((e) => e.step)).toEqual([7]);
    expect(result.status).toBe('budget_exhausted');
  });
});
