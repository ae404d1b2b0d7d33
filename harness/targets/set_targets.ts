/**
 * `algobench set-targets`: the reproducible procedure behind every target, after
 * AlgoPerf's. For one workload variant:
 * 1. tune the reference baselines with N quasi-random trials each, under a generous
 *    budget (the workload's × `tuneBudgetFactor`), targets out of reach;
 * 2. rerun the best configuration (highest best-validation metric) K times with
 *    fresh seeds;
 * 3. validation target = median over the reruns of their best validation metric;
 *    test target = the worst test metric, among reruns that reached the validation
 *    target, at the eval where each first reached it;
 * 4. runtime budget = `budgetFactor` × the median time the reruns took to reach the
 *    validation target (AlgoPerf leaves its baselines similar headroom).
 * The result goes into the targets file with its provenance: hardware fingerprint,
 * backend, date, seeds, configuration and every measured value.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { BackendInfo } from '../backends/select.ts';
import type { Hardware } from '../fingerprint.ts';
import { deriveSeed } from '../rng.ts';
import { realClock, type Clock } from '../runner/clock.ts';
import { runTrial } from '../runner/trial.ts';
import { meetsTarget } from '../runner/workload_info.ts';
import type { Budget, Hparams, Metrics, Workload } from '../spec.ts';
import type { LoadedSubmission } from '../submissions.ts';
import { sampleHparams } from '../tuning/search_space.ts';
import type { ReferenceConfig, TargetsEntry, TargetsFile } from '../../workloads/targets.ts';
import { median } from '../scoring/aggregate.ts';

export interface SetTargetsOptions {
  readonly workload: Workload;
  readonly submissions: readonly LoadedSubmission[];
  /** Tuning trials per submission. */
  readonly trials: number;
  /** Reruns of the best configuration. */
  readonly reruns: number;
  readonly seed: number;
  /** Budget of tuning and reruns, as a multiple of the workload's. @default 2 */
  readonly tuneBudgetFactor?: number;
  /** Derived budget = factor × median rerun time-to-target. @default 3 */
  readonly budgetFactor?: number;
  /**
   * The derived budget is at least this many seconds: in a shorter one, first-step
   * warm-up and pauses of the runtime weigh as much as the algorithm. @default 10
   */
  readonly minBudgetSec?: number;
  /**
   * Skip tuning and rerun this configuration (the reference recorded in the targets
   * file). The step hint is then kept: it is part of the configuration's schedule.
   */
  readonly reference?: { readonly submission: LoadedSubmission; readonly hparams: Hparams };
  /**
   * Relax the validation target from the median by this much (towards the worse
   * side), so that fresh seeds of the reference reach it reliably: with slack 0
   * (AlgoPerf's rule) only about half of them do. @default 0
   */
  readonly slack?: number;
  readonly clock?: Clock;
  readonly onTrial?: (line: string) => void;
}

interface TrialOutcome {
  readonly best: number;
  /** Submission time and test metric at the first eval meeting `threshold`, if any. */
  readonly evals: ReadonlyArray<{ time: number; validation: number; test: number }>;
  /** Mean wall seconds of one eval (validation and test splits). */
  readonly evalSec: number;
}

/** Evals per (tuning) budget during target setting: time-to-target is only as fine as they are. */
export const SETTING_EVALS_PER_BUDGET = 40;
/** The derived eval period aims at this many evals per budget… */
export const EVALS_PER_BUDGET = 20;
/** …unless evals would then cost more than this share of the submission time. */
export const MAX_EVAL_SHARE = 0.1;

/** Two significant digits, rounded up: a period or budget no shorter than asked. */
export function roundUp2(x: number): number {
  const scale = 10 ** (Math.floor(Math.log10(x)) - 1);
  return Number((Math.ceil(x / scale - 1e-9) * scale).toPrecision(2));
}

/** Four significant digits, rounded towards the easier side of the metric. */
export function roundTarget(x: number, direction: 'min' | 'max'): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const scale = 10 ** (Math.floor(Math.log10(Math.abs(x))) - 3);
  const steps = direction === 'max' ? Math.floor(x / scale + 1e-9) : Math.ceil(x / scale - 1e-9);
  return Number((steps * scale).toPrecision(4));
}

/** The configuration chosen by tuning and the measured reruns. */
export interface TargetSetting {
  readonly validation: number;
  readonly test: number;
  readonly budget: Budget;
  readonly reference: ReferenceConfig;
  readonly provenance: Readonly<Record<string, unknown>>;
}


async function measure(workload: Workload, submission: LoadedSubmission, hparams: Hparams, seed: number, budgetScale: number, clock: Clock): Promise<TrialOutcome> {
  const metric = workload.metric;
  const unreachable = metric.direction === 'max' ? Infinity : -Infinity;
  const evals: Array<{ time: number; validation: number; test: number }> = [];
  let evalSec = 0;
  const pick = (m: Metrics) => m[metric.name] ?? Number.NaN;
  const result = await runTrial(
    { workload, targets: { validation: unreachable, test: unreachable }, submission: submission.submission, hparams, seed, budgetScale },
    {
      clock,
      observer: {
        onEval: (e) => {
          evals.push({ time: e.submissionTimeSec, validation: pick(e.validation), test: pick(e.test) });
          evalSec += e.evalTimeSec;
        },
      },
    },
  );
  const finite = evals.map((e) => e.validation).filter(Number.isFinite);
  const best = result.status === 'error' || finite.length === 0 ? Number.NaN : metric.direction === 'max' ? Math.max(...finite) : Math.min(...finite);
  return { best, evals, evalSec: evals.length > 0 ? evalSec / evals.length : 0 };
}

export async function setTargets(o: SetTargetsOptions, env: { backend: BackendInfo; hardware: Hardware }): Promise<TargetSetting> {
  const tuneScale = o.tuneBudgetFactor ?? 2;
  // Frequent evals while setting targets, so that time-to-target (and the budget
  // derived from it) is not rounded up to the workload's eval period.
  const fineEvalPeriod = Math.min(o.workload.budget.evalPeriodSec, (o.workload.budget.maxRuntimeSec * tuneScale) / SETTING_EVALS_PER_BUDGET);
  const workload: Workload = { ...o.workload, budget: { ...o.workload.budget, evalPeriodSec: fineEvalPeriod } };
  const clock = o.clock ?? realClock;
  const better = (a: number, b: number) => (workload.metric.direction === 'max' ? a > b : a < b);
  let chosen: { submission: LoadedSubmission; hparams: Hparams; best: number } | undefined;
  const tuning: Array<{ submission: string; hparams: Hparams; best: number }> = [];
  if (o.reference !== undefined) {
    chosen = { submission: o.reference.submission, hparams: o.reference.hparams, best: Number.NaN };
  } else {
    for (const submission of o.submissions) {
      const points = submission.searchSpace === undefined
        ? [{}]
        : sampleHparams(submission.searchSpace, { seed: o.seed, study: 0, count: o.trials });
      for (const [i, hparams] of points.entries()) {
        const seed = deriveSeed(o.seed, 'tune', workload.name, workload.variant, i) % 2 ** 31;
        const { best } = await measure(workload, submission, hparams, seed, tuneScale, clock);
        tuning.push({ submission: submission.name, hparams, best });
        o.onTrial?.(`tune ${submission.name} #${i}: best validation ${workload.metric.name} ${best}`);
        if (Number.isFinite(best) && (chosen === undefined || better(best, chosen.best))) chosen = { submission, hparams, best };
      }
    }
  }
  if (chosen === undefined) throw new Error(`set-targets: no tuning trial of ${workload.name}:${workload.variant} produced a finite metric`);

  const reruns: Array<{ seed: number } & TrialOutcome> = [];
  for (let k = 0; k < o.reruns; k++) {
    const seed = deriveSeed(o.seed, 'rerun', workload.name, workload.variant, k) % 2 ** 31;
    const outcome = await measure(workload, chosen.submission, chosen.hparams, seed, tuneScale, clock);
    reruns.push({ seed, ...outcome });
    o.onTrial?.(`rerun ${k} (seed ${seed}): best validation ${workload.metric.name} ${outcome.best}`);
  }
  const slack = o.slack ?? 0;
  const direction = workload.metric.direction;
  const medianBest = median(reruns.map((r) => r.best));
  const validation = roundTarget(direction === 'max' ? medianBest - slack : medianBest + slack, direction);
  const hits = reruns
    .map((r) => r.evals.find((e) => meetsTarget(e.validation, validation, workload.metric)))
    .filter((e): e is { time: number; validation: number; test: number } => e !== undefined);
  const tests = hits.map((h) => h.test);
  const test = roundTarget(direction === 'max' ? Math.min(...tests) : Math.max(...tests), direction);
  const budgetFactor = o.budgetFactor ?? 3;
  const minBudgetSec = o.minBudgetSec ?? 10;
  const maxRuntimeSec = Math.max(minBudgetSec, roundUp2(budgetFactor * median(hits.map((h) => h.time))));
  const evalSec = median(reruns.map((r) => r.evalSec));
  const budget: Budget = {
    maxRuntimeSec,
    stepHint: o.reference !== undefined
      ? o.workload.budget.stepHint
      : Math.round((o.workload.budget.stepHint * maxRuntimeSec) / o.workload.budget.maxRuntimeSec),
    evalPeriodSec: roundUp2(Math.max(maxRuntimeSec / EVALS_PER_BUDGET, evalSec / MAX_EVAL_SHARE)),
  };
  return {
    validation,
    test,
    budget,
    reference: { submission: chosen.submission.name, hparams: chosen.hparams as ReferenceConfig['hparams'] },
    provenance: {
      procedure: 'algobench set-targets: tune reference baselines, rerun the best configuration, median/worst rules (harness/targets/set_targets.ts)',
      date: new Date().toISOString(),
      hardware: env.hardware.fingerprint,
      backend: `${env.backend.name} ${env.backend.version}`,
      baseSeed: o.seed,
      tuning: o.reference !== undefined
        ? { skipped: 'reran the reference configuration recorded in the targets file', budgetFactor: tuneScale }
        : { trialsPerSubmission: o.trials, budgetFactor: tuneScale, trials: tuning },
      validationRule: slack === 0 ? 'median of the reruns\' best validation metric' : `median of the reruns' best validation metric (${medianBest}) relaxed by ${slack}`,
      chosen: { submission: chosen.submission.name, hparams: chosen.hparams },
      reruns: reruns.map((r) => ({ seed: r.seed, bestValidation: r.best })),
      budgetRule: `at least ${minBudgetSec} s, else ${budgetFactor} × median rerun time-to-target (${hits.length}/${reruns.length} reruns reached it, evals every ${roundUp2(fineEvalPeriod)} s), 2 significant digits up; eval period: budget/${EVALS_PER_BUDGET}, or longer so that an eval (median ${evalSec.toFixed(3)} s) costs at most ${MAX_EVAL_SHARE * 100} % of it`,
      rounding: 'targets to 4 significant digits towards the easier side',
    },
  };
}

/** Writes one variant's setting into the targets file (atomically) and bumps its version. */
export function writeTargets(path: string, workload: string, variant: string, setting: TargetSetting): TargetsFile {
  const file = JSON.parse(readFileSync(path, 'utf8')) as TargetsFile;
  const entry: TargetsEntry = {
    validation: setting.validation, test: setting.test, budget: setting.budget, reference: setting.reference, provenance: setting.provenance,
  };
  const next: TargetsFile = {
    version: file.version + 1,
    workloads: { ...file.workloads, [workload]: { ...file.workloads[workload], [variant]: entry } },
  };
  writeFileSync(`${path}.tmp`, `${JSON.stringify(next, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
  return next;
}
