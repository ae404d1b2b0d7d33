/**
 * A trial's result is a union by status: only `reached` carries where the target was
 * met; a failure says why. The constructor enforces it whatever its caller holds.
 */
import { describe, expect, it } from 'vitest';
import { trialResult } from '../../harness/core/trial_result.ts';

const counts = { testReached: false, steps: 40, submissionTimeSec: 3.5, evalTimeSec: 0.4, evals: 5 };
const hit = { timeToTargetSec: 2.5, targetStep: 30, targetResolution: 0.02 };

describe('trialResult', () => {
  it('keeps the hit of a reached trial', () => {
    const r = trialResult('reached', { ...counts, testReached: true }, hit);
    expect(r).toEqual({ ...counts, testReached: true, status: 'reached', timeToTargetSec: 2.5, targetStep: 30, targetResolution: 0.02 });
  });

  it('refuses a reached trial without a hit', () => {
    expect(() => trialResult('reached', counts, null)).toThrow(/reached trial needs/);
  });

  it.each(['budget_exhausted', 'diverged', 'error', 'interrupted', 'timeout', 'crashed', 'killed', 'forbidden'] as const)(
    'drops a hit from a %s trial',
    (status) => {
      const r = trialResult(status, counts, hit, 'why');
      expect(r.status).toBe(status);
      expect([r.timeToTargetSec, r.targetStep, r.targetResolution]).toEqual([null, null, null]);
      expect(r.steps).toBe(40);
    },
  );

  it('keeps the error of a failure, and gives none to a budget-exhausted trial', () => {
    expect(trialResult('crashed', counts, null, 'exit code 3').error).toBe('exit code 3');
    expect(trialResult('interrupted', counts, null).error).toBeUndefined();
    expect('error' in trialResult('budget_exhausted', counts, null, 'ignored')).toBe(false);
  });
});
