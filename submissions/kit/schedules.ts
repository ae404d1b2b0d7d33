/**
 * Learning-rate schedules as plain functions of the step (0-based), optax-style.
 * Each returns a multiplier-free learning rate; combine them with `joinSchedules`.
 */
import type { Hparams } from '../../harness/spec.ts';
import { num } from './hparams.ts';

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

/**
 * optax's polynomial schedule: `end + (init − end)·(1 − min(step, steps)/steps)^power`,
 * so `end` from `steps` on. Power 1 is `linear`; like it, `steps ≤ 0` gives `end` at once.
 *
 * @example polynomialDecay(0.1, 0, stepHint, 2) // a quadratic decay to 0
 */
export function polynomialDecay(init: number, end: number, steps: number, power: number): Schedule {
  return (step) => (steps <= 0 || step >= steps ? end : end + (init - end) * (1 - step / steps) ** power);
}

/**
 * The Transformer's schedule (Vaswani et al. 2017) scaled to peak at `peak`: with the
 * 1-based step s = step + 1, `peak·min(s/warmupSteps, √(warmupSteps/s))`. The warmup
 * is `linearWarmup`'s (peak at step warmupSteps − 1); the decay then falls as 1/√s,
 * continuous at the peak. `warmupSteps ≤ 0` acts as 1: `peak/√s` from the first step.
 *
 * @example inverseSqrt(1e-3, 4000)
 */
export function inverseSqrt(peak: number, warmupSteps: number): Schedule {
  const w = Math.max(warmupSteps, 1);
  return (step) => {
    const s = step + 1;
    return peak * Math.min(s / w, Math.sqrt(w / s));
  };
}

/** How a `warmupStableDecay` schedule falls from its peak to its end. */
export type DecayShape = 'linear' | 'cosine' | 'sqrt';

export interface WarmupStableDecayOptions {
  /** Steps of linear warmup (as `linearWarmup`: peak at step warmupSteps − 1). */
  readonly warmupSteps: number;
  /** Steps held at the peak after the warmup. */
  readonly stableSteps: number;
  /** Steps of the final decay (the "cooldown") from the peak to `end`. */
  readonly decaySteps: number;
  /**
   * With f the fraction of the decay done, the peak−end gap is scaled by
   * linear: 1 − f; cosine: ½(1 + cos πf); sqrt: 1 − √f (Hägele et al. 2024).
   */
  readonly decayShape: DecayShape;
  /** The value reached at the end of the decay and held after it. @default 0 */
  readonly end?: number;
}

const DECAY_SHAPES: Readonly<Record<DecayShape, (f: number) => number>> = {
  linear: (f) => 1 - f,
  cosine: (f) => 0.5 * (1 + Math.cos(Math.PI * f)),
  sqrt: (f) => 1 - Math.sqrt(f),
};

/**
 * Warmup–stable–decay (WSD, Hu et al. 2024, MiniCPM): warm up, hold the peak, then
 * cool down over the last `decaySteps`. The stable phase needs no total step count,
 * so a run can be extended and cooled down from any point.
 *
 * @example warmupStableDecay(3e-4, { warmupSteps: 100, stableSteps: 800, decaySteps: 100, decayShape: 'sqrt' })
 */
export function warmupStableDecay(peak: number, options: WarmupStableDecayOptions): Schedule {
  const { warmupSteps, stableSteps, decaySteps, decayShape, end = 0 } = options;
  const shape = DECAY_SHAPES[decayShape];
  const decay: Schedule = (step) => {
    const f = decaySteps <= 0 ? 1 : Math.min(step, decaySteps) / decaySteps;
    return end + (peak - end) * shape(f);
  };
  return joinSchedules(
    [linearWarmup(peak, warmupSteps), constant(peak), decay],
    [warmupSteps, warmupSteps + stableSteps],
  );
}

/**
 * Linear warmup to `peak` over `warmupSteps`, then a linear decay to 0 at `totalSteps`
 * ("D2Z", Bergsma et al. 2025): the cosine's counterpart in `warmupCosine`.
 *
 * @example linearDecayToZero(1e-3, 100, workload.budget.stepHint)
 */
export function linearDecayToZero(peak: number, warmupSteps: number, totalSteps: number): Schedule {
  return joinSchedules([linearWarmup(peak, warmupSteps), linear(peak, 0, totalSteps - warmupSteps)], [warmupSteps]);
}

export interface CyclicCosineOptions {
  /** The floor each cycle decays towards and rewarms from. @default 0 */
  readonly minLr?: number;
  /** Linear rewarm from minLr at the start of every cycle; 0 restarts at the peak at once. @default 0 */
  readonly warmupSteps?: number;
  /** Cycle k (0-based) peaks at peak·decay^k. @default 1 */
  readonly decay?: number;
}

/**
 * Cosine annealing with warm restarts (SGDR, Loshchilov & Hutter 2017), cycles of a
 * fixed length. With k = ⌊step/cycleSteps⌋, t = step − k·cycleSteps, w = warmupSteps
 * and a = peak·decay^k:
 * - t < w: `minLr + (a − minLr)·(t + 1)/w` (rewarm, peak at t = w − 1);
 * - t ≥ w: `minLr + (a − minLr)·½(1 + cos(π(t − w)/(cycleSteps − w)))`,
 * so each cycle ends one step short of minLr and the next restarts (or rewarms) at once.
 *
 * @example cyclicCosine(0.1, 1000, { minLr: 1e-4, decay: 0.5 })
 */
export function cyclicCosine(peak: number, cycleSteps: number, options: CyclicCosineOptions = {}): Schedule {
  const { minLr = 0, warmupSteps = 0, decay = 1 } = options;
  if (!Number.isInteger(cycleSteps) || cycleSteps < 1) {
    throw new RangeError(`cyclicCosine: cycleSteps must be an integer ≥ 1 (got ${cycleSteps})`);
  }
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0 || warmupSteps >= cycleSteps) {
    throw new RangeError(`cyclicCosine: warmupSteps must be an integer in [0, cycleSteps) (got ${warmupSteps})`);
  }
  const annealSteps = cycleSteps - warmupSteps;
  return (step) => {
    const k = Math.floor(step / cycleSteps);
    const t = step - k * cycleSteps;
    const gap = peak * decay ** k - minLr;
    if (t < warmupSteps) return minLr + (gap * (t + 1)) / warmupSteps;
    return minLr + gap * 0.5 * (1 + Math.cos((Math.PI * (t - warmupSteps)) / annealSteps));
  };
}

/**
 * Warmup steps from the hyperparameters: `round(warmup_frac · totalSteps)`, with
 * `warmup_frac` defaulting to `defaultFrac`. The one reading of `warmup_frac` that
 * every baseline and the `new-submission` template share.
 */
export function warmupStepsFromHparams(h: Hparams, totalSteps: number, defaultFrac = 0.05): number {
  return Math.round(num(h, 'warmup_frac', defaultFrac) * totalSteps);
}

/** Fallbacks of `warmupCosineFromHparams` for hyperparameters the search space lacks. */
export interface WarmupCosineDefaults {
  /** The peak learning rate where `lr` is not given. */
  readonly lr: number;
  /** @default 0.05 */
  readonly warmupFrac?: number;
}

/**
 * The baselines' learning rate from the hyperparameters: `warmupCosine` to the peak
 * `lr` over `warmupStepsFromHparams` steps, then cosine decay to 0 at `totalSteps`
 * (usually the workload's step hint). Reads `lr` and `warmup_frac`.
 *
 * @example adamw({ lr: warmupCosineFromHparams(h, workload.budget.stepHint, { lr: 1e-3 }), ... })
 */
export function warmupCosineFromHparams(h: Hparams, totalSteps: number, defaults: WarmupCosineDefaults): Schedule {
  return warmupCosine(num(h, 'lr', defaults.lr), warmupStepsFromHparams(h, totalSteps, defaults.warmupFrac), totalSteps);
}
