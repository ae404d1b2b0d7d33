/**
 * set-targets' rules on scripted reruns (the linear test workload reports a metric per
 * eval that each rerun scripts; a fake clock times 1 s per step): the validation
 * target is the median of the reruns' best (relaxed by --slack), the test target the
 * worst test metric where reruns first met it, the budget a multiple of their median
 * time-to-target; --reference skips tuning and keeps the step hint.
 */
import { describe, expect, it } from 'vitest';
import { roundTarget, roundUp2, setTargets } from '../../harness/targets/set_targets.ts';
import type { BackendInfo } from '../../harness/backends/select.ts';
import type { Hardware } from '../../harness/fingerprint.ts';
import type { Workload } from '../../harness/spec.ts';
import { FakeClock } from '../fixtures/fake_clock.ts';
import { linearWorkload } from '../fixtures/linear_workload.ts';
import { scriptedSubmission } from '../fixtures/scripted_submission.ts';

const env = {
  backend: { name: 'cpu', package: 'test', version: '0' } as BackendInfo,
  hardware: { fingerprint: 'test-hardware' } as unknown as Hardware,
};

/**
 * Rerun r reports 0.5, 0.6, 0.7 and then its best from the 4th eval on. Target
 * setting evals every budget×factor/40 = 0.25 s, i.e. after every 1 s step: the 4th
 * eval is at 4 s.
 */
function scripted(bests: readonly number[]) {
  const clock = new FakeClock();
  const base = linearWorkload({ clock, budget: { maxRuntimeSec: 10, evalPeriodSec: 2, stepHint: 77 } });
  let trial = -1;
  const count = { validation: 0, test: 0 };
  const workload: Workload = {
    ...base,
    load: async () => {
      trial += 1;
      count.validation = 0;
      count.test = 0;
      await base.load();
    },
    evaluate: (params, split) => {
      const metrics = base.evaluate(params, split);
      if (split === 'train') return metrics;
      const i = count[split]++;
      const best = bests[trial]!;
      const value = i < 3 ? 0.5 + 0.1 * i : best;
      return { ...metrics, score: split === 'test' ? value - 0.01 : value };
    },
  };
  const submission = { name: 'scripted', modulePath: '', submission: scriptedSubmission({ clock }) };
  return { clock, workload, submission };
}

describe('setTargets', () => {
  it('reruns the reference configuration with the median-of-best rule, relaxed by the slack', async () => {
    const s = scripted([0.9, 0.98, 0.94, 0.96, 0.92]);
    const lines: string[] = [];
    const setting = await setTargets(
      {
        workload: s.workload, submissions: [], trials: 8, reruns: 5, seed: 0, tuneBudgetFactor: 1,
        reference: { submission: s.submission, hparams: { lr: 0.05 } }, slack: 0.02, minBudgetSec: 1, clock: s.clock,
        onTrial: (line) => lines.push(line),
      },
      env,
    );
    expect(lines.filter((l) => l.startsWith('tune'))).toHaveLength(0);
    expect(lines.filter((l) => l.startsWith('rerun'))).toHaveLength(5);
    expect(setting.validation).toBeCloseTo(0.92, 10); // median 0.94 − 0.02
    // Four reruns meet 0.92 at their 4th eval (4 s); the worst test metric there: 0.92 − 0.01.
    expect(setting.test).toBeCloseTo(0.91, 10);
    // Budget 3 × 4 s; evals every budget/20 (they take no time here).
    expect(setting.budget).toEqual({ maxRuntimeSec: 12, stepHint: 77, evalPeriodSec: 0.6 });
    expect(setting.reference).toEqual({ submission: 'scripted', hparams: { lr: 0.05 } });
    expect(setting.provenance['hardware']).toBe('test-hardware');
  });

  it('without slack, the target is the median of the reruns\' best (AlgoPerf\'s rule)', async () => {
    const s = scripted([0.9, 0.98, 0.94, 0.96, 0.92]);
    const setting = await setTargets(
      { workload: s.workload, submissions: [], trials: 1, reruns: 5, seed: 0, tuneBudgetFactor: 1, reference: { submission: s.submission, hparams: {} }, clock: s.clock },
      env,
    );
    expect(setting.validation).toBeCloseTo(0.94, 10);
    expect(setting.test).toBeCloseTo(0.93, 10);
  });

  it('never derives a budget under the floor', async () => {
    const s = scripted([0.9, 0.98, 0.94, 0.96, 0.92]);
    const setting = await setTargets(
      { workload: s.workload, submissions: [], trials: 1, reruns: 5, seed: 0, tuneBudgetFactor: 1, reference: { submission: s.submission, hparams: {} }, minBudgetSec: 30, clock: s.clock },
      env,
    );
    expect(setting.budget.maxRuntimeSec).toBe(30);
    expect(setting.budget.evalPeriodSec).toBe(1.5);
  });
});

describe('set-targets rounding', () => {
  it('rounds targets to 4 significant digits towards the easier side', () => {
    expect(roundTarget(0.98889290326, 'max')).toBe(0.9888);
    expect(roundTarget(0.008158352851, 'min')).toBe(0.008159);
    expect(roundTarget(3.41234, 'min')).toBe(3.413);
    expect(roundTarget(0.94 - 0.02, 'max')).toBe(0.92);
  });

  it('rounds budgets and eval periods up to 2 significant digits', () => {
    expect(roundUp2(6.9)).toBe(6.9);
    expect(roundUp2(43.2)).toBe(44);
    expect(roundUp2(0.2134)).toBe(0.22);
    expect(roundUp2(120)).toBe(120);
  });
});
