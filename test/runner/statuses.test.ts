/**
 * Failure statuses: diverged (NaN/Inf loss, parameters or eval metric) and error (the
 * submission threw, or gave an unusable batch size; the message is kept). A failed
 * trial resolves with its status; it never throws out of runTrial.
 */
import { describe, expect, it } from 'vitest';
import { runLinearTrial } from '../fixtures/run_linear.ts';

const budget = { maxRuntimeSec: 10, evalPeriodSec: 4 };

describe('runner status diverged', () => {
  it('is diverged at the step that wrote NaN parameters, not at the next loss or eval', async () => {
    // Step 2 (0-based) writes NaN parameters; step 3 would compute a NaN loss from
    // them. The check after every step names step 2 and the parameter.
    const { result, evals } = await runLinearTrial({
      workload: { budget: { maxRuntimeSec: 10, evalPeriodSec: 100 } },
      submission: { nanAt: 2 },
    });
    expect(result.status).toBe('diverged');
    expect(result.steps).toBe(3);
    expect(result.error).toMatch(/parameter "(w|b)" became non-finite at step 2$/);
    expect(result.timeToTargetSec).toBeNull();
    expect(evals).toEqual([]);
  });

  it('is diverged before an eval would see non-finite params', async () => {
    // Step 3 (the 4th step) writes NaN just before the eval after 4 steps: no eval runs.
    const { result, evals } = await runLinearTrial({ workload: { budget }, submission: { nanAt: 3 } });
    expect(result.status).toBe('diverged');
    expect(result.steps).toBe(4);
    expect(evals).toEqual([]);
    expect(result.error).toMatch(/non-finite at step 3/);
  });

  it('is diverged when the validation metric is not finite', async () => {
    const { result } = await runLinearTrial({
      workload: { budget, validation: (i) => (i === 1 ? Number.NaN : 0) },
    });
    expect(result.status).toBe('diverged');
    expect(result.steps).toBe(8);
    expect(result.error).toMatch(/score/);
  });

  it('does not credit a target at the eval that found NaN', async () => {
    const { result } = await runLinearTrial({
      workload: { budget, validation: () => 1, test: () => 1 },
      submission: { nanAt: 3 },
      targets: { validation: 0.5, test: 0.5 },
    });
    expect(result.status).toBe('diverged');
    expect(result.timeToTargetSec).toBeNull();
  });
});

describe('a failed trial carries no time-to-target', () => {
  it('drops a validation target met before the trial diverged (the test target was still ahead)', async () => {
    // The eval after 4 steps meets the validation target but not the test target, so
    // the trial trains on; step 6 writes NaN. The trial is scored as diverged, and a
    // diverged result has no time-to-target or target step (core/trial_result.ts).
    const { result, evals } = await runLinearTrial({
      workload: { budget, validation: () => 1, test: () => 0 },
      submission: { nanAt: 6 },
      targets: { validation: 0.5, test: 0.5 },
    });
    expect(evals.length).toBeGreaterThan(0);
    expect(result.status).toBe('diverged');
    expect(result.timeToTargetSec).toBeNull();
    expect(result.targetStep).toBeNull();
    expect(result.targetResolution).toBeNull();
  });
});

describe('runner status error', () => {
  it('is error when update throws, with the message kept and the completed steps counted', async () => {
    const { result, scripted } = await runLinearTrial({
      workload: { budget },
      submission: { throwAt: { step: 2, error: new Error('boom at step 2') } },
    });
    expect(result.status).toBe('error');
    expect(result.error).toBe('boom at step 2');
    expect(result.steps).toBe(2);
    expect(result.submissionTimeSec).toBe(2);
    expect(scripted!.updates.map((u) => u.step)).toEqual([0, 1, 2]);
  });

  it('keeps the message of a thrown non-Error', async () => {
    const { result } = await runLinearTrial({ submission: { throwAt: { step: 0, error: 'plain string' } } });
    expect(result.status).toBe('error');
    expect(result.error).toBe('plain string');
    expect(result.steps).toBe(0);
  });

  it('is error when init throws, before any step', async () => {
    const { result, scripted } = await runLinearTrial({
      submission: { initError: new Error('bad init'), initTensorsBeforeError: true },
    });
    expect(result.status).toBe('error');
    expect(result.error).toBe('bad init');
    expect(result.steps).toBe(0);
    expect(result.evals).toBe(0);
    expect(scripted!.updates).toEqual([]);
  });

  it.each([
    ['0', 0],
    ['a non-integer', 2.5],
    ['a negative number', -4],
    ['NaN', Number.NaN],
    ['more than the training set', 257],
  ])('is error when getBatchSize returns %s', async (_label, batchSize) => {
    const { result, scripted } = await runLinearTrial({ submission: { batchSize } });
    expect(result.status).toBe('error');
    expect(result.error).toMatch(/getBatchSize returned/);
    expect(result.error).toContain(String(batchSize));
    expect(result.steps).toBe(0);
    expect(scripted!.updates).toEqual([]);
  });

  it('accepts a batch of the whole training set', async () => {
    const { result } = await runLinearTrial({ submission: { batchSize: 256 } });
    expect(result.status).toBe('budget_exhausted');
  });

  it('resolves rather than rejects, so that a failed trial never stops the next one', async () => {
    const failed = runLinearTrial({ submission: { throwAt: { step: 1, error: new Error('x') } } });
    await expect(failed).resolves.toMatchObject({ result: { status: 'error' } });
    const next = await runLinearTrial({ workload: { budget } });
    expect(next.result.status).toBe('budget_exhausted');
    expect(next.result.steps).toBe(10);
  });
});
