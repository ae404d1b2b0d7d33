/** Schedules at hand-computed steps, boundaries included (steps are 0-based). */
import { describe, expect, it } from 'vitest';
import {
  constant,
  cosineDecay,
  joinSchedules,
  linear,
  linearWarmup,
  warmupCosine,
} from '../../submissions/kit/schedules.ts';

// 0.5·(1 + cos(π/4)) = 0.5 + √2/4
const HALF_COS_QUARTER = 0.8535533905932737;

/** Checks `schedule(step)` for each [step, value] pair to 12 digits. */
function expectValues(schedule: (step: number) => number, pairs: readonly (readonly [number, number])[]): void {
  for (const [step, value] of pairs) {
    const got = schedule(step);
    expect(Math.abs(got - value), `step ${step}: got ${got}, want ${value}`).toBeLessThanOrEqual(1e-12);
  }
}

describe('constant', () => {
  it('is the same value at every step', () => {
    expectValues(constant(0.3), [[0, 0.3], [1, 0.3], [1000, 0.3]]);
  });
});

describe('linear', () => {
  it('goes from init to end over `steps`, then holds end', () => {
    expectValues(linear(1, 0, 10), [[0, 1], [2, 0.8], [5, 0.5], [9, 0.1], [10, 0], [15, 0]]);
    expectValues(linear(0.2, 1, 4), [[0, 0.2], [1, 0.4], [3, 0.8], [4, 1], [40, 1]]);
  });

  it('is `end` from the start when steps ≤ 0', () => {
    expectValues(linear(1, 0.25, 0), [[0, 0.25], [3, 0.25]]);
  });
});

describe('linearWarmup', () => {
  it('gives peak/steps on the first step and peak from step steps−1 on', () => {
    expectValues(linearWarmup(1, 4), [[0, 0.25], [1, 0.5], [2, 0.75], [3, 1], [4, 1], [100, 1]]);
    expectValues(linearWarmup(0.6, 3), [[0, 0.2], [1, 0.4], [2, 0.6], [3, 0.6]]);
  });

  it('is peak at once when steps ≤ 0', () => {
    expectValues(linearWarmup(0.7, 0), [[0, 0.7], [5, 0.7]]);
  });
});

describe('cosineDecay', () => {
  it('decays from init to 0 over `steps` without alpha', () => {
    expectValues(cosineDecay(1, 10), [[0, 1], [5, 0.5], [10, 0], [20, 0]]);
    expectValues(cosineDecay(2, 4), [[0, 2], [1, 2 * HALF_COS_QUARTER], [2, 1], [3, 2 * (1 - HALF_COS_QUARTER)], [4, 0]]);
  });

  it('decays to alpha·init with alpha, then holds it', () => {
    // init·(alpha + (1−alpha)·0.5·(1+cos(π·t/steps)))
    expectValues(cosineDecay(1, 10, 0.1), [[0, 1], [5, 0.55], [10, 0.1], [100, 0.1]]);
    // 2·(0.5 + 0.5·0.8535533905932737) = 1.8535533905932737
    expectValues(cosineDecay(2, 4, 0.5), [[0, 2], [1, 1.8535533905932737], [2, 1.5], [4, 1], [9, 1]]);
  });
});

describe('joinSchedules', () => {
  it('switches at each boundary and restarts the next schedule at its step 0', () => {
    const s = joinSchedules([constant(1), constant(2), linear(3, 0, 3)], [5, 8]);
    expectValues(s, [
      [0, 1],
      [4, 1],
      [5, 2], // boundary: the second schedule takes over
      [7, 2],
      [8, 3], // linear restarted: its step 0
      [9, 2],
      [10, 1],
      [11, 0],
      [100, 0],
    ]);
  });

  it('passes steps straight through with no boundaries', () => {
    expectValues(joinSchedules([linear(1, 0, 4)], []), [[0, 1], [2, 0.5], [4, 0]]);
  });
});

describe('warmupCosine', () => {
  it('warms up linearly to peak, then decays by a cosine to 0 at totalSteps', () => {
    expectValues(warmupCosine(1, 4, 12), [
      [0, 0.25],
      [1, 0.5],
      [3, 1], // last warmup step reaches the peak
      [4, 1], // first decay step starts at the peak: no jump at the boundary
      [6, HALF_COS_QUARTER], // 2 of 8 decay steps
      [8, 0.5],
      [10, 1 - HALF_COS_QUARTER],
      [12, 0],
      [13, 0],
    ]);
    expectValues(warmupCosine(0.02, 10, 110), [[0, 0.002], [9, 0.02], [10, 0.02], [60, 0.01], [110, 0]]);
  });

  it('is a plain cosine decay without warmup', () => {
    expectValues(warmupCosine(1, 0, 10), [[0, 1], [5, 0.5], [10, 0]]);
  });
});
