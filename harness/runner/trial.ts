/**
 * One trial: a submission trained on a workload from a seed until it reaches the
 * targets, spends its budget, diverges, fails or is interrupted.
 *
 * Timing rules (docs/architecture.md §2), all applied here:
 * - on the clock: selectData, batch assembly, update, prepareForEval;
 * - off the clock: data load, model init, submission init, evals, contract checks,
 *   logging, DB writes (the observer's callbacks run between clock readings);
 * - the clock is read only after the backend has finished the step's work (reading
 *   the step's loss, or a parameter, waits for it);
 * - evals follow a step-based schedule (eval_schedule.ts), and one more runs at the
 *   end of the budget: the same seed meets the target at the same step on every run;
 * - time-to-target is the submission time up to the first evaluated step whose
 *   validation metric meets the target; a target met after the budget does not count;
 * - the budget is checked after every step.
 * Contract checks after every step (off the clock): the parameters keep their names,
 * shapes and dtypes, and a non-finite loss or parameter ends the trial as diverged at
 * the step where it first appeared.
 */
import * as tf from '@tensorflow/tfjs';
import { errorMessage } from '../core/errors.ts';
import { type TrialResult, trialResult } from '../core/trial_result.ts';
import { createRng, deriveSeed } from '../core/rng.ts';
import type {
  Batch,
  EvalResult,
  Hparams,
  LossAndGrads,
  Metrics,
  OptState,
  StepResult,
  Submission,
  Targets,
  TensorMap,
  TrialStatus,
  Workload,
} from '../spec.ts';
import type { EvalRecord } from '../store/rows.ts';
import type { Clock } from './clock.ts';
import { EpochShuffler } from './default_selector.ts';
import { type EvalSchedule, geometricEvalSchedule } from './eval_schedule.ts';
import { contractBreach, firstNonFinite, type ParamSignature, paramSignature } from './param_checks.ts';
import { disposeAll, disposeReplaced, tidyStep } from './tensors.ts';
import { trackHparams, type TrackOptions } from '../tuning/hparam_view.ts';
import { meetsTarget, workloadInfo } from './workload_info.ts';

export interface TrialSpec {
  readonly workload: Workload;
  readonly targets: Targets;
  readonly submission: Submission;
  readonly hparams: Hparams;
  readonly seed: number;
  /** Multiplies the workload's runtime budget (1.5 for self-tuning). */
  readonly budgetScale: number;
  /** When to evaluate. @default geometricEvalSchedule(workload.budget.stepHint) */
  readonly evalSchedule?: EvalSchedule;
  /**
   * Track which hyperparameters the submission reads (TrialResult.hparamsRead); with
   * `strict`, a read of a key the search space lacks ends the trial as an error.
   */
  readonly hparamTracking?: TrackOptions;
}

export interface StepProgress {
  readonly step: number;
  readonly submissionTimeSec: number;
  readonly budgetSec: number;
}

/** Callbacks for the store and the progress display; they run off the clock. */
export interface TrialObserver {
  onEval?(record: EvalRecord): void;
  onStep?(progress: StepProgress): void;
}

/**
 * Evaluates parameters on the validation and test splits, off the clock. In a
 * trial's own process the splits are not there: the evaluator sends the parameters
 * to the parent process, which holds them (isolated/trial_process.ts).
 */
export type Evaluator = (params: TensorMap) => Promise<{ validation: Metrics; test: Metrics }>;

export interface TrialEnv {
  readonly clock: Clock;
  readonly signal?: AbortSignal;
  readonly observer?: TrialObserver;
  /** @default the workload's own evaluate() on both splits, in this process */
  readonly evaluator?: Evaluator;
}

/** Parameters kept at a grid point, evaluated only if the next check meets the target. */
interface Probe {
  readonly step: number;
  readonly submissionTime: number;
  readonly trainLoss: number;
  readonly params: TensorMap;
}

interface Progress {
  status?: TrialStatus;
  error?: string;
  steps: number;
  submissionTime: number;
  evalTime: number;
  /** Frozen snapshot of the evals so far, replaced (not mutated) at each eval. */
  evals: readonly EvalResult[];
  evalCount: number;
  timeToTarget: number | null;
  targetStep: number | null;
  targetResolution: number | null;
  testReached: boolean;
  /** Submission time at the previous grid point (the lower end of the target's bracket). */
  lastGridTime: number;
  probes: Probe[];
}

/** Captured when the runner loads, before any submission code: a submission cannot blind it. */
const isFiniteNumber = Number.isFinite;

/** Yields to the event loop, on the clock at the end of each step: deferred work runs, and Ctrl-C lands between steps. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function runTrial(spec: TrialSpec, env: TrialEnv): Promise<TrialResult> {
  const { workload, submission, seed } = spec;
  // Read-only views: what the submission is handed, it cannot change for anyone else.
  const tracker = spec.hparamTracking === undefined ? undefined : trackHparams(spec.hparams, spec.hparamTracking);
  const hparams = tracker?.view ?? Object.freeze({ ...spec.hparams });
  const { clock, observer } = env;
  const budgetSec = workload.budget.maxRuntimeSec * spec.budgetScale;
  const schedule = spec.evalSchedule ?? geometricEvalSchedule(workload.budget.stepHint);
  const p: Progress = {
    steps: 0,
    submissionTime: 0,
    evalTime: 0,
    evals: [],
    evalCount: 0,
    timeToTarget: null,
    targetStep: null,
    targetResolution: null,
    testReached: false,
    lastGridTime: 0,
    probes: [],
  };
  let params: TensorMap = {};
  let state: OptState = {};
  try {
    await workload.load();
    const init = workload.initParams(seed);
    params = init.params;
    const signature = paramSignature(params);
    const info = workloadInfo(workload, init);
    const batchSize = submission.getBatchSize(info, hparams);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > workload.trainSize) {
      throw new Error(`getBatchSize returned ${batchSize}; it must be an integer in [1, ${workload.trainSize}]`);
    }
    state = tf.tidy(() => submission.init({ params, workload: info, hparams, rng: createRng(deriveSeed(seed, 'init')) }));
    const dataSeed = deriveSeed(seed, 'data');
    const shuffler = new EpochShuffler(workload.trainSize, dataSeed);
    let lastLoss = Number.NaN;

    while (p.status === undefined) {
      if (env.signal?.aborted) {
        p.status = 'interrupted';
        break;
      }
      const stepIndex = p.steps;
      const t0 = clock.now();
      const indices = submission.selectData
        ? submission.selectData({
            step: stepIndex,
            seed: dataSeed,
            batchSize,
            trainSize: workload.trainSize,
            rng: createRng(deriveSeed(seed, 'select', stepIndex)),
            hparams,
            perExampleLoss: (idx) => exampleLosses(workload, params, idx),
          })
        : shuffler.next(batchSize);
      const batch = workload.getBatch(indices);
      let firstLoss: tf.Scalar | undefined;
      let stepLoss: number | undefined;
      let result: StepResult;
      try {
        result = tidyStep(() =>
          submission.update({
            params,
            state,
            batch,
            step: stepIndex,
            hparams,
            rng: createRng(deriveSeed(seed, 'update', stepIndex)),
            workload: info,
            elapsedSec: p.submissionTime,
            evals: p.evals,
            lossAndGrads: (at?: TensorMap, b?: Batch): LossAndGrads => {
              const out = lossAndGrads(workload, at ?? params, b ?? batch);
              if (firstLoss === undefined) firstLoss = tf.keep(out.loss.clone());
              return out;
            },
          }),
        );
        stepLoss = syncStep(firstLoss, result.params);
      } finally {
        disposeAll(batch);
        firstLoss?.dispose();
      }
      // Work the step left queued (promises it settled, setImmediate callbacks) runs here,
      // before the clock is read: deferred out of update, it is still the step's. (This
      // yield is also where Ctrl-C and the run's messages land between steps.)
      await yieldToEventLoop();
      const t1 = clock.now();
      p.submissionTime += t1 - t0;
      if (!adoptChecked(p, { params, state }, result, contractBreach(signature, result, 'update', stepIndex))) break;
      params = result.params;
      state = result.state;
      p.steps += 1;
      observer?.onStep?.({ step: p.steps, submissionTimeSec: p.submissionTime, budgetSec });

      if (stepLoss !== undefined) lastLoss = stepLoss;
      if (stepLoss !== undefined && !isFiniteNumber(stepLoss)) {
        p.status = 'diverged';
        p.error = `training loss became ${stepLoss} at step ${stepIndex}`;
        break;
      }
      const nonFinite = firstNonFinite(params);
      if (nonFinite !== undefined) {
        p.status = 'diverged';
        p.error = `parameter "${nonFinite}" became non-finite at step ${stepIndex}`;
        break;
      }
      let budgetSpent = p.submissionTime >= budgetSec;
      const point = budgetSpent ? 'check' : schedule.pointAfter(p.steps);
      if (point !== 'none') {
        if (submission.prepareForEval) {
          const e0 = clock.now();
          const prepared = tidyStep(() =>
            submission.prepareForEval!({ params, state, step: p.steps, hparams, workload: info }),
          );
          syncStep(undefined, prepared.params);
          p.submissionTime += clock.now() - e0;
          if (!adoptChecked(p, { params, state }, prepared, contractBreach(signature, prepared, 'prepareForEval', stepIndex))) break;
          params = prepared.params;
          state = prepared.state;
          budgetSpent ||= p.submissionTime >= budgetSec;
        }
        if (point === 'probe' && !budgetSpent) {
          keepProbe(p, params, lastLoss);
        } else {
          await evaluate(spec, env, p, params, lastLoss, budgetSec);
        }
      }
      if (p.status === undefined && budgetSpent) p.status = p.timeToTarget === null ? 'budget_exhausted' : 'reached';
    }
  } catch (err) {
    const forbidden = forbiddenMessage(err);
    p.status = forbidden === undefined ? 'error' : 'forbidden';
    p.error = forbidden ?? errorMessage(err);
  } finally {
    dropProbes(p);
    disposeAll(params);
    disposeAll(state);
  }
  const counts = {
    testReached: p.testReached,
    steps: p.steps,
    submissionTimeSec: p.submissionTime,
    evalTimeSec: p.evalTime,
    evals: p.evalCount,
    ...(tracker === undefined ? {} : { hparamsRead: [...tracker.reads()].sort() }),
  };
  const hit = p.timeToTarget === null || p.targetStep === null ? null : { timeToTargetSec: p.timeToTarget, targetStep: p.targetStep, targetResolution: p.targetResolution };
  return trialResult(p.status ?? 'error', counts, hit, p.error);
}

/**
 * Moves the trial on to what a hook returned (freeing what the old params and state
 * held that the new ones do not), or, on a contract breach, keeps the old ones, frees
 * what was returned and ends the trial as an error. Returns whether it moved on.
 */
function adoptChecked(p: Progress, current: StepResult, returned: StepResult, breach: string | undefined): boolean {
  if (breach === undefined) {
    disposeReplaced(current, returned);
    return true;
  }
  disposeReplaced(returned, current);
  p.status = 'error';
  p.error = breach;
  return false;
}

/** Keeps the parameters of a grid point for a later eval (clones share memory). */
function keepProbe(p: Progress, params: TensorMap, trainLoss: number): void {
  const kept: Record<string, tf.Tensor> = {};
  for (const [name, t] of Object.entries(params)) kept[name] = tf.keep(t.clone());
  p.probes.push({ step: p.steps, submissionTime: p.submissionTime, trainLoss, params: kept });
}

function dropProbes(p: Progress): void {
  for (const probe of p.probes) disposeAll(probe.params);
  p.probes = [];
}

/**
 * A check: evaluates the current parameters off the clock. If they meet the
 * validation target for the first time, the probes kept since the previous check are
 * evaluated from the earliest, and the first of them that meets it sets the target
 * step. Records every eval in step order and decides whether the trial is over.
 */
async function evaluate(spec: TrialSpec, env: TrialEnv, p: Progress, params: TensorMap, trainLoss: number, budgetSec: number) {
  const { workload, targets } = spec;
  const metric = workload.metric;
  const evaluator: Evaluator = env.evaluator ?? (async (at) => ({ validation: workload.evaluate(at, 'validation'), test: workload.evaluate(at, 'test') }));
  const measure = async (at: TensorMap, step: number, submissionTimeSec: number, loss: number): Promise<EvalRecord> => {
    const v0 = env.clock.now();
    const metrics = await evaluator(at);
    const validation = Object.freeze({ ...metrics.validation });
    const test = Object.freeze({ ...metrics.test });
    const evalTimeSec = env.clock.now() - v0;
    p.evalTime += evalTimeSec;
    if (validation[metric.name] === undefined) throw new Error(`workload ${workload.name} evaluate() did not report "${metric.name}"`);
    return Object.freeze({ step, submissionTimeSec, evalTimeSec, trainLoss: loss, validation, test });
  };
  const meets = (r: EvalRecord) => meetsTarget(r.validation[metric.name]!, targets.validation, metric);
  const current = await measure(params, p.steps, p.submissionTime, trainLoss);
  const records: EvalRecord[] = [];
  // Bracket of the target: the grid point before it and the point itself.
  let previousTime = p.lastGridTime;
  let found: EvalRecord | undefined;
  if (p.timeToTarget === null && meets(current)) {
    for (const probe of p.probes) {
      if (probe.submissionTime > budgetSec) break;
      const r = await measure(probe.params, probe.step, probe.submissionTime, probe.trainLoss);
      records.push(r);
      if (meets(r)) {
        found = r;
        break;
      }
      previousTime = probe.submissionTime;
    }
    found ??= current;
  }
  records.push(current);
  dropProbes(p);
  p.lastGridTime = p.submissionTime;

  for (const record of records) {
    p.evalCount += 1;
    p.evals = Object.freeze([...p.evals, Object.freeze({ step: record.step, submissionTimeSec: record.submissionTimeSec, validation: record.validation })]);
    env.observer?.onEval?.(record);
  }
  const value = current.validation[metric.name]!;
  if (!isFiniteNumber(value)) {
    p.status = 'diverged';
    p.error = `validation ${metric.name} became ${value} at step ${p.steps}`;
    return;
  }
  if (found !== undefined && found.submissionTimeSec <= budgetSec) {
    p.timeToTarget = found.submissionTimeSec;
    p.targetStep = found.step;
    p.targetResolution = found.submissionTimeSec > 0 ? (found.submissionTimeSec - previousTime) / found.submissionTimeSec : 0;
  }
  for (const record of records) {
    const testValue = record.test[metric.name];
    if (record.submissionTimeSec <= budgetSec && testValue !== undefined && meetsTarget(testValue, targets.test, metric)) p.testReached = true;
  }
  if (p.timeToTarget !== null && p.testReached) p.status = 'reached';
}

/**
 * The trial's message when `err` is the sandbox refusing something (Node's permission
 * model throws ERR_ACCESS_DENIED; lockdown.ts throws ForbiddenError), else undefined.
 */
export function forbiddenMessage(err: unknown): string | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const e = err as { code?: unknown; permission?: unknown; resource?: unknown; message?: unknown };
  if (e.code === 'ERR_ACCESS_DENIED') {
    const what = { FileSystemRead: 'read', FileSystemWrite: 'write', ChildProcess: 'start a process', WorkerThreads: 'start a worker thread' }[String(e.permission)] ?? String(e.permission);
    const resource = typeof e.resource === 'string' && e.resource !== '' ? ` ${JSON.stringify(e.resource)}` : '';
    return `the submission tried to ${what}${resource}, which a trial may not (${String(e.permission)})`;
  }
  if (e.code === 'ERR_TRIAL_FORBIDDEN' && typeof e.message === 'string') return e.message;
  return undefined;
}

/**
 * One loss-and-gradients pass of the workload on two training examples, everything
 * freed after. It compiles and allocates what the first real step would (the backend
 * probe runs it to see that training works; the trial process, off the clock, so
 * that the first timed step does not carry that cost). Answers the bytes of the
 * parameters it trained (the trial process sizes its heap reservation by them).
 */
export function trainingPassOnce(workload: Workload, batchSize = 2, passes = 1): number {
  const init = workload.initParams(0);
  const paramBytes = Object.values(init.params).reduce((sum, t) => sum + t.size * 4, 0);
  const batch = workload.getBatch(Int32Array.from({ length: Math.min(batchSize, workload.trainSize) }, (_, i) => i));
  try {
    for (let i = 0; i < passes; i++) {
      const { loss, grads } = lossAndGrads(workload, init.params, batch);
      loss.dataSync();
      disposeAll([loss, grads]);
    }
  } finally {
    disposeAll([init.params, batch]);
  }
  return paramBytes;
}

/** Mean loss and gradients with respect to every parameter. */
export function lossAndGrads(workload: Workload, params: TensorMap, batch: Batch): LossAndGrads {
  const names = Object.keys(params);
  const { value, grads } = tf.valueAndGrads((...tensors: tf.Tensor[]) => {
    const at: Record<string, tf.Tensor> = {};
    names.forEach((name, i) => (at[name] = tensors[i]!));
    return tf.mean(workload.loss(at, batch, 'train')) as tf.Scalar;
  })(names.map((n) => params[n]!));
  const byName: Record<string, tf.Tensor> = {};
  names.forEach((name, i) => (byName[name] = grads[i]!));
  return { loss: value, grads: byName };
}

function exampleLosses(workload: Workload, params: TensorMap, indices: Int32Array): Float32Array {
  const batch = workload.getBatch(indices);
  const losses = tf.tidy(() => workload.loss(params, batch, 'eval'));
  try {
    return losses.dataSync() as Float32Array;
  } finally {
    losses.dispose();
    disposeAll(batch);
  }
}

/**
 * Waits for the backend to finish the step and returns its loss. Reading a value
 * blocks until the kernels that produce it have run; on an in-order device queue the
 * last parameter written stands for the whole step.
 */
function syncStep(loss: tf.Scalar | undefined, params: TensorMap): number | undefined {
  if (loss !== undefined) return loss.dataSync()[0]!;
  Object.values(params).at(-1)?.dataSync();
  return undefined;
}
