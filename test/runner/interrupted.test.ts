/**
 * Status interrupted: the AbortSignal stops the trial between steps.
 */
import { describe, expect, it } from 'vitest';
import { runLinearTrial } from '../fixtures/run_linear.ts';

describe('runner status interrupted', () => {
  it('stops after the step during which the signal was aborted', async () => {
    const controller = new AbortController();
    const { result, scripted, evals } = await runLinearTrial({
      workload: { budget: { maxRuntimeSec: 10, evalPeriodSec: 4 } },
      submission: { stepSec: 1, onUpdate: (ctx) => ctx.step === 2 && controller.abort() },
      signal: controller.signal,
    });
    expect(result.status).toBe('interrupted');
    expect(result.steps).toBe(3);
    expect(result.submissionTimeSec).toBe(3);
    expect(scripted!.updates.map((u) => u.step)).toEqual([0, 1, 2]);
    // No final eval for an interrupted trial (it is resumed, not scored).
    expect(evals).toEqual([]);
    expect(result.timeToTargetSec).toBeNull();
  });

  it('keeps the evals done before the interruption', async () => {
    const controller = new AbortController();
    const { result, evals } = await runLinearTrial({
      workload: { budget: { maxRuntimeSec: 20, evalPeriodSec: 4 }, validation: () => 1 },
      submission: { stepSec: 1, onUpdate: (ctx) => ctx.step === 5 && controller.abort() },
      targets: { validation: 0.5, test: Infinity },
      signal: controller.signal,
    });
    expect(result.status).toBe('interrupted');
    expect(result.steps).toBe(6);
    expect(evals.map((e) => e.step)).toEqual([4]);
    expect(result.evals).toBe(1);
    // The eval at step 4 met the validation target, but an interrupted trial is
    // resumed, not scored: like every result that is not `reached`, it carries no
    // time-to-target (core/trial_result.ts); the eval itself is kept (above).
    expect(result.timeToTargetSec).toBeNull();
    expect(result.targetStep).toBeNull();
  });

  it('runs no step when the signal is aborted before the trial starts', async () => {
    const controller = new AbortController();
    controller.abort();
    const { result, scripted } = await runLinearTrial({ signal: controller.signal });
    expect(result.status).toBe('interrupted');
    expect(result.steps).toBe(0);
    expect(scripted!.updates).toEqual([]);
  });

  it('notices an abort from outside the trial (a timer) between steps', async () => {
    const controller = new AbortController();
    let stepsWhenAborted = -1;
    const { result } = await runLinearTrial({
      workload: { budget: { maxRuntimeSec: 50, evalPeriodSec: 100 } },
      submission: {
        onUpdate: (ctx) => {
          if (ctx.step === 5) {
            setImmediate(() => {
              stepsWhenAborted = ctx.step + 1;
              controller.abort();
            });
          }
        },
      },
      signal: controller.signal,
    });
    expect(result.status).toBe('interrupted');
    // The runner yields to the event loop before each step, so the abort lands right
    // after the step that scheduled it.
    expect(stepsWhenAborted).toBe(6);
    expect(result.steps).toBeGreaterThanOrEqual(6);
    expect(result.steps).toBeLessThanOrEqual(7);
  });
});
