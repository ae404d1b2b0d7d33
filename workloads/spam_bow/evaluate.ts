/**
 * spam_bow's evaluation: ROC AUC (the metric) of the spam logits over a whole
 * held-out split, with the mean sigmoid cross-entropy and the accuracy at logit 0.
 */
import * as tf from '@tensorflow/tfjs';
import type { Metrics, Split, TensorMap } from '../../harness/spec.ts';
import { rocAuc } from '../common/auc.ts';
import type { WorkloadEvaluation } from '../definition.ts';
import { evalChunks, splitSet } from './data.ts';
import { bagLogits, sigmoidCrossEntropy, type BagConfig } from './model.ts';

function evaluateSplit(config: BagConfig, params: TensorMap, split: Split): Metrics {
  if (split === 'train') throw new Error('spam_bow scores validation and test only');
  const labels = splitSet(split).labels;
  const scores = new Float32Array(labels.length);
  let nats = 0;
  let correct = 0;
  let at = 0;
  for (const chunk of evalChunks(split)) {
    const [logits, loss] = tf.tidy(() => {
      const z = bagLogits(config, params, chunk.packed, chunk.size);
      const y = tf.tensor1d(labels.subarray(at, at + chunk.size));
      return [z.dataSync() as Float32Array, tf.sum(sigmoidCrossEntropy(z, y)).dataSync()[0]!] as const;
    });
    scores.set(logits, at);
    nats += loss;
    logits.forEach((z, i) => (correct += Number(z > 0 === (labels[at + i] === 1))));
    at += chunk.size;
  }
  return { auc: rocAuc(scores, labels), loss: nats / labels.length, accuracy: correct / labels.length };
}

export const spamEvaluation: WorkloadEvaluation<BagConfig> = {
  prepare: () => void evalChunks('validation'),
  evaluate: evaluateSplit,
};
