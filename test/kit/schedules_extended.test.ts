/** The decay, WSD and cyclic schedules at hand-computed steps (0-based), boundaries included. */
import { describe, expect, it } from 'vitest';
import {
  cyclicCosine,
  inverseSqrt,
  linear,
  linearDecayToZero,
  polynomialDecay,
  warmupStableDecay,
} from '../../submissions/kit/schedules.ts';

// 0.5·(1 + cos(π/4)) = 0.5 + √2/4
const HALF_COS_QUARTER = 0.8535533905932737;
const SQRT_HALF = Math.SQRT1_2; // 0.7071067811865476

/** Checks `schedule(step)` for each [step, value] pair to 12 digits. */
function expectValues(schedule: (step: number) => number, pairs: readonly (readonly [number, number])[]): void {
  for (const [step, value] of pairs) {
    const got = schedule(step);
    expect(Math.abs(got - value), `step ${step}: got ${got}, want ${value}`).toBeLessThanOrEqual(1e-12);
  }
}

describe('polynomialDecay', () => {
  it('decays as end + (init − end)·(1 − step/steps)^power, then holds end', () => {
    // 0.1 + 0.9·(1 − step/10)²
    expectValues(polynomialDecay(1, 0.1, 10, 2), [[0, 1], [2, 0.676], [5, 0.325], [10, 0.1], [20, 0.1]]);
    // 2·√(1 − step/4)
    expectValues(polynomialDecay(2, 0, 4, 0.5), [[0, 2], [3, 1], [4, 0], [5, 0]]);
  });

  it('is `linear` at power 1', () => {
    const poly = polynomialDecay(0.2, 1, 4, 1);
    const lin = linear(0.2, 1, 4);
    expectValues(poly, [0, 1, 2, 3, 4, 9].map((s) => [s, lin(s)] as const));
  });

  it('is `end` from the start when steps ≤ 0', () => {
    expectValues(polynomialDecay(1, 0.3, 0, 2), [[0, 0.3], [7, 0.3]]);
  });
});

describe('inverseSqrt', () => {
  it('warms up linearly to peak at step warmup−1, then falls as peak·√(warmup/(step+1))', () => {
    expectValues(inverseSqrt(1, 4), [
      [0, 0.25],
      [2, 0.75],
      [3, 1], // s = 4 = warmup: the peak
      [7, SQRT_HALF], // √(4/8)
      [15, 0.5], // √(4/16)
      [99, 0.2], // √(4/100)
    ]);
    expectValues(inverseSqrt(0.5, 9), [[0, 0.5 / 9], [8, 0.5], [35, 0.25]]);
  });

  it('is peak/√(step+1) without warmup', () => {
    expectValues(inverseSqrt(0.6, 0), [[0, 0.6], [3, 0.3], [8, 0.2]]);
  });
});

describe('warmupStableDecay', () => {
  const phases = { warmupSteps: 2, stableSteps: 3, decaySteps: 4 } as const;

  it('warms up, holds the peak, then decays linearly to 0', () => {
    expectValues(warmupStableDecay(1, { ...phases, decayShape: 'linear' }), [
      [0, 0.5],
      [1, 1], // last warmup step reaches the peak
      [2, 1], // stable phase
      [4, 1],
      [5, 1], // decay starts at the peak
      [6, 0.75],
      [7, 0.5],
      [9, 0],
      [12, 0],
    ]);
  });

  it('decays by a cosine', () => {
    expectValues(warmupStableDecay(1, { ...phases, decayShape: 'cosine' }), [
      [4, 1],
      [5, 1],
      [6, HALF_COS_QUARTER],
      [7, 0.5],
      [8, 1 - HALF_COS_QUARTER],
      [9, 0],
    ]);
  });

  it('decays as 1 − √f to `end`, then holds it', () => {
    // 0.1 + 0.9·(1 − √f)
    expectValues(warmupStableDecay(1, { ...phases, decayShape: 'sqrt', end: 0.1 }), [
      [5, 1],
      [6, 0.55],
      [7, 0.1 + 0.9 * (1 - SQRT_HALF)],
      [9, 0.1],
      [30, 0.1],
    ]);
  });

  it('skips empty phases', () => {
    const s = warmupStableDecay(2, { warmupSteps: 0, stableSteps: 0, decaySteps: 4, decayShape: 'linear' });
    expectValues(s, [[0, 2], [1, 1.5], [2, 1], [4, 0]]);
    const noDecay = warmupStableDecay(2, { warmupSteps: 1, stableSteps: 2, decaySteps: 0, decayShape: 'cosine', end: 0.5 });
    expectValues(noDecay, [[0, 2], [2, 2], [3, 0.5], [10, 0.5]]);
  });
});

describe('linearDecayToZero', () => {
  it('warms up linearly to peak, then decays linearly to 0 at totalSteps', () => {
    expectValues(linearDecayToZero(1, 2, 10), [
      [0, 0.5],
      [1, 1],
      [2, 1], // decay starts at the peak
      [4, 0.75],
      [6, 0.5],
      [10, 0],
      [11, 0],
    ]);
  });

  it('is a plain linear decay without warmup', () => {
    expectValues(linearDecayToZero(0.4, 0, 4), [[0, 0.4], [1, 0.3], [4, 0]]);
  });
});

describe('cyclicCosine', () => {
  it('anneals by a cosine over each cycle and restarts at the peak', () => {
    expectValues(cyclicCosine(1, 4), [
      [0, 1],
      [1, HALF_COS_QUARTER],
      [2, 0.5],
      [3, 1 - HALF_COS_QUARTER],
      [4, 1], // restart
      [6, 0.5],
      [400, 1],
    ]);
  });

  it('restarts cycle k at peak·decay^k and anneals to minLr', () => {
    expectValues(cyclicCosine(1, 4, { minLr: 0.1, decay: 0.5 }), [
      [0, 1],
      [2, 0.55], // 0.1 + 0.9·½
      [4, 0.5], // cycle 1: 1·0.5
      [6, 0.3], // 0.1 + 0.4·½
      [8, 0.25], // cycle 2: 1·0.25
      [10, 0.175], // 0.1 + 0.15·½
    ]);
  });

  it('rewarms linearly at the start of every cycle', () => {
    expectValues(cyclicCosine(1, 6, { warmupSteps: 2 }), [
      [0, 0.5],
      [1, 1],
      [2, 1], // anneal starts at the peak
      [3, HALF_COS_QUARTER],
      [4, 0.5],
      [5, 1 - HALF_COS_QUARTER],
      [6, 0.5], // rewarm
      [7, 1],
    ]);
    expectValues(cyclicCosine(1, 6, { warmupSteps: 2, decay: 0.5, minLr: 0.2 }), [
      [0, 0.6], // 0.2 + 0.8·½
      [6, 0.35], // 0.2 + (0.5 − 0.2)·½
      [7, 0.5],
      [10, 0.35],
    ]);
  });

  it('rejects cycles that cannot hold their warmup', () => {
    expect(() => cyclicCosine(1, 0)).toThrow(RangeError);
    expect(() => cyclicCosine(1, 4, { warmupSteps: 4 })).toThrow(RangeError);
  });
});
