/**
 * verify-targets reruns a workload's reference configuration with fresh seeds and
 * counts the seeds that reach the target within the budget: the linear test workload
 * scripts when the metric meets the target, a fake clock times the steps.
 */
import { describe, expect, it } from 'vitest';
import { verifyTargets } from '../../harness/targets/verify_targets.ts';
import type { Workload } from '../../harness/spec.ts';
import { FakeClock } from '../fixtures/fake_clock.ts';
import { linearWorkload } from '../fixtures/linear_workload.ts';
import { scriptedSubmission } from '../fixtures/scripted_submission.ts';

const reference = { submission: 'scripted', hparams: { lr: 0.05 } };

function setup(scriptFor: (seedIndex: number) => (evalIndex: number) => number) {
  const clock = new FakeClock();
  let trial = -1;
  // A fresh workload per trial would lose the seed index; count trials through load().
  const base = linearWorkload({ clock, budget: { maxRuntimeSec: 8, evalPeriodSec: 2 } });
  const workload: Workload = {
    ...base,
    load: async () => {
      trial += 1;
      await base.load();
    },
    evaluate: (params, split) => {
      const metrics = base.evaluate(params, split);
      return { ...metrics, score: scriptFor(trial)(evalCount[split]!++) };
    },
  };
  const evalCount: Record<string, number> = { validation: 0, test: 0, train: 0 };
  const seenHparams: unknown[] = [];
  const submission = scriptedSubmission({ clock, onUpdate: (ctx) => seenHparams.push(ctx.hparams) });
  return {
    clock,
    workload,
    seenHparams,
    resetEvals: () => Object.keys(evalCount).forEach((k) => (evalCount[k] = 0)),
    options: {
      workloads: [workload],
      baseSeed: 0,
      targetsOf: () => ({ validation: 0.9, test: 0.8 }),
      referenceOf: () => reference,
      loadSubmission: async (name: string) => ({ name, modulePath: '', submission }),
      clock,
      wallClock: () => clock.now(),
    },
  };
}

describe('verifyTargets', () => {
  it('counts the seeds that reach the target and reports their median time-to-target', async () => {
    // Seeds 0, 1 and 3 meet the target at their 2nd eval; seed 2 never does.
    const s = setup((seed) => (i) => (seed === 2 ? 0.5 : i >= 1 ? 0.95 : 0.5));
    const seen: number[] = [];
    const [summary] = await verifyTargets({
      ...s.options,
      seeds: 4,
      onTrial: (t, i, total) => {
        seen.push(i);
        expect(total).toBe(4);
        s.resetEvals();
      },
    });
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(summary!.seeds).toBe(4);
    expect(summary!.reached).toBe(3);
    expect(summary!.trials.map((t) => t.status)).toEqual(['reached', 'reached', 'budget_exhausted', 'reached']);
    // Evals every 2 s of submission time at 1 fake second per step: the 2nd eval is at 4 s.
    expect(summary!.medianTimeToTargetSec).toBe(4);
    expect(summary!.budgetSec).toBe(8);
    expect(new Set(summary!.trials.map((t) => t.seed)).size).toBe(4);
    expect(summary!.trials[2]!.wallSec).toBeGreaterThanOrEqual(8);
  });

  it('runs the reference hyperparameters from the targets file', async () => {
    const s = setup(() => () => 0.95);
    await verifyTargets({ ...s.options, seeds: 1 });
    expect(s.seenHparams.length).toBeGreaterThan(0);
    expect(s.seenHparams[0]).toEqual(reference.hparams);
  });

  it('refuses a workload without a reference configuration, naming the fix', async () => {
    const s = setup(() => () => 0.95);
    await expect(verifyTargets({ ...s.options, seeds: 1, referenceOf: () => undefined })).rejects.toThrow(/no reference configuration.*"reference"/);
  });
});
