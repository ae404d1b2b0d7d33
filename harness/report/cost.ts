/**
 * What a submission's results cost: the CPU time of every attempt on a board (failed,
 * interrupted and superseded ones too — they were paid for), per reached target, in
 * core-hours and, at a rate the user sets, in money; CPU package energy where the
 * machine has RAPL counters. The CPU time of a trial is what the run and the trial's
 * own process used while it ran (harness/identity/calibration.ts), evals included.
 */
import type { TrialRow } from '../store/rows.ts';
import { parseObject } from './exports.ts';

export interface SubmissionCost {
  readonly submission: string;
  /** Attempts with a CPU record, and those without one (older rows, killed runs). */
  readonly measured: number;
  readonly unmeasured: number;
  readonly cpuSec: number;
  /** Scored trials that reached the target. */
  readonly reached: number;
  /** cpuSec ÷ reached; null when nothing was reached. */
  readonly cpuSecPerReached: number | null;
  readonly coreHours: number;
  /** Money at the given price per core-hour; null without a price. */
  readonly money: number | null;
  /** Joules over the measured attempts; null when any measured attempt had no energy reading. */
  readonly energyJoules: number | null;
}

interface NoiseRecord {
  cpu?: { ownSec?: unknown } | null;
  energyJoules?: unknown;
}

/** One submission's cost over its attempts on a board (`scored` are the trials the board scored). */
export function submissionCost(submission: string, attempts: readonly TrialRow[], scored: readonly TrialRow[], pricePerCoreHour?: number): SubmissionCost {
  let cpuSec = 0;
  let measured = 0;
  let energy: number | null = 0;
  for (const a of attempts) {
    const noise = parseObject(a.noise_json ?? '{}') as NoiseRecord;
    const own = noise.cpu?.ownSec;
    if (typeof own !== 'number' || !Number.isFinite(own)) continue;
    measured += 1;
    cpuSec += own;
    energy = typeof noise.energyJoules === 'number' && energy !== null ? energy + noise.energyJoules : null;
  }
  const reached = scored.filter((t) => t.status === 'reached').length;
  const coreHours = cpuSec / 3600;
  return {
    submission,
    measured,
    unmeasured: attempts.length - measured,
    cpuSec,
    reached,
    cpuSecPerReached: reached === 0 ? null : cpuSec / reached,
    coreHours,
    money: pricePerCoreHour === undefined ? null : coreHours * pricePerCoreHour,
    energyJoules: measured === 0 ? null : energy,
  };
}
