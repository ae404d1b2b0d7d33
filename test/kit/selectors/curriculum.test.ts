/** curriculum: the easiest examples of the pool first, the allowed share growing to all. */
import { describe, expect, it } from 'vitest';
import { curriculum, curriculumCompetence } from '../../../submissions/kit/selectors/curriculum.ts';
import { distinct, selectContext } from './_context.ts';

/** Runs one step with loss = index; returns the batch and the rank in the pool of each pick. */
function step(selector: ReturnType<typeof curriculum>, s: number, trainSize: number, batchSize: number) {
  let pool: Int32Array = new Int32Array(0);
  const batch = selector(selectContext({ seed: 6, step: s, trainSize, batchSize, onLoss: (p) => (pool = p) }));
  const byLoss = Array.from(pool).sort((a, b) => a - b);
  return { batch, pool, ranks: Array.from(batch, (i) => byLoss.indexOf(i)) };
}

describe('curriculumCompetence', () => {
  it('grows from startFraction to 1 at totalSteps, linearly or as a square root', () => {
    const linear = curriculumCompetence('linear', 0.3, 10);
    const root = curriculumCompetence('root', 0.3, 10);
    const cases: Array<[number, number, number]> = [
      // [step, linear, root = √(0.09 + 0.91·step/10)]
      [0, 0.3, 0.3],
      [5, 0.65, Math.sqrt(0.545)],
      [10, 1, 1],
      [25, 1, 1],
    ];
    for (const [s, lin, rt] of cases) {
      expect(Math.abs(linear(s) - lin)).toBeLessThanOrEqual(1e-12);
      expect(Math.abs(root(s) - rt)).toBeLessThanOrEqual(1e-12);
    }
    expect(curriculumCompetence('linear', 0.3, 0)(0)).toBe(1);
  });
});

describe('curriculum', () => {
  it('takes exactly the lowest-loss batch of the pool when only a batch is allowed', () => {
    // startFraction 0.25 of a pool of 4 × 5 = 20 allows the 5 easiest.
    const selector = curriculum({ pacing: 'linear', startFraction: 0.25, totalSteps: 100 });
    const { batch, pool } = step(selector, 0, 200, 5);
    expect(Array.from(batch).sort((a, b) => a - b)).toEqual(Array.from(pool).sort((a, b) => a - b).slice(0, 5));
  });

  it.each(['linear', 'root'] as const)('draws from the ⌈c·pool⌉ easiest and widens to the whole pool (%s)', (pacing) => {
    const totalSteps = 10;
    const selector = curriculum({ pacing, startFraction: 0.3, totalSteps });
    const competence = curriculumCompetence(pacing, 0.3, totalSteps);
    let lateMax = 0;
    for (let s = 0; s <= totalSteps + 10; s++) {
      const { batch, pool, ranks } = step(selector, s, 500, 8);
      expect(pool.length).toBe(32);
      expect(distinct(batch).size).toBe(8);
      const allowed = Math.max(8, Math.ceil(competence(s) * 32 - 1e-9));
      for (const r of ranks) expect(r, `step ${s}`).toBeLessThan(allowed);
      if (s >= totalSteps) lateMax = Math.max(lateMax, ...ranks);
    }
    // Step 0 allows the ⌈0.3·32⌉ = 10 easiest; by the end, the hardest quarter too.
    expect(Math.max(...step(selector, 0, 500, 8).ranks)).toBeLessThan(10);
    expect(lateMax).toBeGreaterThanOrEqual(24);
  });

  it('rejects a startFraction outside (0, 1] and a pool smaller than the batch', () => {
    expect(() => curriculum({ pacing: 'linear', startFraction: 0, totalSteps: 10 })).toThrow(RangeError);
    expect(() => curriculum({ pacing: 'root', poolFactor: 0.9, totalSteps: 10 })).toThrow(RangeError);
  });
});
