/**
 * `algobench bench --repeat N`: is time-to-target repeatable on this machine? Runs one
 * seed and one configuration (each workload's reference, from the targets file) N
 * times, each repeat the way a scored trial runs: in a sandboxed process of its own
 * (runner/isolated/run_isolated.ts), with the noise calibration before and after it in
 * this process, on the same backend. So every repeat pays the same start-up, off the
 * clock, and none inherits another's warm JIT, caches or heap (run in this process,
 * the first repeat paid the warm-up and the CV doubled).
 *
 * Reports, per workload: the step at which the target was met in each repeat (the
 * same every time when the trajectory is deterministic), each time-to-target and
 * their coefficient of variation, the CV of the calibration readings over the repeats
 * (the machine's own noise floor: a time-to-target CV near it is the machine's, not
 * the trial's), and which repeats were flagged noisy and why. Timing lives here, in a
 * benchmark, never in a test.
 */
import * as tf from '@tensorflow/tfjs';
import { formatWorkloadRef } from '../core/workload_ref.ts';
import { judgedAgainstAll, measureNoise, type TrialNoise } from '../identity/calibration.ts';
import { runTrialIsolated, TrialPaceBook, type BoundaryCost, type WatchdogLimits } from '../runner/isolated/run_isolated.ts';
import type { BackendChoice } from '../backends/select.ts';
import type { TrialResult } from '../core/trial_result.ts';
import type { Hparams, Targets, Workload } from '../spec.ts';

export interface Repeat {
  readonly result: TrialResult;
  readonly noise: TrialNoise;
  /** Seconds from spawning the trial's process to its end, calibrations included. */
  readonly wallSec: number;
  /** The repeat's own trial process. */
  readonly pid?: number;
  /** Spawn to first step, and teardown: the start-up every repeat pays off the clock. */
  readonly boundary?: BoundaryCost;
  /**
   * Where each eval fell (step, submission time) and how long it took: the repeats of
   * one trajectory pass the same steps, so comparing these shows where a slow repeat
   * lost its time (one burst, or a uniformly slower machine), and each eval is the
   * same fixed work, timed off the clock in this process, every half second.
   */
  readonly evals?: ReadonlyArray<{ readonly step: number; readonly submissionTimeSec: number; readonly evalTimeSec: number }>;
}

export interface RepeatRow {
  readonly workload: string;
  readonly submission: string;
  readonly seed: number;
  readonly backend: string;
  /** Every attempt, in order: the quiet repeats and the noisy ones run again. */
  readonly repeats: readonly Repeat[];
  /** The distinct target steps over every attempt (one value when each met the target at the same step). */
  readonly targetSteps: readonly (number | null)[];
  /** Time-to-target of each quiet attempt (none flagged noisy), in order; null where it missed. */
  readonly timesSec: readonly (number | null)[];
  readonly meanSec: number | null;
  /** Sample standard deviation / mean of the quiet attempts' time-to-target: the repeatability figure. */
  readonly cv: number | null;
  /** The same over every attempt that reached the target, noisy ones included: what the noise costs. */
  readonly cvAll: number | null;
  /**
   * The CV over every attempt that reached the target of its time-to-target divided by
   * the runner's eval-time pace during it (TrialPace.runnerDuring): how repeatable the
   * trial is once the machine's own speed during each attempt is divided out — what is
   * left is the harness's and the trial's, not the machine's. A diagnostic beside the
   * figure, never a replacement for it; null without two such attempts.
   */
  readonly cvAtPace: number | null;
  /** CV of each calibration kernel's reading over every before and after of every attempt. */
  readonly calibrationCv: { readonly matmul: number | null; readonly elementwise: number | null };
  /** Attempts (1-based) flagged noisy, with why. */
  readonly flagged: ReadonlyArray<{ readonly repeat: number; readonly reasons: readonly string[] }>;
}

/** Sample standard deviation / mean; null for fewer than two values. */
export function coefficientOfVariation(xs: readonly number[]): number | null {
  if (xs.length < 2) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1));
  return sd / mean;
}

export interface RepeatOptions {
  readonly repeats: number;
  readonly seed: number;
  /** The backend the trials run on; it must be this process's active one, which the calibration times. */
  readonly backend: BackendChoice;
  /** Budget multiplier (1 for the benchmark; tests shrink it). @default 1 */
  readonly budgetScale?: number;
  readonly limits?: WatchdogLimits;
  /** After each attempt: the attempt as the loop judged it, against every attempt so far (the final report judges against all). */
  readonly onRepeat?: (i: number, repeat: Repeat) => void;
  /**
   * Extra attempts allowed in place of repeats flagged noisy, so that `repeats` quiet
   * ones are measured when the machine allows (a noisy repeat measures the machine,
   * not the trial). @default 0
   */
  readonly retries?: number;
}

export async function repeatTrial(
  workload: Workload,
  targets: Targets,
  submission: { readonly name: string; readonly modulePath: string },
  hparams: Hparams,
  options: RepeatOptions,
): Promise<RepeatRow> {
  // The calibration runs here, the trial in its own process: both must use one backend,
  // or the noise record would describe another machine than the trial's.
  if (tf.getBackend() !== options.backend) {
    throw new Error(`the repeatability benchmark: trials would run on ${options.backend} while the calibration times ${tf.getBackend()}; select the backend first (selectBackend)`);
  }
  await workload.load();
  const paces = new TrialPaceBook();
  const repeats = await attemptUntilQuiet(options.repeats, options.repeats + (options.retries ?? 0), async () => {
    const t0 = performance.now();
    const evals: Array<{ step: number; submissionTimeSec: number; evalTimeSec: number }> = [];
    const { value, noise } = await measureNoise(() =>
      runTrialIsolated(
        {
          workload, targets, modulePath: submission.modulePath, hparams, seed: options.seed, budgetScale: options.budgetScale ?? 1, backend: options.backend,
          ...(options.limits === undefined ? {} : { limits: options.limits }),
        },
        { paces, observer: { onEval: (r) => evals.push({ step: r.step, submissionTimeSec: r.submissionTimeSec, evalTimeSec: r.evalTimeSec }) } },
      ),
      (r) => r.pace,
    );
    const { boundary, pid, pace: _pace, ...result } = value;
    const repeat: Repeat = { result, noise, wallSec: (performance.now() - t0) / 1000, evals, ...(pid === undefined ? {} : { pid }), ...(boundary === undefined ? {} : { boundary }) };
    return repeat;
  }, options.onRepeat);
  return summarizeRepeats(repeats, {
    workload: formatWorkloadRef(workload), submission: submission.name, seed: options.seed, backend: options.backend,
  });
}

/** Every attempt judged again against the fastest of all of them (identity/calibration.ts, judgedAgainstAll). */
function withPaceOfAll(repeats: readonly Repeat[]): Repeat[] {
  const judged = judgedAgainstAll(repeats.map((r) => r.noise));
  return repeats.map((r, i) => ({ ...r, noise: judged[i]! }));
}

/**
 * Runs attempts, one at a time, until `repeats` of them are quiet or `attempts` have run,
 * and answers them all, each judged against the fastest of all (withPaceOfAll). The count
 * of quiet ones is taken under that same judgement after every attempt: an attempt that
 * looked quiet against the attempts before it can turn noisy once a faster one comes, and
 * stopping on the earlier judgement left the report with fewer quiet repeats than asked
 * while retries were still unused.
 */
export async function attemptUntilQuiet(
  repeats: number,
  attempts: number,
  attempt: (index: number) => Promise<Repeat>,
  onJudged?: (index: number, repeat: Repeat) => void,
): Promise<Repeat[]> {
  let done: Repeat[] = [];
  const quiet = () => done.filter((r) => r.noise.reasons.length === 0).length;
  for (let i = 0; i < attempts && quiet() < repeats; i++) {
    done = withPaceOfAll([...done, await attempt(i)]);
    // What the loop decides on: this attempt against every attempt so far.
    onJudged?.(i, done[i]!);
  }
  return done;
}

/** The row of a set of attempts: statistics over the quiet ones, and over all of them. */
export function summarizeRepeats(repeats: readonly Repeat[], about: Pick<RepeatRow, 'workload' | 'submission' | 'seed' | 'backend'>): RepeatRow {
  const reachedTimes = (rs: readonly Repeat[]) => rs.map((r) => r.result.timeToTargetSec).filter((t): t is number => t !== null);
  const quiet = repeats.filter((r) => r.noise.reasons.length === 0);
  const timesSec = quiet.map((r) => r.result.timeToTargetSec);
  const reached = reachedTimes(quiet);
  const readings = (kernel: 'matmulMs' | 'elementwiseMs') => repeats.flatMap((r) => [r.noise.before[kernel], r.noise.after[kernel]]);
  return {
    ...about,
    repeats,
    targetSteps: [...new Set(repeats.map((r) => r.result.targetStep))],
    timesSec,
    meanSec: reached.length > 0 ? reached.reduce((a, b) => a + b, 0) / reached.length : null,
    cv: coefficientOfVariation(reached),
    cvAll: coefficientOfVariation(reachedTimes(repeats)),
    cvAtPace: coefficientOfVariation(
      repeats.flatMap((r) => {
        const t = r.result.timeToTargetSec;
        const pace = r.noise.pace?.runnerDuring?.medianMs;
        return t === null || pace === undefined || !(pace > 0) ? [] : [t / pace];
      }),
    ),
    calibrationCv: { matmul: coefficientOfVariation(readings('matmulMs')), elementwise: coefficientOfVariation(readings('elementwiseMs')) },
    flagged: repeats.flatMap((r, i) => (r.noise.reasons.length > 0 ? [{ repeat: i + 1, reasons: r.noise.reasons }] : [])),
  };
}
