/**
 * One trial: a submission trained on a workload from a seed until it reaches the
 * targets, spends its budget, diverges, fails or is interrupted.
 *
 * Timing rules (DESIGN.md), all applied here:
 * - on the clock: selectData, batch assembly, update, prepareForEval;
 * - off the clock: data load, model init, submission init, evals, logging, DB writes
 *   (the observer's callbacks run between clock readings);
 * - the clock is read only after the backend has finished the step's work (reading
 *   the step's loss, or a parameter, waits for it);
 * - evals every evalPeriodSec of submission time, and at the end;
 * - time-to-target is the submission time at the first eval whose validation metric
 *   meets the target; a target met after the budget does not count;
 * - the budget is checked after every step.
 */
import * as tf from '@tensorflow/tfjs';
import { errorMessage } from '../errors.ts';
import { createRng, deriveSeed } from '../rng.ts';
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
import type { Clock } from './clock.ts';
import { EpochShuffler } from './default_selector.ts';
import { allFinite, disposeAll, disposeReplaced, tidyStep } from './tensors.ts';
import { meetsTarget, workloadInfo } from './workload_info.ts';

export interface TrialSpec {
  readonly workload: Workload;
  readonly targets: Targets;
  readonly submission: Submission;
  readonly hparams: Hparams;
  readonly seed: number;
  /** Multiplies the workload's runtime budget (1.5 for self-tuning). */
  readonly budgetScale: number;
  /**
   * Multiplies the eval period: a smoke run with a shrunken budget shrinks its eval
   * period with it, so that it still records a learning curve. @default 1
   */
  readonly evalPeriodScale?: number;
}

/** One eval as the store keeps it. */
export interface EvalRecord {
  readonly step: number;
  readonly submissionTimeSec: number;
  /** How long this eval took (off the clock). */
  readonly evalTimeSec: number;
  readonly trainLoss: number;
  readonly validation: Metrics;
  readonly test: Metrics;
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

export interface TrialEnv {
  readonly clock: Clock;
  readonly signal?: AbortSignal;
  readonly observer?: TrialObserver;
}

export interface TrialResult {
  readonly status: TrialStatus;
  /** Submission seconds to the validation target; null when it was not reached in budget. */
  readonly timeToTargetSec: number | null;
  readonly testReached: boolean;
  readonly steps: number;
  readonly submissionTimeSec: number;
  readonly evalTimeSec: number;
  readonly evals: number;
  readonly error?: string;
}

interface Progress {
  status?: TrialStatus;
  error?: string;
  steps: number;
  submissionTime: number;
  evalTime: number;
  /** Frozen snapshot of the evals so far, replaced (not mutated) at each eval. */
  evals: readonly EvalResult[];
  timeToTarget: number | null;
  testReached: boolean;
}

/** Yields to the event loop (off the clock) so that Ctrl-C can land between steps. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function runTrial(spec: TrialSpec, env: TrialEnv): Promise<TrialResult> {
  const { workload, submission, seed } = spec;
  // Read-only views: what the submission is handed, it cannot change for anyone else.
  const hparams = Object.freeze({ ...spec.hparams });
  const { clock, observer } = env;
  const budgetSec = workload.budget.maxRuntimeSec * spec.budgetScale;
  const evalPeriodSec = workload.budget.evalPeriodSec * (spec.evalPeriodScale ?? 1);
  const p: Progress = {
    steps: 0,
    submissionTime: 0,
    evalTime: 0,
    evals: [],
    timeToTarget: null,
    testReached: false,
  };
  let params: TensorMap = {};
  let state: OptState = {};
  try {
    await workload.load();
    const init = workload.initParams(seed);
    params = init.params;
    const info = workloadInfo(workload, init);
    const batchSize = submission.getBatchSize(info, hparams);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > workload.trainSize) {
      throw new Error(`getBatchSize returned ${batchSize}; it must be an integer in [1, ${workload.trainSize}]`);
    }
    state = tf.tidy(() => submission.init({ params, workload: info, hparams, rng: createRng(deriveSeed(seed, 'init')) }));
    const dataSeed = deriveSeed(seed, 'data');
    const shuffler = new EpochShuffler(workload.trainSize, dataSeed);
    let lastEvalAt = 0;
    let lastLoss = Number.NaN;

    while (p.status === undefined) {
      await yieldToEventLoop();
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
      const t1 = clock.now();
      p.submissionTime += t1 - t0;
      disposeReplaced({ params, state }, result);
      params = result.params;
      state = result.state;
      p.steps += 1;
      observer?.onStep?.({ step: p.steps, submissionTimeSec: p.submissionTime, budgetSec });

      if (stepLoss !== undefined) {
        lastLoss = stepLoss;
        if (!Number.isFinite(stepLoss)) {
          p.status = 'diverged';
          p.error = `training loss became ${stepLoss} at step ${stepIndex}`;
          break;
        }
      }
      let budgetSpent = p.submissionTime >= budgetSec;
      if (budgetSpent || p.submissionTime - lastEvalAt >= evalPeriodSec) {
        if (submission.prepareForEval) {
          const e0 = clock.now();
          const prepared = tidyStep(() =>
            submission.prepareForEval!({ params, state, step: p.steps, hparams, workload: info }),
          );
          syncStep(undefined, prepared.params);
          p.submissionTime += clock.now() - e0;
          disposeReplaced({ params, state }, prepared);
          params = prepared.params;
          state = prepared.state;
          budgetSpent ||= p.submissionTime >= budgetSec;
        }
        lastEvalAt = p.submissionTime;
        evaluate(spec, env, p, params, lastLoss, budgetSec);
      }
      if (p.status === undefined && budgetSpent) p.status = p.timeToTarget === null ? 'budget_exhausted' : 'reached';
    }
  } catch (err) {
    p.status = 'error';
    p.error = errorMessage(err);
  } finally {
    disposeAll(params);
    disposeAll(state);
  }
  return {
    status: p.status ?? 'error',
    timeToTargetSec: p.timeToTarget,
    testReached: p.testReached,
    steps: p.steps,
    submissionTimeSec: p.submissionTime,
    evalTimeSec: p.evalTime,
    evals: p.evals.length,
    ...(p.error === undefined ? {} : { error: p.error }),
  };
}

/** Runs an eval off the clock, records it and decides whether the trial is over. */
function evaluate(spec: TrialSpec, env: TrialEnv, p: Progress, params: TensorMap, trainLoss: number, budgetSec: number) {
  const { workload, targets } = spec;
  const v0 = env.clock.now();
  const validation = Object.freeze({ ...workload.evaluate(params, 'validation') });
  const test = Object.freeze({ ...workload.evaluate(params, 'test') });
  const finiteParams = allFinite(params);
  const evalTimeSec = env.clock.now() - v0;
  p.evalTime += evalTimeSec;
  const record: EvalRecord = Object.freeze({ step: p.steps, submissionTimeSec: p.submissionTime, evalTimeSec, trainLoss, validation, test });
  p.evals = Object.freeze([...p.evals, Object.freeze({ step: p.steps, submissionTimeSec: p.submissionTime, validation })]);
  env.observer?.onEval?.(record);

  const metric = workload.metric;
  const value = validation[metric.name];
  if (value === undefined) throw new Error(`workload ${workload.name} evaluate() did not report "${metric.name}"`);
  if (!Number.isFinite(value) || !finiteParams) {
    p.status = 'diverged';
    p.error = `non-finite ${finiteParams ? metric.name : 'parameters'} at step ${p.steps}`;
    return;
  }
  const withinBudget = p.submissionTime <= budgetSec;
  if (withinBudget && p.timeToTarget === null && meetsTarget(value, targets.validation, metric)) {
    p.timeToTarget = p.submissionTime;
  }
  const testValue = test[metric.name];
  if (withinBudget && testValue !== undefined && meetsTarget(testValue, targets.test, metric)) p.testReached = true;
  if (p.timeToTarget !== null && p.testReached) p.status = 'reached';
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
