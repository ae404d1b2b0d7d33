/**
 * A benchmark run: the grid of workloads × submissions × studies × trials, each trial
 * run by the trial runner and written to the store. Everything the user typed is
 * checked before the store is opened, so bad input leaves nothing half-written; a
 * failing trial is recorded and the grid goes on; a re-run of the same command skips
 * the trials that finished and re-runs those that were cut off.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AlgobenchError } from './errors.ts';
import { readHardware, type Hardware } from './fingerprint.ts';
import { type BackendChoice, type BackendInfo, selectBackend } from './backends/select.ts';
import { deriveSeed } from './rng.ts';
import { fileHash, jsonHash, sourceHash, workloadEntry } from './identity/code_hash.ts';
import { busyWarning, measureNoise } from './runner/calibration.ts';
import { realClock, type Clock } from './runner/clock.ts';
import { disposeAll } from './runner/tensors.ts';
import { type EvalRecord, lossAndGrads, runTrial, type StepProgress, type TrialResult } from './runner/trial.ts';
import type { Hparams, Ruleset, Targets, Workload } from './spec.ts';
import { Store } from './store/store.ts';
import type { TrialCode } from './store/rows.ts';
import { loadSubmission, searchSpacePath, type LoadedSubmission } from './submissions.ts';
import { sampleHparams } from './tuning/search_space.ts';
import { expandWorkloadRefs, getWorkload } from '../workloads/registry.ts';
import { getTargets } from '../workloads/targets.ts';

/** AlgoPerf's self-tuning ruleset grants 1.5× the external-tuning budget. */
export const SELF_TUNING_BUDGET_SCALE = 1.5;

export interface BenchmarkOptions {
  readonly workloads: readonly string[];
  readonly submissions: readonly string[];
  readonly ruleset: Ruleset;
  readonly studies: number;
  readonly trials: number;
  readonly seed: number;
  readonly dbPath: string;
  readonly backend: BackendChoice;
  readonly selfTuningBudgetScale?: number;
  /**
   * Multiplies every budget, for smoke tests and quick looks. Trials keep the scale
   * and leaderboards never rank a scaled run with a full one. @default 1
   */
  readonly budgetScale?: number;
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
}

/** One cell of the grid, fully resolved before anything runs. */
export interface PlannedTrial {
  readonly workload: Workload;
  readonly targets: Targets & { version: number };
  readonly submission: LoadedSubmission;
  readonly study: number;
  readonly trial: number;
  readonly seed: number;
  readonly hparams: Hparams;
  /** The trial's runtime budget: the workload's, times the ruleset's and the run's scale. */
  readonly budgetSec: number;
  /** What produces the trial; `codeKey` hashes it all and is part of the trial's key. */
  readonly code: TrialCode & { readonly codeKey: string };
}

/** What the progress display hears about; all of it happens off the clock. */
export interface BenchmarkListener {
  onStart?(info: { backend: BackendInfo; hardware: Hardware; total: number; dbPath: string }): void;
  onTrialStart?(index: number, planned: PlannedTrial, skipped: boolean): void;
  onStep?(progress: StepProgress): void;
  onEval?(record: EvalRecord): void;
  onTrialEnd?(index: number, planned: PlannedTrial, result: TrialResult): void;
  /** Something the user should know that does not stop the run (one line). */
  onWarning?(message: string): void;
}

export interface BenchmarkSummary {
  readonly runId: number;
  readonly backend: BackendInfo;
  readonly hardware: Hardware;
  readonly ran: number;
  readonly skipped: number;
  readonly interrupted: boolean;
  readonly results: ReadonlyArray<{ planned: PlannedTrial; result: TrialResult }>;
}

function positiveInt(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new AlgobenchError('E_USAGE', `--${name} must be a positive integer (got ${value})`);
  }
}

/** Resolves every workload, target, submission and hyperparameter point, or throws. */
export async function planBenchmark(options: BenchmarkOptions): Promise<PlannedTrial[]> {
  positiveInt('studies', options.studies);
  positiveInt('trials', options.trials);
  if (options.budgetScale !== undefined && !(options.budgetScale > 0)) {
    throw new AlgobenchError('E_USAGE', `--budget-scale must be a positive number (got ${options.budgetScale})`);
  }
  if (!Number.isSafeInteger(options.seed) || options.seed < 0) {
    throw new AlgobenchError('E_USAGE', `--seed must be a non-negative integer (got ${options.seed})`);
  }
  if (options.workloads.length === 0) throw new AlgobenchError('E_USAGE', 'no workload given; pass --workload NAME[:VARIANT]');
  if (options.submissions.length === 0) throw new AlgobenchError('E_USAGE', 'no submission given; pass --submission NAME|PATH');
  const workloads = expandWorkloadRefs(options.workloads).map((ref) => {
    const workload = getWorkload(ref);
    return { workload, targets: getTargets(workload.name, workload.variant) };
  });
  const submissions: LoadedSubmission[] = [];
  for (const ref of options.submissions) submissions.push(await loadSubmission(ref));
  const plan: PlannedTrial[] = [];
  const budgetScale = trialBudgetScale(options);
  const algobenchVersion = versionOfAlgobench();
  const workloadHashes = new Map<string, string>();
  for (const { workload, targets } of workloads) {
    if (!workloadHashes.has(workload.name)) workloadHashes.set(workload.name, sourceHash(workloadEntry(workload.name)));
    for (const submission of submissions) {
      const spacePath = searchSpacePath(submission.modulePath);
      const partial: TrialCode = {
        submissionHash: sourceHash(submission.modulePath),
        searchSpaceHash: options.ruleset === 'external' && existsSync(spacePath) ? fileHash(spacePath) : null,
        workloadHash: workloadHashes.get(workload.name)!,
        targetsHash: jsonHash({ targets, budget: workload.budget }),
        algobenchVersion,
      };
      // The algobench version is recorded, not keyed: the harness's own changes are
      // covered by its tests, and keying on it would discard every result at each commit.
      const { algobenchVersion: _recorded, ...keyed } = partial;
      const code = { ...partial, codeKey: jsonHash(keyed).slice(0, 16) };
      for (let study = 0; study < options.studies; study++) {
        const points = hparamsFor(submission, options, study);
        for (let trial = 0; trial < options.trials; trial++) {
          // The seed does not depend on the submission: every submission gets the same
          // initialisations and data orders, which makes trials paired across them.
          const seed = deriveSeed(options.seed, workload.name, workload.variant, study, trial) % 2 ** 31;
          const budgetSec = workload.budget.maxRuntimeSec * budgetScale;
          plan.push({ workload, targets, submission, study, trial, seed, hparams: points[trial] ?? {}, budgetSec, code });
        }
      }
    }
  }
  return plan;
}

/** The ruleset's budget multiplier times the run's own. */
function trialBudgetScale(options: BenchmarkOptions): number {
  const ruleset = options.ruleset === 'self' ? (options.selfTuningBudgetScale ?? SELF_TUNING_BUDGET_SCALE) : 1;
  return ruleset * (options.budgetScale ?? 1);
}

function hparamsFor(submission: LoadedSubmission, options: BenchmarkOptions, study: number): Hparams[] {
  if (options.ruleset === 'self') return Array.from({ length: options.trials }, () => ({}));
  if (submission.searchSpace === undefined) {
    throw new AlgobenchError(
      'E_SEARCH_SPACE',
      `submission "${submission.name}" has no search_space.json beside ${submission.modulePath}; add one or run it with --ruleset self`,
    );
  }
  return sampleHparams(submission.searchSpace, { seed: options.seed, study, count: options.trials });
}

/** One training step of each workload on a tiny batch: can this backend train them? */
function trainingProbe(workloads: readonly Workload[]): () => Promise<boolean> {
  return async () => {
    for (const w of workloads) {
      // Loads (and caches) the data on the backend being probed, which is the one
      // the trials will use when the probe passes.
      await w.load();
      const init = w.initParams(0);
      const batch = w.getBatch(Int32Array.from([0, 1]));
      try {
        const { loss, grads } = lossAndGrads(w, init.params, batch);
        loss.dataSync();
        disposeAll([loss, grads]);
      } finally {
        disposeAll([init.params, batch]);
      }
    }
    return true;
  };
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The package version, and the git commit of a clone (`-dirty` with local changes). */
function versionOfAlgobench(): string {
  const root = fileURLToPath(new URL('..', import.meta.url));
  try {
    const commit = execFileSync('git', ['-C', root, 'describe', '--always', '--dirty', '--abbrev=12'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return `${packageVersion()}+${commit}`;
  } catch {
    return packageVersion();
  }
}

export async function runBenchmark(
  options: BenchmarkOptions,
  listener: BenchmarkListener = {},
  command = 'run',
): Promise<BenchmarkSummary> {
  const plan = await planBenchmark(options);
  Store.assertUsable(options.dbPath);
  const distinct = [...new Set(plan.map((p) => p.workload))];
  const backend = await selectBackend(options.backend, trainingProbe(distinct));
  const hardware = await readHardware(backend);
  const store = Store.open(options.dbPath);
  const results: Array<{ planned: PlannedTrial; result: TrialResult }> = [];
  let ran = 0;
  let skipped = 0;
  let interrupted = false;
  let runId = 0;
  try {
    const hardwareId = store.hardwareId(hardware);
    runId = store.startRun(hardwareId, command, packageVersion());
    listener.onStart?.({ backend, hardware, total: plan.length, dbPath: store.path });
    const busy = await busyWarning();
    if (busy !== undefined) listener.onWarning?.(busy);
    const unreadWarned = new Set<string>();
    const extraScale = options.budgetScale ?? 1;
    const budgetScale = trialBudgetScale(options);
    for (const [index, planned] of plan.entries()) {
      const key = {
        hardwareId,
        workload: planned.workload.name,
        variant: planned.workload.variant,
        submission: planned.submission.name,
        ruleset: options.ruleset,
        budgetScale: extraScale,
        baseSeed: options.seed,
        study: planned.study,
        trial: planned.trial,
        codeKey: planned.code.codeKey,
      };
      if (store.finishedTrial(key) !== undefined) {
        skipped += 1;
        listener.onTrialStart?.(index, planned, true);
        continue;
      }
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
      const older = store.finishedByOtherCode(key);
      if (older !== undefined) listener.onWarning?.(changedCodeMessage(planned, older));
      listener.onTrialStart?.(index, planned, false);
      const trialId = store.startTrial({
        ...key,
        runId,
        seed: planned.seed,
        hparams: planned.hparams,
        targetValidation: planned.targets.validation,
        targetTest: planned.targets.test,
        targetsVersion: planned.targets.version,
        metric: planned.workload.metric.name,
        metricDirection: planned.workload.metric.direction,
        budgetSec: planned.budgetSec,
        budgetScale: extraScale,
        backend: backend.name,
        backendVersion: backend.version,
        ...planned.code,
      });
      const spaceKeys = Object.keys(planned.hparams);
      const { value: result, noise } = await measureNoise(() => runTrial(
        {
          hparamTracking: { strict: options.ruleset === 'external', spaceKeys },
          workload: planned.workload,
          targets: planned.targets,
          submission: planned.submission.submission,
          hparams: planned.hparams,
          seed: planned.seed,
          budgetScale,
        },
        {
          clock: options.clock ?? realClock,
          ...(options.signal === undefined ? {} : { signal: options.signal }),
          observer: {
            onEval: (record) => {
              store.recordEval(trialId, record);
              listener.onEval?.(record);
            },
            onStep: (progress) => listener.onStep?.(progress),
          },
        },
      ));
      store.finishTrial(trialId, { ...result, noise });
      const unread = spaceKeys.filter((k) => result.hparamsRead !== undefined && !result.hparamsRead.includes(k));
      if (unread.length > 0 && result.status !== 'error' && !unreadWarned.has(planned.submission.name)) {
        unreadWarned.add(planned.submission.name);
        listener.onWarning?.(
          `submission "${planned.submission.name}" never read search-space key${unread.length > 1 ? 's' : ''} ${unread.map((k) => `"${k}"`).join(', ')}: tuning ${unread.length > 1 ? 'them' : 'it'} changes nothing; fix the name in the submission or remove ${unread.length > 1 ? 'them' : 'it'} from search_space.json`,
        );
      }
      if (noise.reasons.length > 0) listener.onWarning?.(`trial flagged noisy: ${noise.reasons.join('; ')}`);
      ran += 1;
      results.push({ planned, result });
      listener.onTrialEnd?.(index, planned, result);
      if (result.status === 'interrupted') {
        interrupted = true;
        break;
      }
    }
    store.finishRun(runId, interrupted ? 'interrupted' : 'finished');
  } catch (err) {
    if (runId !== 0) store.finishRun(runId, 'failed');
    throw err;
  } finally {
    store.close();
  }
  return { runId, backend, hardware, ran, skipped, interrupted, results };
}

/** What changed since a finished trial under the same key, in words. */
function changedCodeMessage(planned: PlannedTrial, older: { submission_hash: string; search_space_hash: string | null; workload_hash: string; targets_hash: string }): string {
  const what: string[] = [];
  if (older.submission_hash !== planned.code.submissionHash) what.push('its submission code');
  if ((older.search_space_hash ?? null) !== planned.code.searchSpaceHash) what.push('its search space');
  if (older.workload_hash !== planned.code.workloadHash) what.push('the workload definition');
  if (older.targets_hash !== planned.code.targetsHash) what.push('the targets or budget');
  const ref = planned.workload.variant === 'base' ? planned.workload.name : `${planned.workload.name}:${planned.workload.variant}`;
  return `${planned.submission.name} on ${ref} study ${planned.study} trial ${planned.trial}: ${what.length > 0 ? what.join(', ') : 'the code that produced it'} changed since it finished; running it again as a new version`;
}
