/**
 * Timing rule: evals happen every evalPeriodSec of submission time, and at the end.
 */
import { describe, expect, it } from 'vitest';
import { runLinearTrial } from '../fixtures/run_linear.ts';

describe('runner eval schedule', () => {
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

  it('counts the period from the previous eval when steps do not divide it', async () => {
    // 1.5 s steps, 4 s period: the first eval at 4.5 s (step 3), the next one once
    // 4 s more have passed: 9 s (step 6), 13.5 s (step 9); the budget ends at 15 s.
    const { evals, result } = await runLinearTrial({
      workload: { budget: { maxRuntimeSec: 15, evalPeriodSec: 4 } },
      submission: { stepSec: 1.5 },
    });
    expect(evals.map((e) => [e.step, e.submissionTimeSec])).toEqual([
      [3, 4.5],
      [6, 9],
      [9, 13.5],
      [10, 15],
    ]);
    expect(result.steps).toBe(10);
  });

  it('runs a single eval per step even when one step spans several periods', async () => {
    const { evals } = await runLinearTrial({
      workload: { budget: { maxRuntimeSec: 25, evalPeriodSec: 2 } },
      submission: { stepSec: 5 },
    });
    expect(evals.map((e) => e.step)).toEqual([1, 2, 3, 4, 5]);
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
