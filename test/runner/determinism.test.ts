/**
 * Same seed, same backend -> same steps-to-target and the same metric values: the real
 * mnist_mlp workload trained by the real adamw baseline on the wasm backend, timed by
 * a fake clock that advances 1 s per update (so the result cannot depend on the
 * machine's speed).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type EvalSchedule, everyStepsEvalSchedule, geometricEvalSchedule } from '../../harness/runner/eval_schedule.ts';
import { runTrial } from '../../harness/runner/trial.ts';
import type { TrialResult } from '../../harness/core/trial_result.ts';
import type { EvalRecord } from '../../harness/store/rows.ts';
import type { Submission, Targets, Workload } from '../../harness/spec.ts';
import adamw from '../../submissions/adamw/submission.ts';
import { FakeClock } from '../fixtures/fake_clock.ts';
import { loadMnistMlpOnWasm } from '../fixtures/mnist_mlp_on_wasm.ts';

/** The baseline, with 1 fake second added to each update. */
function timedBy(clock: FakeClock, inner: Submission): Submission {
  return { ...inner, update: (ctx) => { const out = inner.update(ctx); clock.advance(1, 'update'); return out; } };
}

const BUDGET_SEC = 30;
const PERIOD = 2;
let workload: Workload;

beforeAll(async () => {
  workload = await loadMnistMlpOnWasm();
}, 60_000);

async function trial(seed: number, targets: Targets, schedule: EvalSchedule = everyStepsEvalSchedule(PERIOD)): Promise<{ result: TrialResult; evals: EvalRecord[] }> {
  const clock = new FakeClock();
  const evals: EvalRecord[] = [];
  const result = await runTrial(
    {
      workload,
      targets,
      submission: timedBy(clock, adamw),
      hparams: { lr: 2e-3, warmup_frac: 0.005 },
      seed,
      // 30 s of budget = 30 steps of 1 fake second, whatever the workload's budget.
      budgetScale: BUDGET_SEC / workload.budget.maxRuntimeSec,
      // An eval every 2 steps, whatever the workload's own schedule.
      evalSchedule: schedule,
    },
    { clock, observer: { onEval: (r) => evals.push(r) } },
  );
  return { result, evals };
}

const summary = (evals: EvalRecord[]) =>
  evals.map((e) => ({ step: e.step, time: e.submissionTimeSec, trainLoss: e.trainLoss, validation: e.validation, test: e.test }));

describe('runner determinism (mnist_mlp + adamw, wasm)', () => {
  it('gives identical steps, metrics and time-to-target for the same seed, and different metrics for another', async () => {
    expect(tf.getBackend()).toBe('wasm');
    const period = PERIOD;
    // Unreachable test target: every trial trains its full 30 steps.
    const targets = { validation: 0.5, test: 2 };
    const a = await trial(7, targets);
    const b = await trial(7, targets);
    const c = await trial(8, targets);

    expect(a.result.status).toBe('reached');
    expect(a.result.steps).toBe(BUDGET_SEC);
    const evalSteps = Array.from({ length: Math.floor(BUDGET_SEC / period) }, (_, i) => (i + 1) * period);
    if (evalSteps.at(-1) !== BUDGET_SEC) evalSteps.push(BUDGET_SEC);
    expect(a.evals.map((e) => e.step)).toEqual(evalSteps);
    expect(a.result.timeToTargetSec).not.toBeNull();
    expect(a.result.timeToTargetSec!).toBeLessThan(BUDGET_SEC);

    expect(b.result).toEqual(a.result);
    expect(summary(b.evals)).toEqual(summary(a.evals));

    expect(c.result.steps).toBe(BUDGET_SEC);
    expect(c.evals.map((e) => e.validation)).not.toEqual(a.evals.map((e) => e.validation));
    expect(c.evals.map((e) => e.trainLoss)).not.toEqual(a.evals.map((e) => e.trainLoss));
  }, 60_000);

  it('stops at the same step when both targets are reachable', async () => {
    const targets = { validation: 0.5, test: 0.5 };
    const a = await trial(7, targets);
    const b = await trial(7, targets);
    expect(a.result.status).toBe('reached');
    expect(a.result.steps).toBeLessThan(BUDGET_SEC);
    expect(b.result).toEqual(a.result);
    expect(summary(b.evals)).toEqual(summary(a.evals));
  }, 60_000);

  it('meets the target at the same step on the geometric grid, probes included', async () => {
    // Grid of every step below 50 (minGap 1), checks every 5th: the target step is found
    // by walking back through probes, and must come out the same on every run.
    const targets = { validation: 0.5, test: 0.5 };
    const a = await trial(7, targets, geometricEvalSchedule(200));
    const b = await trial(7, targets, geometricEvalSchedule(200));
    expect(a.result.status).toBe('reached');
    expect(a.result.targetStep).not.toBeNull();
    expect(a.result.targetStep).toBe(b.result.targetStep);
    expect(a.result.timeToTargetSec).toBe(a.result.targetStep);
    expect(b.result).toEqual(a.result);
    expect(summary(b.evals)).toEqual(summary(a.evals));
  }, 60_000);
});
