/**
 * implausibleEvals (runner/isolated/eval_claims.ts): a trial process's eval records held
 * to the run's eval schedule and clock. Each case is the evaluation requests as the run
 * saw them (its wall time at each, whether the metrics it computed met the target) and
 * the records that answered them, as an honest process sends them or as a forger
 * rewrites them; the expected verdicts follow from the rule in the module's comment,
 * worked out here by hand.
 */
import { describe, expect, it } from 'vitest';
import type { EvalSchedule } from '../../harness/runner/eval_schedule.ts';
import { implausibleEvals, MIN_EVAL_SHARE, type EvalClaim, type EvalRequest } from '../../harness/runner/isolated/eval_claims.ts';

/** Checks every 10 steps, probes at the even steps between. */
const GRID: EvalSchedule = { pointAfter: (s) => (s % 10 === 0 ? 'check' : s % 2 === 0 ? 'probe' : 'none'), describe: 'test grid' };

/** A request at `wall` seconds since the first step (0.5 s more since the process said it trains: its init). */
const req = (wall: number, met = false): EvalRequest => ({ sinceFirstStep: wall, sinceTraining: wall + 0.5, met });

/**
 * An honest run: checks at steps 10, 20, 30 asked for at 1, 2, 3 s of wall; the check at
 * 30 met the target, so the probes kept at 22 and 24 were asked for next (3.1, 3.2 s),
 * and 24 met it. The process claims 0.8 of the wall: 0.8, 1.6, 2.4 s at the checks, and
 * 1.76, 1.92 s at the probes (0.8 × 2.2 s and 0.8 × 2.4 s, as they date from then).
 */
const REQUESTS = [req(1), req(2), req(3, true), req(3.1), req(3.2, true)];
const HONEST: EvalClaim[] = [
  { step: 10, submissionTimeSec: 0.8, request: 0 },
  { step: 20, submissionTimeSec: 1.6, request: 1 },
  { step: 22, submissionTimeSec: 1.76, request: 3 },
  { step: 24, submissionTimeSec: 1.92, request: 4 },
  { step: 30, submissionTimeSec: 2.4, request: 2 },
];
const withTimes = (times: Record<number, number>) => HONEST.map((c) => ({ ...c, submissionTimeSec: times[c.step] ?? c.submissionTimeSec }));

describe('implausibleEvals', () => {
  it('passes an honest run, probes asked for after the check beyond them included', () => {
    expect(implausibleEvals(HONEST, REQUESTS, GRID, 0, true)).toBeUndefined();
    expect(MIN_EVAL_SHARE).toBe(0.4);
  });

  it('voids records scaled down beyond the share, and lets through what the bound allows', () => {
    // ÷4: the first bounded record, the check at 10, claims 0.2 s < 0.4 × 1 s.
    const quarter = HONEST.map((c) => ({ ...c, submissionTimeSec: c.submissionTimeSec / 4 }));
    expect(implausibleEvals(quarter, REQUESTS, GRID, 0, true)).toMatch(/0\.200 s of submission time at step 10, under 40 % of the 1\.000 s it had trained on the run's clock/);
    // ÷1.9: 0.42 of the wall at every check, over the bound: a forgery of up to 2× passes.
    const less = HONEST.map((c) => ({ ...c, submissionTimeSec: c.submissionTimeSec / 1.9 }));
    expect(implausibleEvals(less, REQUESTS, GRID, 0, true)).toBeUndefined();
  });

  it('bounds a probe by the check before the hit, not by the later wall of its own request', () => {
    // The probe at 22, asked for at 3.1 s: its bound is 0.4 × 2 s (the check at 20) = 0.8 s.
    expect(implausibleEvals(withTimes({ 10: 0.5, 20: 0.8, 22: 0.85 }), REQUESTS, GRID, 0, true)).toBeUndefined();
    // Under it: 0.79 s (the times still rising from the check at 10).
    expect(implausibleEvals(withTimes({ 10: 0.4, 20: 0.8, 22: 0.79 }).map((c) => (c.step === 20 ? { ...c, submissionTimeSec: 0.85 } : c)), REQUESTS, GRID, 0, true)).toMatch(
      /0\.790 s of submission time at step 22, under 40 % of the 2\.000 s/,
    );
  });

  it("decides checks and probes by the run's view, not by the steps claimed: a first record at a huge step does not make the rest probes", () => {
    // The reviewer's bypass: request 0 claims step 10⁶; later records claim small steps and tiny times.
    const requests = Array.from({ length: 30 }, (_, i) => req(i + 1));
    const claims = requests.map((_, i) => (i === 0 ? { step: 1e6, submissionTimeSec: 0.8, request: 0 } : { step: 10 * i, submissionTimeSec: 0.02 * i, request: i }));
    expect(implausibleEvals(claims, requests, GRID, 0, true)).toMatch(/an eval at step 10 after one at step 1000000/);
  });

  it('voids a probe that is not a grid point kept since the check before the hit', () => {
    expect(implausibleEvals(HONEST.map((c) => (c.step === 22 ? { ...c, step: 23 } : c)), REQUESTS, GRID, 0, true)).toMatch(/eval at step 23 between its checks at steps 20 and 30/);
    expect(implausibleEvals(HONEST.map((c) => (c.step === 22 ? { ...c, step: 20 } : c)), REQUESTS, GRID, 0, true)).toMatch(/eval at step 20 between its checks at steps 20 and 30/);
  });

  it('voids a check off the grid, but for the last (the eval at the end of the budget), a step twice, and a time that falls', () => {
    const r2 = [req(1), req(2)];
    expect(implausibleEvals([{ step: 13, submissionTimeSec: 0.8, request: 0 }, { step: 20, submissionTimeSec: 1.6, request: 1 }], r2, GRID, 0, true)).toMatch(/step 13, which is not a point of its eval schedule/);
    expect(implausibleEvals([{ step: 10, submissionTimeSec: 0.8, request: 0 }, { step: 17, submissionTimeSec: 1.6, request: 1 }], r2, GRID, 0, true)).toBeUndefined();
    // Under 1 s of wall (no share bound), a time that falls with the step.
    expect(implausibleEvals([{ step: 10, submissionTimeSec: 0.5, request: 0 }, { step: 20, submissionTimeSec: 0.4, request: 1 }], [req(0.5), req(0.9)], GRID, 0, true)).toMatch(
      /0\.4 s at step 20, less than the 0\.5 s it reported at step 10/,
    );
    expect(implausibleEvals(withTimes({}).map((c) => (c.step === 24 ? { ...c, step: 22 } : c)), REQUESTS, GRID, 0, true)).toMatch(/between its checks/);
  });

  it('passes a round whose probes and check have the same metrics (a model that did not move), records matched to the first equal request', () => {
    // The run matches each record to the first computed evaluation with its metrics: with
    // all of a round equal, the probe at 22 answers the check's request (3 s), the probe
    // at 24 the request of 22 (3.1 s), and the check at 30 the request of 24 (3.2 s).
    const claims = [
      { step: 10, submissionTimeSec: 0.8, request: 0 },
      { step: 20, submissionTimeSec: 1.6, request: 1 },
      { step: 22, submissionTimeSec: 1.76, request: 2 },
      { step: 24, submissionTimeSec: 1.92, request: 3 },
      { step: 30, submissionTimeSec: 2.4, request: 4 },
    ];
    expect(implausibleEvals(claims, [req(1), req(2), req(3, true), req(3.1, true), req(3.2, true)], GRID, 0, true)).toBeUndefined();
  });

  it('takes no lower bound under 1 s of wall', () => {
    expect(implausibleEvals([{ step: 10, submissionTimeSec: 0.01, request: 0 }], [req(0.9)], GRID, 0, true)).toBeUndefined();
  });

  it("caps a claim at the wall since the process said it trains (its first step included), with 50 ms of slack", () => {
    // 1.2 s claimed at a request 1 s after the first step, 1.5 s after training began: honest (step 1 took 0.2 s).
    expect(implausibleEvals([{ step: 10, submissionTimeSec: 1.2, request: 0 }], [req(1)], GRID, 0, true)).toBeUndefined();
    expect(implausibleEvals([{ step: 10, submissionTimeSec: 1.56, request: 0 }], [req(1)], GRID, 0, true)).toMatch(/1\.560 s of submission time at step 10, more than the 1\.500 s it had trained/);
  });

  it('voids a complete trial whose process had parameters evaluated that it never reported, and not one cut off or failed', () => {
    expect(implausibleEvals(HONEST, [...REQUESTS, req(3.3)], GRID, 1, true)).toMatch(/had the run evaluate 1 set of parameters that it never reported as an eval/);
    expect(implausibleEvals(HONEST, [...REQUESTS, req(3.3)], GRID, 1, false)).toBeUndefined();
  });
});
