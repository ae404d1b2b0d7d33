/**
 * `algobench set-targets`: the reproducible procedure behind every target, AlgoPerf's
 * (procedure `algoperf_external_tuning`). For one workload variant:
 * 1. tune the reference baselines (default: adamw) under the external-tuning ruleset:
 *    each one's trials take the quasi-random points of its published search space that
 *    `run` draws for a study (sampleHparams, study 0), under a generous budget (the
 *    workload's × `tuneBudgetFactor`), targets out of reach;
 * 2. pick the best configuration (best validation metric over its evals) and rerun it
 *    `reruns` times with fresh seeds;
 * 3. validation target = median over the reruns of their best validation metric
 *    (relaxed by `slack`); test target = the worst test metric, among reruns that
 *    reached the validation target, at the eval where each first reached it;
 * 4. runtime budget = `budgetFactor` × the median time the reruns took to reach the
 *    validation target (AlgoPerf leaves its baselines similar headroom); the step
 *    hint stays the one the tuned schedules ran with.
 * The entry keeps its provenance: the procedure, the ruleset, the SHA-256 of every
 * tuned baseline's module and search space, the seeds and every trial's outcome, the
 * hardware fingerprint and backend. A best configuration on the edge of a range of
 * its search space is flagged (a warning, and `chosen.edges`).
 *
 * `reference` is a shortcut that is NOT AlgoPerf's procedure (`reference_rerun`): it
 * skips tuning and reruns a given configuration; its entries say so.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { BackendInfo } from '../backends/select.ts';
import { AlgobenchError, setting } from '../core/errors.ts';
import type { Hardware } from '../identity/fingerprint.ts';
import { trialSeed } from '../core/rng.ts';
import { realClock, type Clock } from '../runner/clock.ts';
import { geometricEvalSchedule } from '../runner/eval_schedule.ts';
import { runTrial } from '../runner/trial.ts';
import type { TrialResult } from '../core/trial_result.ts';
import { meetsTarget } from '../runner/workload_info.ts';
import type { Hparams, Metrics, Workload } from '../spec.ts';
import type { LoadedSubmission } from '../submissions/load.ts';
import { sampleHparams } from '../tuning/search_space.ts';
import type { ReferenceConfig, TargetsBudget, TargetsEntry, TargetsFile, TargetsProcedure } from '../../workloads/targets.ts';
import { median } from '../scoring/aggregate.ts';
import { baselineIdentity, describeEdge, edgesOf, type EdgeFlag } from './provenance.ts';

export interface SetTargetsOptions {
  readonly workload: Workload;
  /** The reference baselines to tune (each needs a search_space.json). */
  readonly submissions: readonly LoadedSubmission[];
  /** Tuning trials per baseline. */
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
   * Not AlgoPerf's procedure: skip tuning and rerun this configuration (the
   * reference recorded in the targets file). The entry is labelled `reference_rerun`.
   */
  readonly reference?: { readonly submission: LoadedSubmission; readonly hparams: Hparams };
  /**
   * Relax the validation target from the median by this much (towards the worse
   * side), so that fresh seeds of the reference reach it reliably: with slack 0
   * (AlgoPerf's rule) only about half of them do. @default 0
   */
  readonly slack?: number;
  readonly clock?: Clock;
  /** Wall-clock source for the progress lines (the trial clock may be virtual in tests). */
  readonly wallClock?: () => number;
  /** One line per trial, as it ends. */
  readonly onTrial?: (line: string) => void;
  /** One line per warning (a best configuration on the edge of its search space). */
  readonly onWarning?: (line: string) => void;
}

interface EvalPoint {
  readonly step: number;
  readonly time: number;
  readonly validation: number;
  readonly test: number;
}

interface MeasuredTrial {
  /** Best validation metric over the trial's evals (NaN when none was finite). */
  readonly best: number;
  /** The trial's evals in step order. */
  readonly evals: readonly EvalPoint[];
  readonly result: TrialResult;
  readonly wallSec: number;
}

/** Two significant digits, rounded up: a budget no shorter than asked. */
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

/** One tuning trial as the provenance keeps it. */
export interface TuningTrial {
  readonly submission: string;
  readonly trial: number;
  readonly seed: number;
  readonly hparams: Hparams;
  readonly bestValidation: number | null;
  readonly status: string;
}

/** The targets, budget and reference configuration derived, with their provenance. */
export interface TargetSetting {
  readonly validation: number;
  readonly test: number;
  readonly budget: TargetsBudget;
  readonly reference: ReferenceConfig;
  readonly procedure: TargetsProcedure;
  /** Edge flags of the chosen configuration (also in the provenance). */
  readonly edges: readonly EdgeFlag[];
  readonly provenance: Readonly<Record<string, unknown>>;
}

const HPARAM_DRAW = 'sampleHparams(search space, { seed: baseSeed, study: 0, count: trials }): the points `run --seed baseSeed` gives study 0';
const TUNE_SEEDS = 'deriveSeed(baseSeed, "tune", workload, variant, trial) mod 2^31, the same for every baseline (paired)';
const RERUN_SEEDS = 'deriveSeed(baseSeed, "rerun", workload, variant, rerun) mod 2^31';

const formatHparams = (h: Hparams) => Object.entries(h).map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toPrecision(3)) : v}`).join(' ');

/**
 * One trial with the targets out of reach. Reruns (`everyGridPoint`) evaluate every
 * point of the eval grid, since their time-to-threshold sets the budget; tuning
 * trials only need their best metric and evaluate the grid's checks.
 */
async function measure(workload: Workload, submission: LoadedSubmission, hparams: Hparams, seed: number, budgetScale: number, clock: Clock, wall: () => number, everyGridPoint = false): Promise<MeasuredTrial> {
  const metric = workload.metric;
  const unreachable = metric.direction === 'max' ? Infinity : -Infinity;
  const evals: EvalPoint[] = [];
  const pick = (m: Metrics) => m[metric.name] ?? Number.NaN;
  const started = wall();
  const result = await runTrial(
    {
      workload,
      targets: { validation: unreachable, test: unreachable },
      submission: submission.submission,
      hparams,
      seed,
      budgetScale,
      ...(everyGridPoint ? { evalSchedule: geometricEvalSchedule(workload.budget.stepHint, { checkEvery: 1 }) } : {}),
    },
    {
      clock,
      observer: {
        onEval: (e) => evals.push({ step: e.step, time: e.submissionTimeSec, validation: pick(e.validation), test: pick(e.test) }),
      },
    },
  );
  evals.sort((a, b) => a.step - b.step || a.time - b.time);
  const finite = evals.map((e) => e.validation).filter(Number.isFinite);
  const best = result.status === 'error' || finite.length === 0 ? Number.NaN : metric.direction === 'max' ? Math.max(...finite) : Math.min(...finite);
  return { best, evals, result, wallSec: wall() - started };
}

export async function setTargets(o: SetTargetsOptions, env: { backend: BackendInfo; hardware: Hardware }): Promise<TargetSetting> {
  const { workload } = o;
  const metric = workload.metric;
  const tuneScale = o.tuneBudgetFactor ?? 2;
  const clock = o.clock ?? realClock;
  const wall = o.wallClock ?? (() => performance.now() / 1000);
  const ref = `${workload.name}:${workload.variant}`;
  const better = (a: number, b: number) => (metric.direction === 'max' ? a > b : a < b);
  const show = (x: number) => (Number.isFinite(x) ? String(Number(x.toPrecision(5))) : String(x));
  const outcomeLine = (t: MeasuredTrial) =>
    `best validation ${metric.name} ${show(t.best)} (${t.result.status}, ${t.result.steps} steps, wall ${t.wallSec.toFixed(1)} s)${t.result.error ? ` ${t.result.error}` : ''}`;
  const procedure: TargetsProcedure = o.reference === undefined ? 'algoperf_external_tuning' : 'reference_rerun';

  let chosen: { submission: LoadedSubmission; hparams: Hparams; best: number } | undefined;
  const tuning: TuningTrial[] = [];
  if (o.reference !== undefined) {
    chosen = { submission: o.reference.submission, hparams: o.reference.hparams, best: Number.NaN };
  } else {
    if (o.submissions.length === 0) throw new AlgobenchError('E_USAGE', `set-targets: no reference baseline to tune; pass ${setting('submissions')}`);
    const plans = o.submissions.map((submission) => {
      if (submission.searchSpace === undefined) {
        throw new AlgobenchError(
          'E_SEARCH_SPACE',
          `set-targets: reference baseline "${submission.name}" has no search_space.json beside ${submission.modulePath}; the external-tuning ruleset tunes over one`,
        );
      }
      return { submission, points: sampleHparams(submission.searchSpace, { seed: o.seed, study: 0, count: o.trials }) };
    });
    const total = o.submissions.length * o.trials;
    let index = 0;
    for (const { submission, points } of plans) {
      for (const [i, hparams] of points.entries()) {
        const seed = trialSeed(o.seed, 'tune', workload.name, workload.variant, i);
        const outcome = await measure(workload, submission, hparams, seed, tuneScale, clock, wall);
        tuning.push({
          submission: submission.name, trial: i, seed, hparams,
          bestValidation: Number.isFinite(outcome.best) ? outcome.best : null, status: outcome.result.status,
        });
        o.onTrial?.(`[tune ${++index}/${total}] ${ref} ${submission.name} trial ${i} (seed ${seed}) ${formatHparams(hparams)}: ${outcomeLine(outcome)}`);
        if (Number.isFinite(outcome.best) && (chosen === undefined || better(outcome.best, chosen.best))) chosen = { submission, hparams, best: outcome.best };
      }
    }
  }
  if (chosen === undefined) throw new AlgobenchError('E_TARGETS', `set-targets: no tuning trial of ${ref} produced a finite metric`);
  const chosenConfig = chosen;

  const edges = edgesOf(chosenConfig.submission.searchSpace, chosenConfig.hparams);
  for (const flag of edges) o.onWarning?.(`${ref}: ${describeEdge(chosenConfig.submission.name, flag)}`);

  const reruns: Array<{ seed: number } & MeasuredTrial> = [];
  for (let k = 0; k < o.reruns; k++) {
    const seed = trialSeed(o.seed, 'rerun', workload.name, workload.variant, k);
    const outcome = await measure(workload, chosenConfig.submission, chosenConfig.hparams, seed, tuneScale, clock, wall, true);
    reruns.push({ seed, ...outcome });
    o.onTrial?.(`[rerun ${k + 1}/${o.reruns}] ${ref} ${chosenConfig.submission.name} (seed ${seed}): ${outcomeLine(outcome)}`);
  }
  const slack = o.slack ?? 0;
  const direction = metric.direction;
  // A rerun without a finite metric counts as the worst one.
  const worst = direction === 'max' ? -Infinity : Infinity;
  const bests = reruns.map((r) => (Number.isFinite(r.best) ? r.best : worst));
  const medianBest = median(bests);
  if (!Number.isFinite(medianBest)) {
    throw new AlgobenchError('E_TARGETS', `set-targets: fewer than half of the reruns of ${ref} produced a finite metric; no target can be set`);
  }
  const validation = roundTarget(direction === 'max' ? medianBest - slack : medianBest + slack, direction);
  const firstHits = reruns.map((r) => r.evals.find((e) => meetsTarget(e.validation, validation, metric)));
  const hits = firstHits.filter((e): e is EvalPoint => e !== undefined);
  const tests = hits.map((h) => h.test);
  const test = roundTarget(direction === 'max' ? Math.min(...tests) : Math.max(...tests), direction);
  const budgetFactor = o.budgetFactor ?? 3;
  const minBudgetSec = o.minBudgetSec ?? 10;
  const maxRuntimeSec = Math.max(minBudgetSec, roundUp2(budgetFactor * median(hits.map((h) => h.time))));
  const budget: TargetsBudget = { maxRuntimeSec, stepHint: workload.budget.stepHint };
  const baselines = (o.reference !== undefined ? [o.reference.submission] : o.submissions).map(baselineIdentity);

  return {
    validation,
    test,
    budget,
    reference: { submission: chosenConfig.submission.name, hparams: chosenConfig.hparams as ReferenceConfig['hparams'] },
    procedure,
    edges,
    provenance: {
      procedure,
      description: procedure === 'algoperf_external_tuning'
        ? "AlgoPerf's target setting: the reference baselines tuned over their search spaces under the external-tuning ruleset, the best configuration rerun with fresh seeds (algobench set-targets, harness/targets/set_targets.ts)"
        : 'NOT AlgoPerf\'s procedure: the reference configuration recorded in the targets file rerun with fresh seeds, nothing tuned (algobench set-targets --reference)',
      ruleset: 'external',
      date: new Date().toISOString(),
      hardware: env.hardware.fingerprint,
      backend: `${env.backend.name} ${env.backend.version}`,
      baseSeed: o.seed,
      baselines,
      tuning: o.reference !== undefined
        ? { skipped: 'reran the reference configuration recorded in the targets file' }
        : { trialsPerBaseline: o.trials, budgetFactor: tuneScale, hparams: HPARAM_DRAW, seeds: TUNE_SEEDS, trials: tuning },
      chosen: {
        submission: chosenConfig.submission.name,
        hparams: chosenConfig.hparams,
        ...(o.reference === undefined ? { tuningBestValidation: chosenConfig.best } : {}),
        edges,
      },
      reruns: {
        count: o.reruns,
        budgetFactor: tuneScale,
        seeds: RERUN_SEEDS,
        runs: reruns.map((r, k) => ({
          seed: r.seed, bestValidation: Number.isFinite(r.best) ? r.best : null, status: r.result.status,
          timeToTargetSec: firstHits[k]?.time ?? null, targetStep: firstHits[k]?.step ?? null,
        })),
      },
      validationRule: slack === 0 ? 'median of the reruns\' best validation metric' : `median of the reruns' best validation metric (${medianBest}) relaxed by ${slack}`,
      testRule: 'the worst test metric of the reruns that met the validation target, at the eval where each first met it',
      budgetRule: `at least ${minBudgetSec} s, else ${budgetFactor} × median rerun time-to-target (${hits.length}/${reruns.length} reruns reached it, at the runner's default evals), 2 significant digits up; step hint unchanged (the tuned schedules ran with it)`,
      rounding: 'targets to 4 significant digits towards the easier side',
    },
  };
}

/** The targets file entry of a setting, written at file version `version` (absent: not written). */
export function targetsEntry(setting: TargetSetting, version?: number): TargetsEntry {
  return {
    validation: setting.validation,
    test: setting.test,
    procedure: setting.procedure,
    ...(version === undefined ? {} : { targetsVersion: version }),
    budget: setting.budget,
    reference: setting.reference,
    provenance: setting.provenance,
  };
}

/**
 * Writes one variant's setting into a targets file (atomically) and bumps the file's
 * version; the entry records that version as `targetsVersion`. Reads `from` (the
 * committed file, or an earlier --out) and writes `to` (the same file by default).
 */
export function writeTargets(from: string, workload: string, variant: string, setting: TargetSetting, to = from): TargetsFile {
  const file = JSON.parse(readFileSync(from, 'utf8')) as TargetsFile;
  const version = file.version + 1;
  const entry = targetsEntry(setting, version);
  const next: TargetsFile = {
    version,
    workloads: { ...file.workloads, [workload]: { ...file.workloads[workload], [variant]: entry } },
  };
  writeFileSync(`${to}.tmp`, `${JSON.stringify(next, null, 2)}\n`);
  renameSync(`${to}.tmp`, to);
  return next;
}
