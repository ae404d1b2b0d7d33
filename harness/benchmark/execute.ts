/**
 * A benchmark run, executed: each planned trial (plan.ts) run by the trial runner and
 * written to the store. A failing trial is recorded and the grid goes on; a re-run of
 * the same command skips the trials that finished and re-runs those that were cut off.
 */
import { AlgobenchError, errorMessage, isMachineFault } from '../core/errors.ts';
import { formatWorkloadRef } from '../core/workload_ref.ts';
import { readHardware, type Hardware } from '../identity/fingerprint.ts';
import { type BackendChoice, type BackendInfo, selectBackend } from '../backends/select.ts';
import { busyMark, busyWarning, judgedAgainstAll, measureNoise, type TrialNoise, type TrialPace } from '../identity/calibration.ts';
import { realClock } from '../runner/clock.ts';
import { runTrial, type StepProgress } from '../runner/trial.ts';
import { trialResult, type TrialResult } from '../core/trial_result.ts';
import type { EvalRecord, TrialRow } from '../store/rows.ts';
import { Store } from '../store/store.ts';
import { runTrialIsolated, TrialPaceBook } from '../runner/isolated/run_isolated.ts';
import { planBenchmark, trialBudgetScale, type BenchmarkOptions, type PlannedTrial } from './plan.ts';
import { shardOfPlan, type PlanFile } from './plan_file.ts';
import type { Shard } from './shard.ts';
import { packageVersion, trainingProbe } from './probe.ts';

/** A trial's claim on the store lasts this long unless renewed (every third of it while the trial runs). */
const CLAIM_LEASE_SEC = 60;

/** What the progress display hears about; all of it happens off the clock. */
export interface BenchmarkListener {
  onStart?(info: { backend: BackendInfo; hardware: Hardware; total: number; dbPath: string }): void;
  onTrialStart?(index: number, planned: PlannedTrial, skipped: boolean): void;
  onStep?(progress: StepProgress): void;
  onEval?(record: EvalRecord): void;
  onTrialEnd?(index: number, planned: PlannedTrial, result: TrialResult): void;
  /** Something the user should know that does not stop the run (one line). */
  onWarning?(message: string): void;
  /**
   * How a finished trial ended, whether it ran now or finished in an earlier run
   * (resume): what compare's stopping rule counts.
   */
  onTrialOutcome?(planned: PlannedTrial, outcome: { status: string; timeToTargetSec: number | null }): void;
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

/** A slice of a plan file to run instead of the whole grid (options then come from the file: plan_file.ts optionsOfPlan). */
export interface PlanSlice {
  readonly file: PlanFile;
  readonly path: string;
  readonly shard: Shard;
}

export async function runBenchmark(
  options: BenchmarkOptions,
  listener: BenchmarkListener = {},
  command = 'run',
  slice?: PlanSlice,
): Promise<BenchmarkSummary> {
  const since = busyMark();
  const grid = await planBenchmark(options);
  const plan = slice === undefined ? grid : shardOfPlan(slice.file, slice.path, grid, slice.shard);
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
    // Merge refuses a shard of another plan by this record.
    if (slice !== undefined) store.recordPlan(slice.file.planHash, slice.file.trialCount);
    listener.onStart?.({ backend, hardware, total: plan.length, dbPath: store.path });
    const busy = await busyWarning(500, since);
    if (busy !== undefined) listener.onWarning?.(busy);
    const unreadWarned = new Set<string>();
    /** The run's trial processes' paces: each trial process is held to the fastest before it. */
    const paces = new TrialPaceBook();
    /** This run's isolated trials and their noise, per workload, variant and backend: judged again at the end. */
    const judged = new Map<string, Array<{ trialId: number; noise: TrialNoise }>>();
    const extraScale = options.budgetScale ?? 1;
    const budgetScale = trialBudgetScale(options);
    for (const [index, planned] of plan.entries()) {
      if (options.wanted !== undefined && !options.wanted(planned)) continue;
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
      const finished = store.finishedTrial(key);
      if (finished !== undefined) {
        skipped += 1;
        listener.onTrialStart?.(index, planned, true);
        listener.onTrialOutcome?.(planned, { status: finished.status, timeToTargetSec: finished.time_to_target_sec });
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
        budgetSaverJson: options.budgetSaver === undefined ? null : JSON.stringify(options.budgetSaver),
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
      let measured: Awaited<ReturnType<typeof measureNoise<TrialResult & { pace?: TrialPace }>>>;
      try {
        measured = await measureNoise(() =>
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
                  ...(options.budgetSaver === undefined ? {} : { budgetSaver: options.budgetSaver }),
                },
                { ...signal, observer, paces },
              ),
          (r) => (r as { pace?: TrialPace }).pace,
        );
      } catch (err) {
        if (!isMachineFault(err)) throw err;
        // The trial never ran: stored as interrupted, it counts for nothing and resume runs it again.
        let stored = 'the trial is stored as interrupted, which counts for nothing';
        try {
          store.finishTrial(trialId, trialResult('interrupted', { steps: 0, submissionTimeSec: 0, evalTimeSec: 0, evals: 0, testReached: false }, null, err.message));
        } catch (storeErr) {
          // Out of descriptors, the store may fail too: the fault is still the news; the
          // trial's claim lapses and resume then runs it (a claim is never taken as a result).
          stored = `the store could not record it (${errorMessage(storeErr)}), so it stays claimed until this run's claim lapses (${CLAIM_LEASE_SEC} s)`;
        }
        const about = `${planned.submission.name} on ${formatWorkloadRef(planned.workload)} study ${planned.study} trial ${planned.trial}: ${err.message}; ${stored}`;
        if (options.signal?.aborted) {
          // The run was being interrupted anyway (Ctrl-C as the spawn failed): it ends as
          // interrupted, as it would have a step later, and the fault is said, not raised.
          listener.onWarning?.(`${about}; ${err.remedy} before running the same command again`);
          interrupted = true;
          break;
        }
        throw new AlgobenchError(
          'E_MACHINE',
          `${about}; ${err.remedy} and run the same command again: it resumes from this trial`,
          { cause: err },
        );
      } finally {
        clearInterval(renewal);
      }
      const { value: result, noise } = measured;
      if (storeFault !== undefined) throw storeFault;
      store.finishTrial(trialId, { ...result, noise });
      if (noise.pace !== undefined) {
        const group = `${planned.workload.name}:${planned.workload.variant ?? ''}`;
        judged.set(group, [...(judged.get(group) ?? []), { trialId, noise }]);
      }
      const unread = spaceKeys.filter((k) => result.hparamsRead !== undefined && !result.hparamsRead.includes(k));
      if (unread.length > 0 && result.status !== 'error' && !unreadWarned.has(planned.submission.name)) {
        unreadWarned.add(planned.submission.name);
        listener.onWarning?.(
          `submission "${planned.submission.name}" never read search-space key${unread.length > 1 ? 's' : ''} ${unread.map((k) => `"${k}"`).join(', ')}: tuning ${unread.length > 1 ? 'them' : 'it'} changes nothing; fix the name in the submission or remove ${unread.length > 1 ? 'them' : 'it'} from ${planned.submission.searchSpaceFile ?? 'search_space.json'}`,
        );
      }
      if (noise.reasons.length > 0) listener.onWarning?.(`trial flagged noisy: ${noise.reasons.join('; ')}`);
      ran += 1;
      results.push({ planned, result });
      listener.onTrialEnd?.(index, planned, result);
      if (result.status !== 'interrupted') listener.onTrialOutcome?.(planned, { status: result.status, timeToTargetSec: result.timeToTargetSec });
      if (result.status === 'interrupted') {
        interrupted = true;
        break;
      }
    }
    judgeAgainstRun(store, judged, listener);
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

/**
 * Every trial of the run judged again against the fastest of the run's trials on its
 * workload (identity/calibration.ts, judgedAgainstAll): a trial held during the run only
 * to the ones before it is flagged now if a later one showed the machine could go more
 * than the tolerance faster. A record whose bars moved is written again (it shows the
 * bars it was judged against); a new flag is said.
 */
function judgeAgainstRun(store: Store, judged: ReadonlyMap<string, ReadonlyArray<{ trialId: number; noise: TrialNoise }>>, listener: BenchmarkListener): void {
  for (const trials of judged.values()) {
    const again = judgedAgainstAll(trials.map((t) => t.noise));
    trials.forEach((t, i) => {
      const noise = again[i]!;
      if (JSON.stringify(noise) === JSON.stringify(t.noise)) return;
      store.updateTrialNoise(t.trialId, noise);
      if (noise.reasons.length > t.noise.reasons.length) listener.onWarning?.(`trial ${t.trialId} flagged noisy against the run's fastest trial: ${noise.reasons.join('; ')}`);
    });
  }
}

/** What changed since a finished trial under the same key, in words. */
function changedCodeMessage(
  planned: PlannedTrial,
  older: Pick<TrialRow, 'submission_hash' | 'search_space_hash' | 'workload_hash' | 'targets_hash' | 'seed' | 'hparams_json' | 'budget_sec'>,
): string {
  const what: string[] = [];
  if (older.submission_hash !== planned.code.submissionHash) what.push('its submission code');
  if ((older.search_space_hash ?? null) !== planned.code.searchSpaceHash) what.push('its search space');
  if (older.workload_hash !== planned.code.workloadHash) what.push('the workload definition');
  if (older.targets_hash !== planned.code.targetsHash) what.push('the targets or budget');
  // Else what the harness derives for the trial changed (a harness change, or another
  // self-tuning budget scale); a new search space draws new hyperparameters anyway.
  if (what.length === 0) {
    if (older.seed !== planned.seed) what.push('its seed');
    if (older.hparams_json !== JSON.stringify(planned.hparams)) what.push('its hyperparameters');
    if (Math.abs(older.budget_sec - planned.budgetSec) > 1e-9 * planned.budgetSec) what.push('its budget');
  }
  const ref = formatWorkloadRef(planned.workload);
  return `${planned.submission.name} on ${ref} study ${planned.study} trial ${planned.trial}: ${what.length > 0 ? what.join(', ') : 'the code that produced it'} changed since it finished; running it again as a new version`;
}
