/**
 * What the data modules share for a trial's process (Workload.trainData / loadTrain).
 *
 * The parent process calls `load()` and hands `trainData()` — the training examples
 * only, already selected, as typed arrays — to the trial's process, which calls
 * `loadTrain`. From then on that process's data module holds nothing else: the full
 * corpus and the held-out tensors are dropped, and every path that would read them
 * (evaluate, the data modules' full-data accessors) throws a TrainOnlyError. `load()`
 * becomes a no-op there: the training split is loaded, and the rest may not be (the
 * trial runner calls load() before every trial, in whichever process it runs).
 */
import type { Split, TrainData } from '../../harness/spec.ts';

/**
 * What a train-only process throws when asked for data it does not hold. Its code is
 * the one the trial runner records as status `forbidden` (forbiddenMessage in
 * harness/runner/trial.ts): in a trial's process the runner never asks for these, so
 * whatever does is the submission reaching for held-out data.
 */
export class TrainOnlyError extends Error {
  readonly code = 'ERR_TRIAL_FORBIDDEN';
  constructor(message: string) {
    super(message);
    this.name = 'TrainOnlyError';
  }
}

/** The Error `evaluate` throws in a trial's process. */
export function notInTrialProcess(workload: string, split: Split): Error {
  const what = split === 'train' ? 'evaluation is not available' : `${split} data is not loaded`;
  return new TrainOnlyError(
    `${workload}: cannot evaluate on ${split}: ${what} in a trial's process, which holds the training split only (loadTrain); the parent process evaluates`,
  );
}

/** The Error that anything needing the whole data set throws after `loadTrain`. */
export function trainOnlyProcess(dataset: string, wanted: string): Error {
  return new TrainOnlyError(
    `${dataset}: ${wanted} is not available: this process holds the training split only (loadTrain was called); the full data set and the held-out splits belong to the parent process`,
  );
}

type TypedArrayCtor<T> = { new (length: number): T; readonly name: string };

/**
 * Field `key` of a train data object, checked to be a typed array of the given kind
 * and (when given) length; the data crosses a process boundary, so a mismatch says
 * which side is out of date rather than turning into wrong batches.
 */
export function typedField<T extends ArrayLike<number>>(
  dataset: string,
  data: TrainData,
  key: string,
  ctor: TypedArrayCtor<T>,
  length?: number,
): T {
  const value = data[key];
  // By tag rather than instanceof: the arrays may come from another realm (a worker, a vm context).
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  if (tag !== ctor.name) {
    const got = value === null || typeof value !== 'object' ? String(value) : tag === 'Object' ? 'an object' : tag;
    throw new Error(`${dataset}: train data field "${key}" must be a typed array of type ${ctor.name}, got ${got}`);
  }
  const array = value as T;
  if (length !== undefined && array.length !== length) {
    throw new Error(`${dataset}: train data field "${key}" holds ${array.length} values, expected ${length}`);
  }
  return array;
}

/** Field `key` of a train data object, checked to be a non-negative integer. */
export function integerField(dataset: string, data: TrainData, key: string): number {
  const value = data[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new Error(`${dataset}: train data field "${key}" must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

/** Checks the format tag every train data object carries. */
export function checkFormat(dataset: string, data: TrainData, format: string): void {
  if (data === null || typeof data !== 'object') throw new Error(`${dataset}: train data must be an object, got ${typeof data}`);
  if (data['format'] !== format) {
    throw new Error(`${dataset}: train data has format ${JSON.stringify(data['format'])}, expected "${format}" (parent and trial process out of step?)`);
  }
}
