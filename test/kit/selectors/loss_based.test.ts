/** lossBasedSelection: the highest-loss batch of each step's candidate pool. */
import { describe, expect, it } from 'vitest';
import { lossBasedSelection } from '../../../submissions/kit/selectors/loss_based.ts';
import { distinct, selectContext } from './_context.ts';

describe('lossBasedSelection', () => {
  it('keeps the batch with the highest losses of a pool of poolFactor × batch, hardest first', () => {
    const selector = lossBasedSelection({ poolFactor: 3 });
    for (let step = 0; step < 12; step++) {
      let pool: Int32Array = new Int32Array(0);
      // The loss of example i is i: the hardest are the largest indices.
      const batch = selector(selectContext({ seed: 2, step, trainSize: 50, batchSize: 4, onLoss: (p) => (pool = p) }));
      expect(pool.length).toBe(12);
      expect(distinct(pool).size).toBe(12);
      const want = Array.from(pool).sort((a, b) => b - a).slice(0, 4);
      expect(Array.from(batch), `step ${step}`).toEqual(want);
    }
  });

  it('walks pools through reshuffled epochs, so every example is a candidate once an epoch', () => {
    const selector = lossBasedSelection(); // pools of 4 × 3 = 12; 4 pools an epoch of 50
    const pools: number[] = [];
    for (let step = 0; step < 4; step++) {
      selector(selectContext({ seed: 8, step, trainSize: 50, batchSize: 3, onLoss: (p) => pools.push(...p) }));
    }
    expect(distinct(pools).size).toBe(48);
  });

  it('caps the pool at the training set', () => {
    let pool: Int32Array = new Int32Array(0);
    const batch = lossBasedSelection({ poolFactor: 8 })(
      selectContext({ seed: 1, step: 0, trainSize: 10, batchSize: 3, onLoss: (p) => (pool = p) }),
    );
    expect(pool.length).toBe(10);
    expect(Array.from(batch)).toEqual([9, 8, 7]);
  });

  it('ranks a NaN loss as the highest', () => {
    const batch = lossBasedSelection({ poolFactor: 1 })(
      selectContext({ seed: 1, step: 0, trainSize: 6, batchSize: 6, loss: (i) => (i === 2 ? Number.NaN : i) }),
    );
    expect(Array.from(batch)).toEqual([2, 5, 4, 3, 1, 0]);
  });

  it('rejects a pool smaller than the batch', () => {
    expect(() => lossBasedSelection({ poolFactor: 0.5 })).toThrow(RangeError);
  });
});
