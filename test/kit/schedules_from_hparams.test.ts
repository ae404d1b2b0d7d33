/**
 * The one schedule-from-hyperparameters helper every baseline and the new-submission
 * template use: `lr` and `warmup_frac` read from the hyperparameters (or their
 * fallbacks), warmup then cosine decay to 0 at the step total. Expected values come
 * from the formula written out here, not from the kit's `warmupCosine`.
 */
import { describe, expect, it } from 'vitest';
import { warmupCosineFromHparams, warmupStepsFromHparams } from '../../submissions/kit/schedules.ts';

/** Warmup to `peak` (step s gets peak·(s+1)/w, the peak at s = w−1), then ½(1 + cos) to 0 at `total`. */
function formula(peak: number, w: number, total: number, step: number): number {
  if (step < w - 1) return (peak * (step + 1)) / w;
  if (step < w) return peak;
  const t = Math.min(step - w, total - w) / (total - w);
  return peak * 0.5 * (1 + Math.cos(Math.PI * t));
}

const STEPS = [0, 1, 3, 4, 5, 6, 20, 27, 49, 50, 80];

describe('warmupStepsFromHparams', () => {
  it('rounds warmup_frac · total, the fraction defaulting to 0.05 or the given default', () => {
    expect(warmupStepsFromHparams({ warmup_frac: 0.1 }, 50)).toBe(5);
    expect(warmupStepsFromHparams({ warmup_frac: 0.02 }, 1234)).toBe(25); // 24.68
    expect(warmupStepsFromHparams({}, 50)).toBe(3); // round(2.5)
    expect(warmupStepsFromHparams({}, 50, 0.2)).toBe(10);
    expect(warmupStepsFromHparams({ warmup_frac: 0 }, 50)).toBe(0);
  });

  it('rejects a warmup_frac that is not a number, naming it', () => {
    expect(() => warmupStepsFromHparams({ warmup_frac: 'x' }, 50)).toThrow(/warmup_frac/);
  });
});

describe('warmupCosineFromHparams', () => {
  it('reads lr and warmup_frac: warmup to lr over round(warmup_frac·total), cosine to 0 at total', () => {
    const schedule = warmupCosineFromHparams({ lr: 0.2, warmup_frac: 0.1 }, 50, { lr: 9 });
    for (const step of STEPS) expect(schedule(step), `step ${step}`).toBeCloseTo(formula(0.2, 5, 50, step), 12);
    expect(schedule(4)).toBeCloseTo(0.2, 12);
    expect(schedule(50)).toBeCloseTo(0, 12);
  });

  it('falls back to the defaults it is given for keys the hyperparameters lack', () => {
    const schedule = warmupCosineFromHparams({}, 200, { lr: 3e-3, warmupFrac: 0.1 });
    for (const step of [0, 10, 19, 20, 100, 199]) expect(schedule(step), `step ${step}`).toBeCloseTo(formula(3e-3, 20, 200, step), 15);
    const plain = warmupCosineFromHparams({}, 50, { lr: 1 });
    for (const step of STEPS) expect(plain(step), `step ${step}`).toBeCloseTo(formula(1, 3, 50, step), 12);
  });

  it('with no warmup starts at the peak', () => {
    const schedule = warmupCosineFromHparams({ lr: 0.5, warmup_frac: 0 }, 10, { lr: 1 });
    expect(schedule(0)).toBeCloseTo(0.5, 12);
    expect(schedule(5)).toBeCloseTo(0.25, 12);
  });
});
