/**
 * What every MNIST classifier shares: batches gathered from the cached training
 * tensors, softmax cross-entropy, and accuracy/loss over a whole split, evaluated in
 * chunks so an eval never holds more than a chunk of activations.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch, Budget, Metrics, ModelInit, Split, TensorMap, Workload } from '../../harness/spec.ts';
import { notInTrialProcess } from '../common/train_only.ts';
import { CLASSES, loadMnist, loadMnistTrain, mnistHeldOut, mnistTrain, mnistTrainData, mnistTrainOnly, TRAIN_SIZE } from './data.ts';

/** Logits of a batch of flattened images. */
export type Classifier = (params: TensorMap, images: tf.Tensor2D, mode: 'train' | 'eval') => tf.Tensor2D;

const EVAL_CHUNK = 1_000;

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

/** Per-example softmax cross-entropy of integer labels. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor): tf.Tensor1D {
  return tf.tidy(
    () =>
      tf.losses.softmaxCrossEntropy(
        tf.oneHot(labels as tf.Tensor1D, CLASSES),
        logits,
        undefined,
        undefined,
        tf.Reduction.NONE,
      ) as tf.Tensor1D,
  );
}

/** Accuracy and mean cross-entropy of the classifier on one split. */
export function evaluateClassifier(model: Classifier, params: TensorMap, split: Split): Metrics {
  const data = split === 'train' ? mnistTrain() : mnistHeldOut(split);
  let correct = 0;
  let lossSum = 0;
  for (let start = 0; start < data.size; start += EVAL_CHUNK) {
    const size = Math.min(EVAL_CHUNK, data.size - start);
    const [hits, loss] = tf.tidy(() => {
      const images = data.images.slice([start, 0], [size, -1]);
      const labels = data.labels.slice([start], [size]);
      const logits = model(params, images, 'eval');
      const hit = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32'));
      return [hit.dataSync()[0]!, tf.mean(crossEntropy(logits, labels)).dataSync()[0]!];
    });
    correct += hits;
    lossSum += loss * size;
  }
  return { accuracy: correct / data.size, loss: lossSum / data.size };
}

/** What differs between the MNIST classifiers: the model, its description and budget. */
export interface MnistClassifierSpec {
  readonly name: string;
  readonly variant: string;
  readonly description: string;
  readonly budget: Budget;
  readonly initParams: (seed: number) => ModelInit;
  readonly model: Classifier;
}

/** A Workload over the shared MNIST splits: cross-entropy loss, accuracy metric. */
export function mnistClassifier(spec: MnistClassifierSpec): Workload {
  const { model } = spec;
  return {
    name: spec.name,
    variant: spec.variant,
    description: spec.description,
    metric: { name: 'accuracy', direction: 'max' },
    lossType: 'softmax_cross_entropy',
    budget: spec.budget,
    trainSize: TRAIN_SIZE,
    load: async () => {
      if (mnistTrainOnly()) return; // a trial's process: loadTrain loaded all it may hold
      loadMnist();
    },
    initParams: spec.initParams,
    getBatch: mnistBatch,
    loss: (params, batch) => crossEntropy(model(params, batch.inputs as tf.Tensor2D, 'train'), batch.targets),
    evaluate: (params, split) => {
      if (mnistTrainOnly()) throw notInTrialProcess(spec.name, split);
      return evaluateClassifier(model, params, split);
    },
    trainData: mnistTrainData,
    loadTrain: loadMnistTrain,
  };
}
