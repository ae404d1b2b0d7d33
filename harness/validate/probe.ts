/**
 * A probe: a few training steps of a submission, run by validate itself rather than by
 * the trial runner, so that two probes differ in nothing but what validate changes
 * between them (the workload info it shows, the hyperparameter view it hands over).
 *
 * Same seed, same initial parameters, same batches (the default shuffle, or the
 * submission's own selectData, whose picks are recorded), same rng numbers, and a
 * nominal elapsed time of `step × maxRuntimeSec / stepHint` from the real budget.
 * The probe returns what a comparison needs: the batch size, the hyperparameters
 * read, the examples selected, and the parameters before and after (after
 * prepareForEval, when there is one), as plain arrays. Every tensor it makes is
 * freed before it returns.
 */
import * as tf from '@tensorflow/tfjs';
import { errorMessage } from '../core/errors.ts';
import { createRng, deriveSeed } from '../core/rng.ts';
import { EpochShuffler } from '../runner/default_selector.ts';
import { disposeAll, disposeReplaced, tidyStep } from '../runner/tensors.ts';
import { lossAndGrads } from '../runner/trial.ts';
import { workloadInfo } from '../runner/workload_info.ts';
import type { Batch, Hparams, OptState, Submission, TensorMap, Workload, WorkloadInfo } from '../spec.ts';
import { trackHparams } from '../tuning/hparam_view.ts';

export interface ProbeOptions {
  /** The hyperparameter values handed to the submission (a read-tracking view of them). */
  readonly hparams: Hparams;
  /** The search space's keys; reads of other keys are recorded as unknown. */
  readonly spaceKeys?: readonly string[];
  readonly seed: number;
  readonly steps: number;
  /** Changes the workload info the submission sees (the name-blind check). */
  readonly disguise?: (info: WorkloadInfo) => WorkloadInfo;
}

export interface ProbeResult {
  /** Undefined when getBatchSize threw. */
  readonly batchSize?: number;
  readonly reads: ReadonlySet<string>;
  readonly unknownReads: ReadonlySet<string>;
  /** The training examples of every step, in order. */
  readonly selected: readonly number[];
  /** Parameter values at init and after the steps, by name. */
  readonly initial: Readonly<Record<string, Float32Array>>;
  readonly final: Readonly<Record<string, Float32Array>>;
  readonly stepsRun: number;
  /** Whether every final parameter value is finite. */
  readonly finite: boolean;
  /** Set when the submission threw (or returned a bad batch size); the probe stops there. */
  readonly error?: string;
}

/** Copies tensor values out, so that the probe's tensors can all be freed. */
function snapshot(params: TensorMap): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [name, t] of Object.entries(params)) out[name] = Float32Array.from(t.dataSync());
  return out;
}

function exampleLosses(workload: Workload, params: TensorMap, indices: Int32Array): Float32Array {
  const batch = workload.getBatch(indices);
  const losses = tf.tidy(() => workload.loss(params, batch, 'eval'));
  try {
    return Float32Array.from(losses.dataSync());
  } finally {
    losses.dispose();
    disposeAll(batch);
  }
}

/** Runs `options.steps` steps of `submission` on `workload` (already loaded). */
export function probe(submission: Submission, workload: Workload, options: ProbeOptions): ProbeResult {
  const { seed } = options;
  const tracked = trackHparams(options.hparams, { strict: false, ...(options.spaceKeys ? { spaceKeys: options.spaceKeys } : {}) });
  const hparams = tracked.view;
  const init = workload.initParams(seed);
  let params: TensorMap = init.params;
  let state: OptState = {};
  const initial = snapshot(params);
  let final = initial;
  let batchSize: number | undefined;
  let stepsRun = 0;
  let error: string | undefined;
  const selected: number[] = [];
  const real = workloadInfo(workload, init);
  const info = options.disguise ? options.disguise(real) : real;
  const secPerStep = real.budget.maxRuntimeSec / Math.max(1, real.budget.stepHint);
  const evals = Object.freeze([]);
  try {
    const size = submission.getBatchSize(info, hparams);
    if (!Number.isInteger(size) || size < 1 || size > workload.trainSize) {
      throw new Error(`getBatchSize returned ${size}; it must be an integer in [1, ${workload.trainSize}]`);
    }
    batchSize = size;
    state = tf.tidy(() => submission.init({ params, workload: info, hparams, rng: createRng(deriveSeed(seed, 'init')) }));
    const dataSeed = deriveSeed(seed, 'data');
    const shuffler = new EpochShuffler(workload.trainSize, dataSeed);
    for (let step = 0; step < options.steps; step++) {
      const indices = submission.selectData
        ? submission.selectData({
            step,
            seed: dataSeed,
            batchSize: size,
            trainSize: workload.trainSize,
            rng: createRng(deriveSeed(seed, 'select', step)),
            hparams,
            perExampleLoss: (idx) => exampleLosses(workload, params, idx),
          })
        : shuffler.next(size);
      selected.push(...indices);
      const batch = workload.getBatch(indices);
      let result;
      try {
        const current = params;
        result = tidyStep(() =>
          submission.update({
            params: current,
            state,
            batch,
            step,
            hparams,
            rng: createRng(deriveSeed(seed, 'update', step)),
            workload: info,
            elapsedSec: step * secPerStep,
            evals,
            lossAndGrads: (at?: TensorMap, b?: Batch) => lossAndGrads(workload, at ?? current, b ?? batch),
          }),
        );
      } finally {
        disposeAll(batch);
      }
      disposeReplaced({ params, state }, result);
      params = result.params;
      state = result.state;
      stepsRun += 1;
    }
    if (submission.prepareForEval) {
      const current = { params, state };
      const prepared = tidyStep(() => submission.prepareForEval!({ ...current, step: stepsRun, hparams, workload: info }));
      disposeReplaced(current, prepared);
      params = prepared.params;
      state = prepared.state;
    }
    final = snapshot(params);
  } catch (err) {
    error = errorMessage(err);
  } finally {
    disposeAll(params);
    disposeAll(state);
    disposeAll(init.params);
  }
  return {
    ...(batchSize === undefined ? {} : { batchSize }),
    reads: tracked.reads(),
    unknownReads: tracked.unknownReads(),
    selected,
    initial,
    final,
    stepsRun,
    finite: Object.values(final).every((values) => values.every(Number.isFinite)),
    ...(error === undefined ? {} : { error }),
  };
}
