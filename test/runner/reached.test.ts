/**
 * Stopping rule: a trial stops (status reached) once the validation AND the test
 * targets are met; validation alone keeps it training.
 */
import { describe, expect, it } from 'vitest';
import { runLinearTrial } from '../fixtures/run_linear.ts';

/** Budget 20 s, eval period 4 s, 1 s steps: evals at 4, 8, 12, 16, 20 s. */
const budget = { maxRuntimeSec: 20, evalPeriodSec: 4 };
const from = (first: number) => (i: number) => (i >= first ? 1 : 0);
const targets = { validation: 0.5, test: 0.5 };

describe('runner status reached', () => {
  it('stops at the first eval where validation and test targets are both met', async () => {
    const { result, evals } = await runLinearTrial({
      workload: { budget, validation: from(1), test: from(1) },
      targets,
    });
    expect(result.status).toBe('reached');
    expect(result.steps).toBe(8);
    expect(result.submissionTimeSec).toBe(8);
    expect(result.evals).toBe(2);
    expect(evals.map((e) => e.step)).toEqual([4, 8]);
    expect(result.timeToTargetSec).toBe(8);
    expect(result.testReached).toBe(true);
  });

  it('keeps training when validation is met but test is not, and stops when test is met too', async () => {
    const { result, evals } = await runLinearTrial({
      workload: { budget, validation: from(1), test: from(3) },
      targets,
    });
    expect(evals.map((e) => e.step)).toEqual([4, 8, 12, 16]);
    expect(result.steps).toBe(16);
    expect(result.status).toBe('reached');
    expect(result.timeToTargetSec).toBe(8); // validation's first eval, not the stop
    expect(result.testReached).toBe(true);
  });

  it('trains to the end of the budget when the test target is never met (still reached on validation)', async () => {
    const { result } = await runLinearTrial({
      workload: { budget, validation: from(0), test: () => 0 },
      targets,
    });
    expect(result.steps).toBe(20);
    expect(result.evals).toBe(5);
    expect(result.timeToTargetSec).toBe(4);
    expect(result.testReached).toBe(false);
    expect(result.status).toBe('reached');
  });

  it('keeps training when test is met before validation, and stops at validation', async () => {
    const { result } = await runLinearTrial({
      workload: { budget, validation: from(2), test: (i) => (i === 0 ? 1 : 0) },
      targets,
    });
    // The test target met at the first eval is remembered.
    expect(result.steps).toBe(12);
    expect(result.status).toBe('reached');
    expect(result.timeToTargetSec).toBe(12);
    expect(result.testReached).toBe(true);
  });
});
