/**
 * The budget saver replayed over stored learning curves: for each trial, its evals are
 * walked in order and the saver's rule (policy.ts) is asked at each whether to stop.
 *
 * - compute saved = submission seconds stopped trials would not have spent / the
 *   submission seconds all trials spent without the saver;
 * - wrong stops = stopped trials that in fact reached the target / trials that reached.
 *
 * A reached trial's stored evals include the probes evaluated only after a check met
 * the target (runner/eval_schedule.ts); a live run never consults the saver then (the
 * target is already met), the replay does up to the first eval that meets it: its
 * wrong stops can only be more than a live run's, never fewer.
 *
 * The threshold and the model's spread floor are calibrated together on one part of
 * the corpus and evaluated on the rest (leave one workload, or one submission, out),
 * so the figures are never fit on the curves they report.
 */
import type { CurveTrial } from './corpus.ts';
import { SIGMA_FLOORS } from './model.ts';
import { saverDecision, type SaverSettings } from './policy.ts';

export interface TrialReplay {
  readonly reached: boolean;
  /** Submission seconds at the eval where the saver stopped it; null when it ran on. */
  readonly stoppedAtSec: number | null;
  /** P(reach) at that stop. */
  readonly probability: number | null;
  readonly spentSec: number;
  readonly savedSec: number;
}

export interface ReplayFigures {
  readonly trials: number;
  readonly reached: number;
  readonly stopped: number;
  readonly wrongStops: number;
  readonly spentSec: number;
  readonly savedSec: number;
  /** savedSec / spentSec (0 when nothing was spent). */
  readonly savedShare: number;
  /** wrongStops / reached (0 when none reached). */
  readonly wrongStopShare: number;
}

export function replayTrial(t: CurveTrial, settings: SaverSettings): TrialReplay {
  const reached = t.status === 'reached';
  const goal = { direction: t.direction, target: t.target, budgetSec: t.budgetSec };
  const points: Array<{ timeSec: number; value: number }> = [];
  for (const [, timeSec, value] of t.evals) {
    points.push({ timeSec, value });
    const decision = saverDecision(points, goal, settings);
    if (decision.stop) {
      return { reached, stoppedAtSec: timeSec, probability: decision.probability, spentSec: t.submissionTimeSec, savedSec: Math.max(0, t.submissionTimeSec - timeSec) };
    }
  }
  return { reached, stoppedAtSec: null, probability: null, spentSec: t.submissionTimeSec, savedSec: 0 };
}

/** Adds up replays (of one workload, or pooled). */
export function figuresOf(replays: readonly TrialReplay[]): ReplayFigures {
  const spentSec = replays.reduce((s, r) => s + r.spentSec, 0);
  const savedSec = replays.reduce((s, r) => s + r.savedSec, 0);
  const reached = replays.filter((r) => r.reached).length;
  const stopped = replays.filter((r) => r.stoppedAtSec !== null).length;
  const wrongStops = replays.filter((r) => r.reached && r.stoppedAtSec !== null).length;
  return {
    trials: replays.length, reached, stopped, wrongStops, spentSec, savedSec,
    savedShare: spentSec > 0 ? savedSec / spentSec : 0,
    wrongStopShare: reached > 0 ? wrongStops / reached : 0,
  };
}

export function replayCorpus(trials: readonly CurveTrial[], settings: SaverSettings): ReplayFigures {
  return figuresOf(trials.map((t) => replayTrial(t, settings)));
}

/** Thresholds the calibration chooses from. */
export const THRESHOLD_GRID: readonly number[] = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5];

/** The most wrong stops a calibrated threshold may make, as a share of the trials that reached (the goal). */
export const MAX_WRONG_STOP_SHARE = 0.02;

/** A calibrated choice: the threshold (0: never stop, when none qualifies) and the spread floor. */
export interface Calibrated {
  readonly threshold: number;
  readonly sigmaFloor: number;
}

/**
 * The (spread floor, threshold) pair of `floors` × `grid` that saves the most compute
 * on `trials` with a wrong-stop share of at most `maxWrong` (on a tie, the first floor
 * of `floors` and the smaller threshold); threshold 0 (never stop) when none qualifies.
 */
export function calibrate(
  trials: readonly CurveTrial[],
  minFraction: number,
  grid: readonly number[] = THRESHOLD_GRID,
  maxWrong = MAX_WRONG_STOP_SHARE,
  floors: readonly number[] = SIGMA_FLOORS,
): Calibrated {
  let best = { threshold: 0, sigmaFloor: floors[0]!, saved: -1 };
  for (const sigmaFloor of floors) {
    for (const threshold of [...grid].sort((a, b) => a - b)) {
      const f = replayCorpus(trials, { threshold, minFraction, sigmaFloor });
      if (f.wrongStopShare <= maxWrong && f.savedShare > best.saved) best = { threshold, sigmaFloor, saved: f.savedShare };
    }
  }
  return { threshold: best.threshold, sigmaFloor: best.sigmaFloor };
}

export interface HeldOutGroup {
  /** The workload (or submission) held out. */
  readonly group: string;
  /** The threshold calibrated on the other groups (0: never stop). */
  readonly threshold: number;
  /** The spread floor calibrated with it. */
  readonly sigmaFloor: number;
  readonly figures: ReplayFigures;
}

export interface CrossValidation {
  readonly by: 'workload' | 'submission';
  readonly groups: readonly HeldOutGroup[];
  /** Every held-out trial pooled, each replayed with its own fold's threshold. */
  readonly pooled: ReplayFigures;
}

/**
 * Leave one group out: for each workload (or submission), the threshold and spread
 * floor are calibrated on the other groups' trials and replayed on the group's own.
 */
export function crossValidate(
  trials: readonly CurveTrial[],
  by: 'workload' | 'submission',
  minFraction: number,
  grid: readonly number[] = THRESHOLD_GRID,
  maxWrong = MAX_WRONG_STOP_SHARE,
  floors: readonly number[] = SIGMA_FLOORS,
): CrossValidation {
  const names = [...new Set(trials.map((t) => t[by]))].sort();
  const all: TrialReplay[] = [];
  const groups = names.map((group) => {
    const { threshold, sigmaFloor } = calibrate(trials.filter((t) => t[by] !== group), minFraction, grid, maxWrong, floors);
    const replays = trials.filter((t) => t[by] === group).map((t) => (threshold > 0 ? replayTrial(t, { threshold, minFraction, sigmaFloor }) : neverStopped(t)));
    all.push(...replays);
    return { group, threshold, sigmaFloor, figures: figuresOf(replays) };
  });
  return { by, groups, pooled: figuresOf(all) };
}

function neverStopped(t: CurveTrial): TrialReplay {
  return { reached: t.status === 'reached', stoppedAtSec: null, probability: null, spentSec: t.submissionTimeSec, savedSec: 0 };
}
