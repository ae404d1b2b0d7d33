/**
 * Geometric-mean speedup of a submission over a reference, as AlgoPerf's
 * compute_speedups script reports it alongside the benchmark score.
 *
 * Why a geometric mean: speedups are ratios, and the geometric mean is the only mean
 * for which 2× faster on one workload and 2× slower on another cancel out.
 *
 * A missed target has no time, so (as in AlgoPerf) it is replaced by the workload's
 * budget + 1 s: missing counts as slightly worse than using the whole budget, and two
 * misses give a speedup of exactly 1. Pass the budget of the ruleset that was run
 * (self-tuning budgets are larger). AlgoPerf prints t_sub / t_ref (below 1 = faster);
 * here speedup = t_ref / t_sub, so above 1 = faster, which reads more naturally.
 */
import { AlgobenchError } from '../core/errors.ts';

export interface SpeedupInput {
  /** Workload times of the submission (seconds; Infinity or absent = missed). */
  readonly submission: Readonly<Record<string, number>>;
  /** Workload times of the reference submission. */
  readonly reference: Readonly<Record<string, number>>;
  /** Runtime budget of each workload in seconds, for the missed-target penalty. */
  readonly budgets: Readonly<Record<string, number>>;
  /** Workloads to compare over (each needs a budget). */
  readonly workloads: readonly string[];
}

export interface SpeedupResult {
  /** Geometric mean of the per-workload speedups; 1 when there are no workloads. */
  readonly geomean: number;
  /** t_ref / t_sub per workload, after the missed-target penalty. */
  readonly perWorkload: Readonly<Record<string, number>>;
}

/**
 * @example
 * geomeanSpeedup({ submission: { a: 50, b: Infinity }, reference: { a: 100, b: 100 },
 *                  budgets: { a: 200, b: 200 }, workloads: ['a', 'b'] })
 * // a: 100/50 = 2, b: 100/201; geomean = sqrt(2 × 100/201)
 */
export function geomeanSpeedup(input: SpeedupInput): SpeedupResult {
  const perWorkload: Record<string, number> = {};
  let logSum = 0;
  for (const w of input.workloads) {
    const budget = input.budgets[w];
    if (budget === undefined || !Number.isFinite(budget) || budget <= 0) {
      throw new AlgobenchError('E_USAGE', `speedup: workload "${w}" needs a positive finite budget, got ${budget}`);
    }
    const penalised = (t: number | undefined): number => (t === undefined || !Number.isFinite(t) ? budget + 1 : t);
    const ref = penalised(input.reference[w]);
    const sub = penalised(input.submission[w]);
    // A time of 0 would make the ratio 0 or ∞; floor both at a nanosecond.
    const speedup = Math.max(ref, 1e-9) / Math.max(sub, 1e-9);
    perWorkload[w] = speedup;
    logSum += Math.log(speedup);
  }
  const n = input.workloads.length;
  return { geomean: n === 0 ? 1 : Math.exp(logSum / n), perWorkload };
}
