/**
 * Work a submission defers out of `update` through the event loop (a microtask, a
 * setImmediate callback) is the step's, on the clock: the runner yields to the event loop
 * at the end of each step, before it reads the clock, so such work runs inside the step's
 * window. (It ran while the runner waited between steps, off the clock: a way to do
 * half of each step for free.)
 *
 * Fake clock: each update takes 1 s itself and defers 0.5 s of work; the budget is 10 s.
 * By hand: every step costs 1.5 s on the clock, so the budget is spent after
 * ⌈10 / 1.5⌉ = 7 steps (10.5 s), and the time on the clock is the updates' plus the
 * deferred work's: 7 × 1.5 = 10.5 s. (Off the clock, it would be 10 steps and 10 s.)
 */
import { describe, expect, it } from 'vitest';
import { runLinearTrial } from '../fixtures/run_linear.ts';
import { scriptedSubmission } from '../fixtures/scripted_submission.ts';
import type { FakeClock } from '../fixtures/fake_clock.ts';

const deferring = (how: 'microtask' | 'immediate') => (clock: FakeClock) => {
  const base = scriptedSubmission({ clock, stepSec: 1 });
  return {
    ...base,
    update: (ctx: Parameters<typeof base.update>[0]) => {
      const work = () => clock.advance(0.5, 'deferred');
      if (how === 'microtask') queueMicrotask(work);
      else setImmediate(work);
      return base.update(ctx);
    },
  };
};

describe('work deferred out of update through the event loop', () => {
  for (const how of ['microtask', 'immediate'] as const) {
    it(`(${how}) is on the clock`, async () => {
      const { result, clock } = await runLinearTrial({ workload: { budget: { maxRuntimeSec: 10, evalPeriodSec: 4 } }, makeSubmission: deferring(how) });
      expect(result.steps).toBe(7);
      expect(clock.total('deferred')).toBe(3.5);
      expect(result.submissionTimeSec).toBe(10.5);
    });
  }
});
