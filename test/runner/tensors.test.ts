/**
 * Tensor lifetimes: a whole trial, however it ends, leaves the backend holding as many
 * tensors as before (the workload's cached data aside, which is loaded first).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runTrial } from '../../harness/runner/trial.ts';
import type { Submission, Workload } from '../../harness/spec.ts';
import adamw from '../../submissions/adamw/submission.ts';
import { FakeClock } from '../fixtures/fake_clock.ts';
import { loadMnistMlpOnWasm } from '../fixtures/mnist_mlp_on_wasm.ts';
import { runLinearTrial, type LinearTrialOptions } from '../fixtures/run_linear.ts';
import { scriptedSubmission } from '../fixtures/scripted_submission.ts';

const budget = { maxRuntimeSec: 10, evalPeriodSec: 4 };

async function leakedBy(options: LinearTrialOptions, expectedStatus: string): Promise<number> {
  const before = tf.memory().numTensors;
  // runLinearTrial loads the fixture's data and disposes it when the trial is over.
  const { result } = await runLinearTrial(options);
  expect(result.status).toBe(expectedStatus);
  return tf.memory().numTensors - before;
}

describe('runner tensor lifetimes (linear fixture, default backend)', () => {
  it.each<[string, LinearTrialOptions, string]>([
    ['a full trial to the budget', { workload: { budget } }, 'budget_exhausted'],
    ['a trial with momentum state', { workload: { budget }, submission: { momentum: 0.9 } }, 'budget_exhausted'],
    [
      'a trial stopped by its targets',
      { workload: { budget, validation: () => 1, test: () => 1 }, targets: { validation: 0.5, test: 0.5 } },
      'reached',
    ],
    [
      'a trial with prepareForEval',
      { workload: { budget }, submission: { prepareForEval: { sec: 0.5, params: (p) => ({ ...p, b: tf.fill([1], 1) }) } } },
      'budget_exhausted',
    ],
    ['an update that throws mid-step', { submission: { throwAt: { step: 3, error: new Error('x') } } }, 'error'],
    ['an init that throws', { submission: { initError: new Error('x'), initTensorsBeforeError: true } }, 'error'],
    ['a bad batch size', { submission: { batchSize: 0 } }, 'error'],
    ['a divergence', { workload: { budget: { maxRuntimeSec: 10, evalPeriodSec: 100 } }, submission: { nanAt: 1 } }, 'diverged'],
  ])('leaks nothing in %s', async (_label, options, status) => {
    expect(await leakedBy(options, status)).toBe(0);
  });

  it('leaks nothing when interrupted', async () => {
    const controller = new AbortController();
    const leaked = await leakedBy(
      { submission: { onUpdate: (ctx) => ctx.step === 2 && controller.abort() }, signal: controller.signal },
      'interrupted',
    );
    expect(leaked).toBe(0);
  });

  it('leaks nothing with a selectData that ranks examples by their loss', async () => {
    const leaked = await leakedBy(
      {
        workload: { budget },
        makeSubmission: (clock: FakeClock): Submission => ({
          ...scriptedSubmission({ clock }),
          selectData: (ctx) => {
            const candidates = Int32Array.from({ length: ctx.batchSize * 2 }, () => ctx.rng.int(ctx.trainSize));
            const losses = ctx.perExampleLoss(candidates);
            const order = [...candidates.keys()].sort((a, b) => losses[b]! - losses[a]!);
            return Int32Array.from(order.slice(0, ctx.batchSize), (i) => candidates[i]!);
          },
        }),
      },
      'budget_exhausted',
    );
    expect(leaked).toBe(0);
  });
});

describe('runner tensor lifetimes (mnist_mlp + adamw, wasm)', () => {
  let workload: Workload;

  beforeAll(async () => {
    workload = await loadMnistMlpOnWasm();
  }, 60_000);

  it('holds as many tensors after a full trial as before it', async () => {
    expect(tf.getBackend()).toBe('wasm');
    const before = tf.memory().numTensors;
    const clock = new FakeClock();
    const result = await runTrial(
      {
        workload,
        targets: { validation: 2, test: 2 },
        submission: { ...adamw, update: (ctx) => { const out = adamw.update(ctx); clock.advance(1); return out; } },
        hparams: { lr: 1e-3 },
        seed: 3,
        budgetScale: 10 / workload.budget.maxRuntimeSec,
      },
      { clock },
    );
    expect(result.status).toBe('budget_exhausted');
    expect(result.steps).toBe(10);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);
});
