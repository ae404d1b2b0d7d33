/**
 * `algobench bench --repeat N`: is time-to-target repeatable on this machine? Runs one
 * seed and one configuration (each workload's reference, from the targets file) N
 * times on the real clock and reports, per workload, the step at which the target was
 * met in each repeat (the same every time when the trajectory is deterministic), the
 * time-to-target of each, their coefficient of variation, the eval cost, and which
 * repeats were flagged noisy. Timing lives here, in a benchmark, never in a test.
 */
import { formatWorkloadRef } from '../core/workload_ref.ts';
import { measureNoise, type TrialNoise } from '../identity/calibration.ts';
import { realClock } from '../runner/clock.ts';
import { runTrial } from '../runner/trial.ts';
import type { TrialResult } from '../core/trial_result.ts';
import type { Targets, Workload } from '../spec.ts';
import type { LoadedSubmission } from '../submissions/load.ts';

export interface RepeatRow {
  readonly workload: string;
  readonly submission: string;
  readonly seed: number;
  readonly repeats: ReadonlyArray<{ readonly result: TrialResult; readonly noise: TrialNoise; readonly wallSec: number }>;
  /** The distinct target steps (one value when every repeat met the target at the same step). */
  readonly targetSteps: readonly (number | null)[];
  readonly meanSec: number | null;
  /** Sample standard deviation / mean of time-to-target over the repeats that reached it. */
  readonly cv: number | null;
}

export async function repeatTrial(
  workload: Workload,
  targets: Targets,
  submission: LoadedSubmission,
  hparams: Record<string, number | string | boolean>,
  options: { repeats: number; seed: number; onRepeat?: (i: number, r: TrialResult, noise: TrialNoise) => void },
): Promise<RepeatRow> {
  await workload.load();
  const repeats: Array<{ result: TrialResult; noise: TrialNoise; wallSec: number }> = [];
  for (let i = 0; i < options.repeats; i++) {
    const t0 = performance.now();
    const { value: result, noise } = await measureNoise(() =>
      runTrial({ workload, targets, submission: submission.submission, hparams, seed: options.seed, budgetScale: 1 }, { clock: realClock }),
    );
    repeats.push({ result, noise, wallSec: (performance.now() - t0) / 1000 });
    options.onRepeat?.(i, result, noise);
  }
  const times = repeats.flatMap((r) => (r.result.timeToTargetSec === null ? [] : [r.result.timeToTargetSec]));
  const mean = times.length > 0 ? times.reduce((a, b) => a + b, 0) / times.length : null;
  const sd = mean !== null && times.length > 1 ? Math.sqrt(times.reduce((a, t) => a + (t - mean) ** 2, 0) / (times.length - 1)) : null;
  return {
    workload: formatWorkloadRef(workload),
    submission: submission.name,
    seed: options.seed,
    repeats,
    targetSteps: [...new Set(repeats.map((r) => r.result.targetStep))],
    meanSec: mean,
    cv: mean !== null && sd !== null ? sd / mean : null,
  };
}
