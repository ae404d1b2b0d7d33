/**
 * The checks every kit selector passes: full batches of valid indices, pure in
 * (seed, step) whatever was asked before, across epochs and with batch sizes that do
 * not divide the training set.
 */
import { describe, expect, it } from 'vitest';
import { curriculum } from '../../../submissions/kit/selectors/curriculum.ts';
import { iidWithReplacement } from '../../../submissions/kit/selectors/iid_with_replacement.ts';
import { lossBasedSelection } from '../../../submissions/kit/selectors/loss_based.ts';
import { rs2 } from '../../../submissions/kit/selectors/rs2.ts';
import { shuffleEachEpoch } from '../../../submissions/kit/selectors/shuffle_each_epoch.ts';
import type { DataSelector } from '../../../submissions/kit/selectors/types.ts';
import { selectContext } from './_context.ts';

const SELECTORS: ReadonlyArray<readonly [string, () => DataSelector]> = [
  ['shuffleEachEpoch', () => shuffleEachEpoch()],
  ['iidWithReplacement', () => iidWithReplacement()],
  ['rs2', () => rs2({ fraction: 0.3 })],
  ['rs2 with replacement', () => rs2({ fraction: 0.3, replacement: true })],
  ['lossBasedSelection', () => lossBasedSelection()],
  ['curriculum linear', () => curriculum({ pacing: 'linear', totalSteps: 20 })],
  ['curriculum root', () => curriculum({ pacing: 'root', startFraction: 0.1, totalSteps: 20 })],
];

/** [trainSize, batchSize]: dividing, not dividing, the whole set, a larger set. */
const SIZES = [[12, 4], [10, 3], [7, 7], [100, 32]] as const;

// A loss with no relation to the index order.
const loss = (i: number): number => ((i * 7919) % 101) / 101;

describe.each(SELECTORS)('%s', (_name, make) => {
  const run = (selector: DataSelector, seed: number, step: number, trainSize: number, batchSize: number) =>
    selector(selectContext({ seed, step, trainSize, batchSize, loss }));

  it.each(SIZES)('returns a full batch of valid indices over several epochs (n=%i, batch=%i)', (n, b) => {
    const selector = make();
    for (let step = 0; step < (4 * n) / b + 3; step++) {
      const batch = run(selector, 7, step, n, b);
      expect(batch).toBeInstanceOf(Int32Array);
      expect(batch.length).toBe(b);
      for (const i of batch) expect(i >= 0 && i < n, `index ${i} at step ${step}`).toBe(true);
    }
  });

  it.each(SIZES)('is a pure function of (seed, step) (n=%i, batch=%i)', (n, b) => {
    const steps = Array.from({ length: Math.ceil((3 * n) / b) + 2 }, (_, s) => s);
    const inOrder = make();
    const want = steps.map((s) => run(inOrder, 3, s, n, b));
    // A fresh instance asked in another order, with another trial in between.
    const shuffled = make();
    for (const s of [...steps].reverse()) {
      run(shuffled, 4, s, n, b);
      expect(run(shuffled, 3, s, n, b), `step ${s}`).toEqual(want[s]);
    }
  });

  // A set much larger than the pools, so that loss ranking does not pick the same top batch.
  it('depends on the seed', () => {
    const selector = make();
    const a = Array.from({ length: 4 }, (_, s) => Array.from(run(selector, 1, s, 1000, 32)));
    const b = Array.from({ length: 4 }, (_, s) => Array.from(run(selector, 2, s, 1000, 32)));
    expect(a).not.toEqual(b);
  });
});
