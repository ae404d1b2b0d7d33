/**
 * Performance profiles and the benchmark score (Dolan & Moré 2002, as used by
 * AlgoPerf): each submission's time on a workload is compared with the best time any
 * submission reached on it, and the score is the area under the resulting curve.
 *
 * The score is computed exactly from the step function instead of by quadrature
 * (AlgoPerf samples τ on a grid), so that scores do not depend on a grid resolution
 * and ties between submissions are exact.
 */
import { AlgobenchError } from '../core/errors.ts';

/** Ratios above this count as missed: AlgoPerf's τ_max. @default 4 */
export const DEFAULT_MAX_TAU = 4;

/** Workload times in seconds, by submission then workload; Infinity or absent = missed. */
export type TimesBySubmission = Readonly<Record<string, Readonly<Record<string, number>>>>;

/** Performance ratios by submission then workload; Infinity = missed or above maxTau. */
export type RatiosBySubmission = Record<string, Record<string, number>>;

/** One corner of a profile: ρ equals `rho` from `tau` up to the next step. */
export type ProfileStep = readonly [tau: number, rho: number];

export interface ProfileOptions {
  /** Ratios above this count as missed, and the score integrates up to it. @default 4 */
  readonly maxTau?: number;
}

/** Everything a leaderboard needs from one set of workload times. */
export interface PerformanceProfile {
  readonly maxTau: number;
  readonly workloads: readonly string[];
  readonly ratios: RatiosBySubmission;
  readonly scores: Record<string, number>;
  readonly steps: Record<string, ProfileStep[]>;
}

/**
 * r(s, w) = t(s, w) / min over s' of t(s', w), with r > maxTau set to Infinity.
 * A workload every submission missed gives Infinity to all. When the best time is 0
 * (target met at the first eval) the submissions at 0 get 1 and the rest Infinity,
 * since any positive time is infinitely slower.
 */
export function performanceRatios(
  times: TimesBySubmission,
  workloads: readonly string[],
  options: ProfileOptions = {},
): RatiosBySubmission {
  const maxTau = resolveMaxTau(options);
  const submissions = Object.keys(times);
  const ratios: RatiosBySubmission = {};
  for (const s of submissions) ratios[s] = {};
  for (const w of workloads) {
    const col = submissions.map((s) => times[s]?.[w] ?? Infinity);
    const best = Math.min(Infinity, ...col);
    submissions.forEach((s, i) => {
      const t = col[i] ?? Infinity;
      let r: number;
      if (!Number.isFinite(best) || !Number.isFinite(t)) r = Infinity;
      else if (best === 0) r = t === 0 ? 1 : Infinity;
      else r = t / best;
      (ratios[s] ?? {})[w] = r > maxTau ? Infinity : r;
    });
  }
  return ratios;
}

/** ρ(τ): the share of workloads with ratio ≤ τ. No workloads → 0. */
export function rho(ratios: readonly number[], tau: number): number {
  if (ratios.length === 0) return 0;
  let hits = 0;
  for (const r of ratios) if (r <= tau) hits++;
  return hits / ratios.length;
}

/**
 * ∫₁^maxTau ρ(τ) dτ / (maxTau − 1), exactly: a workload with ratio r ≤ maxTau adds
 * (maxTau − max(1, r)) to the integral and a missed one adds nothing. 1 means best
 * on every workload, 0 means nothing reached within maxTau× the best.
 *
 * @example
 * benchmarkScore([1, 2, 3.5]) // (3 + 2 + 0.5) / (3 × 3) = 0.6111…
 */
export function benchmarkScore(ratios: readonly number[], options: ProfileOptions = {}): number {
  const maxTau = resolveMaxTau(options);
  if (ratios.length === 0) return 0;
  let area = 0;
  for (const r of ratios) if (r <= maxTau) area += maxTau - Math.max(1, r);
  return area / (ratios.length * (maxTau - 1));
}

/**
 * The profile as step corners for charting, sorted by τ: always (1, ρ(1)), then one
 * corner at each distinct ratio in (1, maxTau], and (maxTau, ρ(maxTau)) last.
 */
export function profileSteps(ratios: readonly number[], options: ProfileOptions = {}): ProfileStep[] {
  const maxTau = resolveMaxTau(options);
  const taus = new Set<number>([1, maxTau]);
  for (const r of ratios) if (r > 1 && r <= maxTau) taus.add(r);
  return [...taus].sort((a, b) => a - b).map((tau) => [tau, rho(ratios, tau)] as const);
}

/** Ratios, scores and step corners of every submission at once. */
export function performanceProfile(
  times: TimesBySubmission,
  workloads: readonly string[],
  options: ProfileOptions = {},
): PerformanceProfile {
  const maxTau = resolveMaxTau(options);
  const ratios = performanceRatios(times, workloads, { maxTau });
  const scores: Record<string, number> = {};
  const steps: Record<string, ProfileStep[]> = {};
  for (const [s, byWorkload] of Object.entries(ratios)) {
    const list = workloads.map((w) => byWorkload[w] ?? Infinity);
    scores[s] = benchmarkScore(list, { maxTau });
    steps[s] = profileSteps(list, { maxTau });
  }
  return { maxTau, workloads: [...workloads], ratios, scores, steps };
}

function resolveMaxTau(options: ProfileOptions): number {
  const maxTau = options.maxTau ?? DEFAULT_MAX_TAU;
  if (!(maxTau > 1) || !Number.isFinite(maxTau)) {
    throw new AlgobenchError('E_USAGE', `performance profile: maxTau must be a finite number > 1, got ${maxTau}`);
  }
  return maxTau;
}
