/**
 * The kit selectors plugged into a real trial (the linear fixture workload, fake
 * clock): the harness calls them with its context and trains on what they return,
 * losses from the workload included.
 */
import { describe, expect, it } from 'vitest';
import { curriculum } from '../../../submissions/kit/selectors/curriculum.ts';
import { iidWithReplacement } from '../../../submissions/kit/selectors/iid_with_replacement.ts';
import { lossBasedSelection } from '../../../submissions/kit/selectors/loss_based.ts';
import { rs2 } from '../../../submissions/kit/selectors/rs2.ts';
import { shuffleEachEpoch } from '../../../submissions/kit/selectors/shuffle_each_epoch.ts';
import type { DataSelector } from '../../../submissions/kit/selectors/types.ts';
import { runLinearTrial } from '../../fixtures/run_linear.ts';
import { scriptedSubmission } from '../../fixtures/scripted_submission.ts';

/** The indices each update trained on, with `selectData` (or the default order without). */
async function trainedIndices(selectData: DataSelector | undefined, seed = 3): Promise<{ status: string; batches: number[][] }> {
  const batches: number[][] = [];
  const { result } = await runLinearTrial({
    seed,
    // 256 training examples in batches of 24: epochs do not divide evenly.
    workload: { budget: { maxRuntimeSec: 30, stepHint: 30, evalPeriodSec: 10 } },
    makeSubmission: (clock) => {
      const inner = scriptedSubmission({ clock, batchSize: 24, onUpdate: (ctx) => batches.push(Array.from(ctx.batch.indices)) });
      return selectData === undefined ? inner : { ...inner, selectData };
    },
  });
  return { status: result.status, batches };
}

describe('kit selectors in a trial', () => {
  it('shuffleEachEpoch trains on exactly the default order', async () => {
    const withDefault = await trainedIndices(undefined);
    const withKit = await trainedIndices(shuffleEachEpoch());
    expect(withKit.status).toBe('budget_exhausted');
    expect(withKit.batches.length).toBe(30);
    expect(withKit.batches).toEqual(withDefault.batches);
  });

  it.each([
    ['iidWithReplacement', () => iidWithReplacement()],
    ['rs2', () => rs2({ fraction: 0.25 })],
    ['lossBasedSelection', () => lossBasedSelection({ poolFactor: 2 })],
    ['curriculum', () => curriculum({ pacing: 'root', totalSteps: 20 })],
  ])('%s runs the trial to its budget, reproducibly', async (_name, make) => {
    const a = await trainedIndices(make());
    const b = await trainedIndices(make());
    expect(a.status).toBe('budget_exhausted');
    expect(a.batches.length).toBe(30);
    for (const batch of a.batches) expect(batch.length).toBe(24);
    expect(b.batches).toEqual(a.batches);
  });
});
