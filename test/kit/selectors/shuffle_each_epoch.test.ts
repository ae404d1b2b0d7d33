/** shuffleEachEpoch: the harness's default order, index for index. */
import { describe, expect, it } from 'vitest';
import { deriveSeed } from '../../../harness/core/rng.ts';
import { EpochShuffler } from '../../../harness/runner/default_selector.ts';
import { shuffleEachEpoch } from '../../../submissions/kit/selectors/shuffle_each_epoch.ts';
import { distinct, selectContext } from './_context.ts';

describe('shuffleEachEpoch', () => {
  it.each([
    [12, 4],
    [10, 3],
    [7, 7],
    [1000, 128],
    [13, 1],
  ])('matches EpochShuffler over several epochs (n=%i, batch=%i)', (trainSize, batchSize) => {
    const seed = deriveSeed(42, 'data');
    const shuffler = new EpochShuffler(trainSize, seed);
    const selector = shuffleEachEpoch();
    const steps = 5 * Math.floor(trainSize / batchSize) + 1;
    for (let step = 0; step < steps; step++) {
      const want = shuffler.next(batchSize);
      expect(selector(selectContext({ seed, step, trainSize, batchSize })), `step ${step}`).toEqual(want);
    }
  });

  it('repeats no example within an epoch and reshuffles between epochs', () => {
    const trainSize = 10;
    const batchSize = 3; // 3 batches an epoch, one example left out each time
    const selector = shuffleEachEpoch();
    const epoch = (e: number): number[] =>
      [0, 1, 2].flatMap((k) => Array.from(selector(selectContext({ seed: 5, step: 3 * e + k, trainSize, batchSize }))));
    for (let e = 0; e < 4; e++) expect(distinct(epoch(e)).size).toBe(9);
    expect(epoch(1)).not.toEqual(epoch(0));
  });
});
