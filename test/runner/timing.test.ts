/**
 * Timing rule: evals are off the clock, update and batch assembly are on it.
 * The fake clock moves only when the submission (per update), the workload's
 * getBatch (per batch) or its evaluate (per call) advance it.
 */
import { describe, expect, it } from 'vitest';
import type { FakeClock } from '../fixtures/fake_clock.ts';
import { runLinearTrial } from '../fixtures/run_linear.ts';
import { scriptedSubmission } from '../fixtures/scripted_submission.ts';

describe('runner timing: eval time is excluded from submission time', () => {
  it('counts exactly the update time as submission time and the eval time as eval time', async () => {
    // budget 10 s, eval period 4 s, 1 s per update, each evaluate call takes 3 s
    // (validation + test = 6 s per eval): evals at 4, 8, 10 s.
    const { result, evals, clock } = await runLinearTrial({
      workload: { evalSec: 3 },
      submission: { stepSec: 1 },
    });
    expect(result.steps).toBe(10);
    expect(result.evals).toBe(3);
    expect(result.submissionTimeSec).toBe(clock.total('update'));
    expect(result.submissionTimeSec).toBe(10);
    expect(result.evalTimeSec).toBe(clock.total('eval'));
    expect(result.evalTimeSec).toBe(18);
    expect(evals.map((e) => e.evalTimeSec)).toEqual([6, 6, 6]);
    expect(evals.map((e) => e.submissionTimeSec)).toEqual([4, 8, 10]);
  });

  it('gives the same submission time whatever the evals cost', async () => {
    const cheap = await runLinearTrial({ workload: { evalSec: 0 }, submission: { stepSec: 0.5 } });
    const dear = await runLinearTrial({ workload: { evalSec: 100 }, submission: { stepSec: 0.5 } });
    expect(dear.result.submissionTimeSec).toBe(cheap.result.submissionTimeSec);
    expect(dear.result.steps).toBe(cheap.result.steps);
    expect(dear.evals.map((e) => [e.step, e.submissionTimeSec])).toEqual(cheap.evals.map((e) => [e.step, e.submissionTimeSec]));
    expect(cheap.result.evalTimeSec).toBe(0);
    expect(dear.result.evalTimeSec).toBe(200 * dear.result.evals);
  });

  it('sums uneven step times exactly', async () => {
    // 0.25, 0.5, 0.75, 1, 0.25, ... : dyadic, so every partial sum is exact.
    const stepSec = (step: number) => 0.25 * ((step % 4) + 1);
    const { result, clock, scripted } = await runLinearTrial({
      workload: { evalSec: 1.5, budget: { maxRuntimeSec: 20, evalPeriodSec: 3 } },
      submission: { stepSec },
    });
    expect(result.submissionTimeSec).toBe(clock.total('update'));
    expect(result.evalTimeSec).toBe(clock.total('eval'));
    const expected = scripted!.updates.reduce((s, u) => s + stepSec(u.step), 0);
    expect(result.submissionTimeSec).toBe(expected);
    expect(result.submissionTimeSec).toBeGreaterThanOrEqual(20);
  });

  it('hands update the submission time so far, without eval time', async () => {
    const { scripted } = await runLinearTrial({ workload: { evalSec: 7 }, submission: { stepSec: 1 } });
    expect(scripted!.updates.map((u) => u.elapsedSec)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // ctx.evals shows the evals done so far: after step 4 and step 8.
    expect(scripted!.updates.map((u) => u.evals)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2]);
  });

  it('counts batch assembly as submission time', async () => {
    const { result, clock } = await runLinearTrial({
      workload: { evalSec: 2, batchSec: 0.5, budget: { maxRuntimeSec: 12, evalPeriodSec: 3 } },
      submission: { stepSec: 1 },
    });
    // 1.5 s per step: 8 steps reach 12 s.
    expect(result.steps).toBe(8);
    expect(result.submissionTimeSec).toBe(clock.total('update') + clock.total('batch'));
    expect(result.submissionTimeSec).toBe(12);
    expect(result.evalTimeSec).toBe(clock.total('eval'));
  });

  it('counts selectData as submission time', async () => {
    const { result, clock } = await runLinearTrial({
      workload: { evalSec: 2, budget: { maxRuntimeSec: 10, evalPeriodSec: 4 } },
      makeSubmission: (c: FakeClock) => ({
        ...scriptedSubmission({ clock: c, stepSec: 0.75 }),
        selectData: (ctx) => {
          c.advance(0.25, 'select');
          return Int32Array.from({ length: ctx.batchSize }, (_, i) => (ctx.step * ctx.batchSize + i) % ctx.trainSize);
        },
      }),
    });
    expect(result.steps).toBe(10);
    expect(clock.total('select')).toBe(2.5);
    expect(result.submissionTimeSec).toBe(clock.total('update') + clock.total('select'));
    expect(result.submissionTimeSec).toBe(10);
  });

  it('keeps the observer callbacks (store writes, progress display) off the clock', async () => {
    const { result, clock } = await runLinearTrial({
      workload: { evalSec: 1, budget: { maxRuntimeSec: 10, evalPeriodSec: 4 } },
      submission: { stepSec: 1 },
      observerSec: 5,
    });
    expect(clock.total('observer')).toBe(5 * (10 + 3));
    expect(result.steps).toBe(10);
    expect(result.submissionTimeSec).toBe(10);
    expect(result.evalTimeSec).toBe(6);
  });
});
