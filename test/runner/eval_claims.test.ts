/**
 * implausibleEvals (runner/isolated/eval_claims.ts): a trial process's eval records held
 * to the run's eval schedule and clock. Each case is a sequence of evaluation requests
 * as the run saw them (its wall time at each) and the records that answered them, as an
 * honest process sends them or as a forger rewrites them; the expected verdicts follow
 * from the rule in the module's comment, worked out here by hand.
 */
import { describe, expect, it } from 'vitest';
import { everyStepsEvalSchedule } from '../../harness/runner/eval_schedule.ts';
import { implausibleEvals, MIN_EVAL_SHARE, type EvalClaim } from '../../harness/runner/isolated/eval_claims.ts';

/** Grid points every 10 steps (all checks: which kind a point is does not matter to the rule). */
const GRID = everyStepsEvalSchedule(10);

/**
 * An honest run: checks at steps 10, 20, 30 asked for at wall 1, 2, 3 s; the check at 30
 * met the target, so the probes kept at 22 and 24 were asked for afterwards (at wall 3.1
 * and 3.2 s). The process claims 0.8 of the wall: 0.8, 1.6, 2.4 s, and 1.76, 1.92 s at
 * the probes (their steps lie between the checks at 20 and 30).
 */
const WALL = [1, 2, 3, 3.1, 3.2];
const HONEST: EvalClaim[] = [
  { step: 10, submissionTimeSec: 0.8, request: 0 },
  { step: 20, submissionTimeSec: 1.6, request: 1 },
  { step: 22, submissionTimeSec: 1.76, request: 3 },
  { step: 24, submissionTimeSec: 1.92, request: 4 },
  { step: 30, submissionTimeSec: 2.4, request: 2 },
];
/** Probes at 22 and 24 are grid points here too: a schedule of every 2 steps. */
const FINE = everyStepsEvalSchedule(2);

describe('implausibleEvals', () => {
  it('passes an honest run, probes asked for after the check beyond them included', () => {
    expect(implausibleEvals(HONEST, WALL, FINE, 0, true)).toBeUndefined();
  });

  it('voids records scaled down beyond the share: every time divided by 4', () => {
    // The first bounded record: step 10, 0.8 / 4 = 0.2 s < 0.4 × 1 s of wall.
    const forged = HONEST.map((c) => ({ ...c, submissionTimeSec: c.submissionTimeSec / 4 }));
    expect(implausibleEvals(forged, WALL, FINE, 0, true)).toMatch(/0\.200 s of submission time at step 10, under 40 % of the 1\.000 s it had trained on the run's clock/);
    // Divided by 1.9 (0.42 of the wall), it passes: what the bound lets through (an honest
    // 0.8 of the wall can be claimed down to 0.4, here 2×).
    expect(implausibleEvals(HONEST.map((c) => ({ ...c, submissionTimeSec: c.submissionTimeSec / 1.9 })), WALL, FINE, 0, true)).toBeUndefined();
    expect(MIN_EVAL_SHARE).toBe(0.4);
  });

  it("bounds a probe by the check before it, not by the later wall of its own request", () => {
    // The probe at 22, asked for at 3.1 s of wall after the check at 30: its bound is
    // 0.4 × 2 s (the check at 20) = 0.8 s, not 0.4 × 3.1 = 1.24 s; claiming 0.85 s passes.
    const claims = HONEST.map((c) => ({ ...c, submissionTimeSec: ({ 10: 0.5, 20: 0.8, 22: 0.85 } as Record<number, number>)[c.step] ?? c.submissionTimeSec }));
    expect(implausibleEvals(claims, WALL, FINE, 0, true)).toBeUndefined();
  });

  it('takes no lower bound under 1 s of wall', () => {
    // 0.01 s at a request at 0.9 s of wall: nothing to bound it by.
    expect(implausibleEvals([{ step: 10, submissionTimeSec: 0.01, request: 0 }], [0.9], GRID, 0, true)).toBeUndefined();
  });

  it('voids a record claiming more than the wall (plus 50 ms of slack)', () => {
    expect(implausibleEvals([{ step: 10, submissionTimeSec: 1.06, request: 0 }], [1], GRID, 0, true)).toMatch(/more than the 1\.000 s it had trained/);
    expect(implausibleEvals([{ step: 10, submissionTimeSec: 1.04, request: 0 }], [1], GRID, 0, true)).toBeUndefined();
  });

  it('voids a step off the grid (but the last step, the eval at the end of the budget), a step twice, and a time that falls', () => {
    const off = [{ step: 15, submissionTimeSec: 0.8, request: 0 }, { step: 20, submissionTimeSec: 1.6, request: 1 }];
    expect(implausibleEvals(off, [1, 2], GRID, 0, true)).toMatch(/eval at step 15, which is not a point of its eval schedule/);
    const last = [{ step: 10, submissionTimeSec: 0.8, request: 0 }, { step: 17, submissionTimeSec: 1.6, request: 1 }];
    expect(implausibleEvals(last, [1, 2], GRID, 0, true)).toBeUndefined();
    const twice = [{ step: 10, submissionTimeSec: 0.8, request: 0 }, { step: 10, submissionTimeSec: 0.9, request: 1 }, { step: 20, submissionTimeSec: 1.6, request: 2 }];
    expect(implausibleEvals(twice, [1, 1.1, 2], GRID, 0, true)).toMatch(/two evals at step 10/);
    const falls = [{ step: 10, submissionTimeSec: 0.8, request: 0 }, { step: 20, submissionTimeSec: 0.7, request: 1 }];
    expect(implausibleEvals(falls, [1, 2], GRID, 0, true)).toMatch(/0\.7 s at step 20, less than the 0\.8 s it reported at step 10/);
  });

  it('voids a trial whose process had parameters evaluated that it never reported, once it ended on its own', () => {
    expect(implausibleEvals(HONEST, [...WALL, 3.3], FINE, 1, true)).toMatch(/had the run evaluate 1 set of parameters that it never reported as an eval/);
    // Stopped by the run (a watchdog, the budget saver), a trial may be cut off mid-eval.
    expect(implausibleEvals(HONEST, [...WALL, 3.3], FINE, 1, false)).toBeUndefined();
  });
});
