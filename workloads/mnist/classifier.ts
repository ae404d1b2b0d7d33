/**
 * What the MNIST classifiers (mnist_mlp, mnist_cnn) share besides their data: softmax
 * cross-entropy as the loss, and accuracy/loss over a whole split, evaluated in chunks
 * so an eval never holds more than a chunk of activations. A classifier's folder
 * supplies its model (init and logits) and gets the rest of its definition here.
 */
import * as tf from '@tensorflow/tfjs';
import type { Metrics, ModelInit, Split, TensorMap, Workload } from '../../harness/spec.ts';
import type { WorkloadEvaluation, WorkloadModel } from '../definition.ts';
import { CLASSES, loadMnist, mnistHeldOut, mnistTrain } from './data.ts';

/** Logits of a batch of flattened images. */
export type Logits<C> = (config: C, params: TensorMap, images: tf.Tensor2D) => tf.Tensor2D;

const EVAL_CHUNK = 1_000;

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
export function evaluateClassifier(logits: (params: TensorMap, images: tf.Tensor2D) => tf.Tensor2D, params: TensorMap, split: Split): Metrics {
  const data = split === 'train' ? mnistTrain() : mnistHeldOut(split);
  let correct = 0;
  let lossSum = 0;
  for (let start = 0; start < data.size; start += EVAL_CHUNK) {
    const size = Math.min(EVAL_CHUNK, data.size - start);
    const [hits, loss] = tf.tidy(() => {
      const images = data.images.slice([start, 0], [size, -1]);
      const labels = data.labels.slice([start], [size]);
      const out = logits(params, images);
      const hit = tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), labels), 'float32'));
      return [hit.dataSync()[0]!, tf.mean(crossEntropy(out, labels)).dataSync()[0]!];
    });
    correct += hits;
    lossSum += loss * size;
  }
  return { accuracy: correct / data.size, loss: lossSum / data.size };
}

/** The metric, loss, model and evaluation of an MNIST classifier with the given model. */
export function mnistClassifier<C>(
  init: (config: C, seed: number) => ModelInit,
  logits: Logits<C>,
): { metric: Workload['metric']; lossType: Workload['lossType']; model: WorkloadModel<C>; evaluation: WorkloadEvaluation<C> } {
  return {
    metric: { name: 'accuracy', direction: 'max' },
    lossType: 'softmax_cross_entropy',
    model: {
      init,
      loss: (config, params, batch) => crossEntropy(logits(config, params, batch.inputs as tf.Tensor2D), batch.targets),
    },
    evaluation: {
      prepare: () => void loadMnist(),
      evaluate: (config, params, split) => evaluateClassifier((p, images) => logits(config, p, images), params, split),
    },
  };
}
