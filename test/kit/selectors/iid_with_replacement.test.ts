/** iidWithReplacement: each index drawn uniformly from ctx.rng. */
import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed } from '../../../harness/core/rng.ts';
import { iidWithReplacement } from '../../../submissions/kit/selectors/iid_with_replacement.ts';
import { distinct, selectContext } from './_context.ts';

describe('iidWithReplacement', () => {
  it('draws each index with ctx.rng.int(trainSize)', () => {
    const rng = createRng(deriveSeed(9, 'select', 4));
    const want = Int32Array.from({ length: 16 }, () => rng.int(50));
    expect(iidWithReplacement()(selectContext({ seed: 9, step: 4, trainSize: 50, batchSize: 16 }))).toEqual(want);
  });

  it('can repeat an example within a batch', () => {
    const selector = iidWithReplacement();
    const batches = Array.from({ length: 20 }, (_, step) => selector(selectContext({ seed: 1, step, trainSize: 10, batchSize: 10 })));
    expect(batches.some((b) => distinct(b).size < b.length)).toBe(true);
  });

  it('is close to uniform over many steps', () => {
    const selector = iidWithReplacement();
    const counts = new Array<number>(10).fill(0);
    for (let step = 0; step < 400; step++) {
      for (const i of selector(selectContext({ seed: 3, step, trainSize: 10, batchSize: 5 }))) counts[i]! += 1;
    }
    // 2000 draws, 200 expected per example; the standard deviation is about 13.
    for (const c of counts) expect(Math.abs(c - 200)).toBeLessThan(60);
  });
});
