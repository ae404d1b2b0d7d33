/**
 * What a submission is handed cannot change what the runner records. docs/architecture.md §2:
 * "Read-only views are frozen objects". A submission that tries to write to them
 * either fails (frozen: the write throws, which the submission here swallows) or
 * writes to a copy; either way the trial's own records must not change.
 */
import { describe, expect, it } from 'vitest';
import type { EvalResult, Hparams } from '../../harness/spec.ts';
import { runLinearTrial } from '../fixtures/run_linear.ts';

const budget = { maxRuntimeSec: 10, evalPeriodSec: 4 };
const attempt = (fn: () => void) => {
  try {
    fn();
  } catch {
    // frozen: fine
  }
};

describe('runner isolation of the submission', () => {
  it('hands the submission a frozen view of the workload', async () => {
    const { scripted } = await runLinearTrial({
      workload: { budget },
      submission: {
        onUpdate: (ctx) => {
          expect(Object.isFrozen(ctx.workload)).toBe(true);
          expect(Object.isFrozen(ctx.workload.budget)).toBe(true);
          expect(ctx.workload.paramShapes).toEqual({ w: [4, 1], b: [1] });
          expect(ctx.workload.paramTypes).toEqual({ w: 'weight', b: 'bias' });
        },
      },
    });
    expect(scripted!.updates.length).toBe(10);
  });

  // BUG (harness/runner/trial.ts): `evals: p.evals` hands the submission the runner's
  // own array, and the result's `evals` is `p.evals.length`; a submission that pushes
  // into ctx.evals inflates the trial's eval count (4 instead of 3 here) and every
  // later ctx.evals.
  it('keeps the eval count when a submission pushes into ctx.evals', async () => {
    const { result, evals } = await runLinearTrial({
      workload: { budget },
      submission: {
        onUpdate: (ctx) => {
          if (ctx.step === 5) {
            attempt(() => (ctx.evals as EvalResult[]).push({ step: 99, submissionTimeSec: 0, validation: { score: 1 } }));
          }
        },
      },
    });
    expect(evals.length).toBe(3);
    expect(result.evals).toBe(3);
  });

  // BUG (harness/runner/trial.ts, evaluate): the validation Metrics object pushed into
  // p.evals (shown to the submission as ctx.evals[i].validation) is the very object of
  // the EvalRecord handed to the observer, and neither is frozen: a submission that
  // writes to ctx.evals[0].validation changes the record the observer holds.
  it('keeps the observer\'s eval records when a submission writes to ctx.evals', async () => {
    const { evals } = await runLinearTrial({
      workload: { budget, validation: () => 0.25 },
      submission: {
        onUpdate: (ctx) => {
          const first = ctx.evals[0];
          if (first !== undefined) attempt(() => ((first.validation as Record<string, number>)['score'] = 42));
        },
      },
    });
    expect(evals.map((e) => e.validation['score'])).toEqual([0.25, 0.25, 0.25]);
  });

  // BUG (harness/runner/trial.ts): `hparams` is handed to getBatchSize, init, update
  // and selectData as the caller's own object, unfrozen; a submission's write lands in
  // the TrialSpec the caller (harness/benchmark/execute.ts keeps `planned.hparams` in its
  // results) still holds.
  it('keeps the caller\'s hparams when a submission writes to ctx.hparams', async () => {
    const hparams: Hparams = { lr: 0.1 };
    await runLinearTrial({
      workload: { budget },
      hparams,
      submission: { onUpdate: (ctx) => attempt(() => ((ctx.hparams as Record<string, number>)['lr'] = 5)) },
    });
    expect(hparams).toEqual({ lr: 0.1 });
  });
});
