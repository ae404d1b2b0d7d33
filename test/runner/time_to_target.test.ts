/**
 * Timing rule: time-to-target is the submission time at the first eval whose
 * validation metric meets the target (>= for max metrics, <= for min metrics), not the
 * moment the metric first crossed it between evals.
 */
import { describe, expect, it } from 'vitest';
import { runLinearTrial } from '../fixtures/run_linear.ts';

const seq = (values: number[], rest = values.at(-1) ?? 0) => (i: number) => values[i] ?? rest;
/** Budget 20 s, eval period 4 s, 1 s steps: evals at 4, 8, 12, 16, 20 s. */
const budget = { maxRuntimeSec: 20, evalPeriodSec: 4 };

describe('runner time-to-target', () => {
  it('is the submission time of the first eval whose validation metric is >= the target (max metric)', async () => {
    const { result, evals } = await runLinearTrial({
      workload: { budget, evalSec: 1, validation: seq([0.1, 0.49, 0.7, 0.2, 0.9]) },
      submission: { stepSec: 1 },
      targets: { validation: 0.6, test: Infinity },
    });
    expect(evals.map((e) => e.submissionTimeSec)).toEqual([4, 8, 12, 16, 20]);
    expect(result.timeToTargetSec).toBe(12);
    // A later eval that falls back below the target does not undo it.
    expect(result.status).toBe('reached');
  });

  it('counts a max metric exactly equal to the target as met', async () => {
    const { result } = await runLinearTrial({
      workload: { budget, validation: seq([0.1, 0.6, 0.7]) },
      targets: { validation: 0.6, test: Infinity },
    });
    expect(result.timeToTargetSec).toBe(8);
  });

  it('uses <= for a min metric, equality included', async () => {
    const { result } = await runLinearTrial({
      workload: {
        budget,
        metric: { name: 'error', direction: 'min' },
        validation: seq([0.9, 0.6, 0.5, 0.1]),
      },
      targets: { validation: 0.5, test: -Infinity },
    });
    expect(result.timeToTargetSec).toBe(12);
  });

  it('does not treat a low value of a max metric, or a high value of a min metric, as met', async () => {
    const max = await runLinearTrial({
      workload: { budget, validation: () => 0.1 },
      targets: { validation: 0.5, test: Infinity },
    });
    expect(max.result.timeToTargetSec).toBeNull();
    expect(max.result.status).toBe('budget_exhausted');
    const min = await runLinearTrial({
      workload: { budget, metric: { name: 'error', direction: 'min' }, validation: () => 0.9 },
      targets: { validation: 0.5, test: -Infinity },
    });
    expect(min.result.timeToTargetSec).toBeNull();
    expect(min.result.status).toBe('budget_exhausted');
  });

  it('uses the validation metric, not the test metric, for time-to-target', async () => {
    const { result } = await runLinearTrial({
      workload: { budget, validation: seq([0, 0, 0, 1]), test: () => 1 },
      targets: { validation: 0.5, test: 0.5 },
    });
    expect(result.timeToTargetSec).toBe(16);
    expect(result.testReached).toBe(true);
  });

  it('is the time of the eval after the real metric crossed the target, not the crossing', async () => {
    // The real validation MSE of SGD on the linear fixture. Run A evaluates after every
    // step, so it sees the exact step at which the MSE first drops to the target; run B
    // (same seed, so the same parameters at every step) evaluates every 4 s.
    const metric = { name: 'mse', direction: 'min' } as const;
    const everyStep = await runLinearTrial({
      workload: { metric, budget: { maxRuntimeSec: 20, evalPeriodSec: 1 } },
      submission: { stepSec: 1, lr: 0.05 },
      targets: { validation: -Infinity, test: -Infinity },
    });
    const mse = new Map(everyStep.evals.map((e) => [e.step, e.validation['mse']!]));
    expect(mse.size).toBe(20);
    // Target: the MSE after a step that is not a multiple of 4 and is a new running minimum.
    const crossing = [5, 6, 7, 9, 10, 11].find((k) => [...mse].every(([s, v]) => s >= k || v > mse.get(k)!));
    expect(crossing).toBeDefined();
    const target = mse.get(crossing!)!;
    const firstEvalMeeting = [4, 8, 12, 16, 20].find((s) => mse.get(s)! <= target);
    expect(firstEvalMeeting).toBeDefined();

    const periodic = await runLinearTrial({
      workload: { metric, budget: { maxRuntimeSec: 20, evalPeriodSec: 4 } },
      submission: { stepSec: 1, lr: 0.05 },
      targets: { validation: target, test: -Infinity },
    });
    expect(periodic.evals.map((e) => e.validation['mse'])).toEqual(
      periodic.evals.map((e) => mse.get(e.step)),
    );
    expect(everyStep.result.timeToTargetSec).toBeNull(); // target -Infinity there
    expect(periodic.result.timeToTargetSec).toBe(firstEvalMeeting ?? null);
    expect(periodic.result.timeToTargetSec).not.toBe(crossing);
    expect(periodic.result.timeToTargetSec! % 4).toBe(0);
  });

  it('is null, with status budget_exhausted, when the target is never met', async () => {
    const { result } = await runLinearTrial({
      workload: { budget, validation: () => 0.3 },
      targets: { validation: 0.5, test: 0 },
    });
    expect(result.timeToTargetSec).toBeNull();
    expect(result.status).toBe('budget_exhausted');
    expect(result.steps).toBe(20);
  });
});
