/**
 * Learning-rate schedules as plain functions of the step (0-based), optax-style.
 * Each returns a multiplier-free learning rate; combine them with `joinSchedules`.
 */
export type Schedule = (step: number) => number;

export function constant(value: number): Schedule {
  return () => value;
}

/** From `init` to `end` linearly over `steps`, then `end`. */
export function linear(init: number, end: number, steps: number): Schedule {
  return (step) => (steps <= 0 || step >= steps ? end : init + ((end - init) * step) / steps);
}

/** Linear warmup from 0 to `peak` over `steps` (the first step gets peak/steps). */
export function linearWarmup(peak: number, steps: number): Schedule {
  return (step) => (steps <= 0 || step + 1 >= steps ? peak : (peak * (step + 1)) / steps);
}

/** Cosine decay from `init` to `alpha·init` over `steps`, then constant. */
export function cosineDecay(init: number, steps: number, alpha = 0): Schedule {
  return (step) => {
    const t = steps <= 0 ? 1 : Math.min(step, steps) / steps;
    return init * (alpha + (1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * t)));
  };
}

/** Runs `schedules[i]` from `boundaries[i-1]` on, each restarted at step 0 there. */
export function joinSchedules(schedules: readonly Schedule[], boundaries: readonly number[]): Schedule {
  return (step) => {
    let i = 0;
    while (i < boundaries.length && step >= boundaries[i]!) i++;
    const start = i === 0 ? 0 : boundaries[i - 1]!;
    return schedules[i]!(step - start);
  };
}

/** Linear warmup to `peak` over `warmupSteps`, then cosine decay to 0 at `totalSteps`. */
export function warmupCosine(peak: number, warmupSteps: number, totalSteps: number): Schedule {
  return joinSchedules([linearWarmup(peak, warmupSteps), cosineDecay(peak, totalSteps - warmupSteps)], [warmupSteps]);
}
