/**
 * `algobench bench --isolation`: what running each trial in a process of its own
 * costs, and whether it touches the timed step. Alternates, round by round, the same
 * trial (one seed, one configuration, no evals, a fixed budget) run in this process
 * and in a sandboxed process of its own; optionally each isolated round also runs
 * hostile submissions first and the same trial right after them. Reports steps per
 * second of submission time for each arm (their ratio is the timed step's change),
 * and the process boundary's cost: spawn to first step, and teardown.
 */
import { formatWorkloadRef } from '../core/workload_ref.ts';
import { noEvalSchedule } from '../runner/eval_schedule.ts';
import { realClock } from '../runner/clock.ts';
import { runTrial } from '../runner/trial.ts';
import type { TrialResult } from '../core/trial_result.ts';
import { runTrialIsolated, type BoundaryCost } from '../runner/isolated/run_isolated.ts';
import type { BackendChoice } from '../backends/select.ts';
import type { Targets, Workload } from '../spec.ts';
import type { LoadedSubmission } from '../submissions/load.ts';

export interface IsolationSample {
  readonly arm: 'inline' | 'process' | 'after_hostile';
  readonly round: number;
  readonly steps: number;
  readonly submissionTimeSec: number;
  readonly stepsPerSec: number;
  readonly boundary?: BoundaryCost;
  /** For after_hostile: the hostile trial that ran just before, and how it ended. */
  readonly after?: { readonly modulePath: string; readonly status: TrialResult['status'] };
}

export interface IsolationReport {
  readonly workload: string;
  readonly budgetSec: number;
  readonly samples: readonly IsolationSample[];
  readonly medianStepsPerSec: Readonly<Record<IsolationSample['arm'], number | null>>;
  readonly medianBoundaryStartSec: number | null;
  readonly medianBoundaryStopSec: number | null;
}

const median = (xs: readonly number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export async function isolationCost(
  workload: Workload,
  targets: Targets,
  submission: LoadedSubmission,
  hparams: Record<string, number | string | boolean>,
  options: { rounds: number; seed: number; budgetSec: number; backend: BackendChoice; hostile?: readonly string[]; onSample?: (s: IsolationSample) => void },
): Promise<IsolationReport> {
  await workload.load();
  // Targets no trial meets: every arm trains for the whole budget.
  const unreachable: Targets = workload.metric.direction === 'max' ? { validation: Infinity, test: Infinity } : { validation: -Infinity, test: -Infinity };
  void targets;
  const budgetScale = options.budgetSec / workload.budget.maxRuntimeSec;
  const samples: IsolationSample[] = [];
  const push = (s: IsolationSample) => {
    samples.push(s);
    options.onSample?.(s);
  };
  const sample = (arm: IsolationSample['arm'], round: number, r: TrialResult & { boundary?: BoundaryCost }, after?: IsolationSample['after']): IsolationSample => ({
    arm, round, steps: r.steps, submissionTimeSec: r.submissionTimeSec, stepsPerSec: r.steps / r.submissionTimeSec,
    ...(r.boundary === undefined ? {} : { boundary: r.boundary }), ...(after === undefined ? {} : { after }),
  });
  const isolated = (modulePath: string) =>
    runTrialIsolated({ workload, targets: unreachable, modulePath, hparams: modulePath === submission.modulePath ? hparams : {}, seed: options.seed, budgetScale, backend: options.backend, evalSchedule: { kind: 'none' }, limits: { stallSec: 15, graceSec: 15, memoryCapBytes: 2 * 1024 ** 3 } });
  for (let round = 0; round < options.rounds; round++) {
    const inline = await runTrial({ workload, targets: unreachable, submission: submission.submission, hparams, seed: options.seed, budgetScale, evalSchedule: noEvalSchedule }, { clock: realClock });
    push(sample('inline', round, inline));
    push(sample('process', round, await isolated(submission.modulePath)));
    for (const hostile of options.hostile ?? []) {
      const h = await isolated(hostile);
      push(sample('after_hostile', round, await isolated(submission.modulePath), { modulePath: hostile, status: h.status }));
    }
  }
  const perArm = (arm: IsolationSample['arm']) => median(samples.filter((s) => s.arm === arm).map((s) => s.stepsPerSec));
  const boundaries = samples.flatMap((s) => (s.boundary === undefined ? [] : [s.boundary]));
  return {
    workload: formatWorkloadRef(workload),
    budgetSec: options.budgetSec,
    samples,
    medianStepsPerSec: { inline: perArm('inline'), process: perArm('process'), after_hostile: perArm('after_hostile') },
    medianBoundaryStartSec: median(boundaries.map((b) => b.startSec)),
    medianBoundaryStopSec: median(boundaries.map((b) => b.stopSec)),
  };
}
