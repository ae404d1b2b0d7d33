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
import { AlgobenchError } from '../core/errors.ts';
import { checkRunBounds } from './plan_bounds.ts';
import { readHardware, type Hardware } from '../identity/fingerprint.ts';
import { type BackendChoice, type BackendInfo, selectBackend } from '../backends/select.ts';
import { deriveSeed } from '../core/rng.ts';
import { fileHash, jsonHash, sourceHash, workloadEntry } from '../identity/code_hash.ts';
import { busyWarning, measureNoise } from '../runner/calibration.ts';
import { realClock, type Clock } from '../runner/clock.ts';
import { disposeAll } from '../runner/tensors.ts';
import { type EvalRecord, lossAndGrads, runTrial, type StepProgress, type TrialResult } from '../runner/trial.ts';
import type { Hparams, Ruleset, Targets, Workload } from '../spec.ts';
import { Store } from '../store/store.ts';
import type { TrialCode } from '../store/rows.ts';
import { loadSubmission, resolveModulePath, searchSpaceOf, searchSpacePath, type LoadedSubmission, type SubmissionRef } from '../submissions/load.ts';
import { inspectSubmission, runTrialIsolated, type WatchdogLimits } from '../runner/isolated/run_isolated.ts';
import { sampleHparams } from '../tuning/search_space.ts';
import { expandWorkloadRefs, getWorkload } from '../../workloads/registry.ts';
import { getTargets } from '../../workloads/targets.ts';

/** A trial's claim on the store lasts this long unless renewed (every third of it while the trial runs). */
const CLAIM_LEASE_SEC = 60;

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
  /**
   * 'process' (the default): every trial runs in a process of its own, sandboxed and
   * watched (runner/isolated/), and the run never imports submission code. 'inline':
   * trials run in this process, for tests that need a fake clock and for trusted code.
   */
  readonly isolation?: 'process' | 'inline';
  /** Watchdog limits of isolated trials (defaults in run_isolated.ts). */
  readonly watchdog?: WatchdogLimits;
  /** A fake clock; only with isolation 'inline'. */
  readonly clock?: Clock;
}

/** One cell of the grid, fully resolved before anything runs. */
export interface PlannedTrial {
  readonly workload: Workload;
  readonly targets: Targets & { version: number };
  /** With isolation 'inline', the imported submission too. */
  readonly submission: SubmissionRef & { readonly submission?: LoadedSubmission['submission'] };
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

/** Resolves every workload, target, submission and hyperparameter point, or throws. */
export async function planBenchmark(options: BenchmarkOptions): Promise<PlannedTrial[]> {
  checkRunBounds({
    studies: options.studies,
    trials: options.trials,
    seed: options.seed,
    budgetScale: options.budgetScale,
    selfTuningBudgetScale: options.selfTuningBudgetScale,
    workloadCount: expandWorkloadRefs(options.workloads).length,
    submissionCount: options.submissions.length,
  });
  if (options.workloads.length === 0) throw new AlgobenchError('E_USAGE', 'no workload given; pass --workload NAME[:VARIANT]');
  if (options.submissions.length === 0) throw new AlgobenchError('E_USAGE', 'no submission given; pass --submission NAME|PATH');
  const workloads = expandWorkloadRefs(options.workloads).map((ref) => {
    const workload = getWorkload(ref);
    return { workload, targets: getTargets(workload.name, workload.variant) };
  });
  if (options.clock !== undefined && options.isolation !== 'inline') {
    throw new Error('a fake clock needs isolation "inline": it cannot reach a trial\'s own process');
  }
  const submissions = options.isolation === 'inline'
    ? await Promise.all(options.submissions.map((ref) => loadSubmission(ref)))
    : await describeAll(options.submissions, options.backend, options.watchdog?.startupSec);
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

/**
 * A submission's name and search space, learnt without running its code here: it is
 * imported in a sandboxed process of its own, which reports its name and contract.
 */
async function describeSubmission(ref: string, backend: BackendChoice, timeoutSec?: number): Promise<SubmissionRef> {
  const modulePath = resolveModulePath(ref);
  const searchSpace = searchSpaceOf(modulePath);
  const seen = await inspectSubmission(modulePath, backend, timeoutSec);
  if ('failed' in seen) throw new AlgobenchError('E_BAD_SUBMISSION', `submission ${modulePath} failed to load in its sandbox (${seen.status}): ${seen.failed}`);
  if (seen.problems.length > 0) throw new AlgobenchError('E_BAD_SUBMISSION', `submission ${modulePath}: ${seen.problems.join('; ')}`);
  return { name: seen.name, modulePath, ...(searchSpace === undefined ? {} : { searchSpace }) };
}

/** One at a time: each is a process loading TensorFlow.js, and a hang must not starve the others. */
async function describeAll(refs: readonly string[], backend: BackendChoice, timeoutSec?: number): Promise<SubmissionRef[]> {
  const out: SubmissionRef[] = [];
  for (const ref of refs) out.push(await describeSubmission(ref, backend, timeoutSec));
  return out;
}

function hparamsFor(submission: SubmissionRef, options: BenchmarkOptions, study: number): Hparams[] {
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
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The package version, and the git commit of a clone (`-dirty` with local changes). */
function versionOfAlgobench(): string {
  const root = fileURLToPath(new URL('../..', import.meta.url));
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
  let heldElsewhere = 0;
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
      // Claimed, not assumed: another run on this store may be running this very trial
      // (or have finished it since the check above); then this run leaves it alone.
      const claim = store.claimTrial(key, {
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
      }, CLAIM_LEASE_SEC);
      if (claim.kind !== 'claimed') {
        skipped += 1;
        if (claim.kind === 'held') heldElsewhere += 1;
        listener.onTrialStart?.(index, planned, true);
        continue;
      }
      const trialId = claim.trialId;
      if (older !== undefined) listener.onWarning?.(changedCodeMessage(planned, older));
      listener.onTrialStart?.(index, planned, false);
      const renewal = setInterval(() => store.renewClaim(trialId, CLAIM_LEASE_SEC), (CLAIM_LEASE_SEC / 3) * 1000);
      let storeFault: unknown;
      const spaceKeys = Object.keys(planned.hparams);
      const hparamTracking = { strict: options.ruleset === 'external', spaceKeys };
      const observer = {
        onEval: (record: EvalRecord) => {
          try {
            store.recordEval(trialId, record);
          } catch (err) {
            // The store's failure, not the submission's: remembered, and raised once the trial is stopped.
            storeFault ??= err;
            throw err;
          }
          listener.onEval?.(record);
        },
        onStep: (progress: StepProgress) => listener.onStep?.(progress),
      };
      const signal = options.signal === undefined ? {} : { signal: options.signal };
      const inlineSubmission = planned.submission.submission;
      const { value: result, noise } = await measureNoise(() =>
        inlineSubmission !== undefined
          ? runTrial(
              { hparamTracking, workload: planned.workload, targets: planned.targets, submission: inlineSubmission, hparams: planned.hparams, seed: planned.seed, budgetScale },
              { clock: options.clock ?? realClock, ...signal, observer },
            )
          : runTrialIsolated(
              {
                hparamTracking, workload: planned.workload, targets: planned.targets, modulePath: planned.submission.modulePath,
                hparams: planned.hparams, seed: planned.seed, budgetScale, backend: backend.name as BackendChoice,
                ...(options.watchdog === undefined ? {} : { limits: options.watchdog }),
              },
              { ...signal, observer },
            ),
      );
      clearInterval(renewal);
      if (storeFault !== undefined) throw storeFault;
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
    if (heldElsewhere > 0) {
      listener.onWarning?.(`${heldElsewhere} trial(s) are being run by another algobench process on this store and were left to it; re-run this command afterwards to pick up any it leaves unfinished`);
    }
  } catch (err) {
    try {
      if (runId !== 0) store.finishRun(runId, 'failed');
    } catch {
      // The store itself failed; the first error says how.
    }
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
