/**
 * spam_bow: spam or ham on the SpamAssassin corpus from a bag of hashed words
 * (subject and body, 2^14 FNV-1a buckets, 64-dim embeddings averaged) and an MLP
 * 64-64-1. The suite's sparse-embedding workload: most of its parameters are a large
 * table of which each step touches a few rows. Metric: validation ROC AUC (max).
 *
 * Budget (2-core dev machine, wasm, batch 128): a step takes ~45 ms, so 20 s holds
 * ~440 steps; the reference AdamW (lr 1e-3) runs its schedule over stepHint = 300
 * steps and meets the target after 3–10 s. An eval (590 + 590 messages) takes
 * ~0.13 s, so evals every second cost ~13 % on top.
 */
import * as tf from '@tensorflow/tfjs';
import type { Metrics, Split, TensorMap, Workload } from '../../harness/spec.ts';
import { rocAuc } from '../common/auc.ts';
import type { WorkloadDefinition } from '../definition.ts';
import { notInTrialProcess } from '../common/train_only.ts';
import { evalChunks, loadSpamTrain, spamBatch, spamTrainData, spamTrainOnly, splitSet, TRAIN_SIZE } from './data.ts';
import { bagLogits, initBagModel, sigmoidCrossEntropy, type BagConfig } from './model.ts';

const BASE: BagConfig = { embedDim: 64, bag: 'mean', hidden: [64] };

const VARIANTS: Readonly<Record<string, { description: string; config: BagConfig }>> = {
  base: { description: 'mean bag of 64-dim embeddings, one hidden ReLU layer of 64', config: BASE },
  sum_bag: { description: 'sum instead of mean of the word embeddings', config: { ...BASE, bag: 'sum' } },
  no_hidden: { description: 'logistic regression on the mean bag (no hidden layer)', config: { ...BASE, hidden: [] } },
  deep: { description: 'three hidden ReLU layers of 64', config: { ...BASE, hidden: [64, 64, 64] } },
};

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

function create(variant: string): Workload {
  const entry = VARIANTS[variant];
  if (entry === undefined) throw new Error(`spam_bow has no variant "${variant}"; its variants are: ${Object.keys(VARIANTS).join(', ')}`);
  const config = entry.config;
  return {
    name: 'spam_bow',
    variant,
    description:
      'Embedding bag over 2^14 hashed words (subject + body) and an MLP on the de-duplicated SpamAssassin corpus; stratified 80/10/10 split; metric ROC AUC',
    metric: { name: 'auc', direction: 'max' },
    lossType: 'sigmoid_cross_entropy',
    budget: { maxRuntimeSec: 20, stepHint: 300 },
    trainSize: TRAIN_SIZE,
    load: async () => {
      if (spamTrainOnly()) return; // a trial's process: loadTrain loaded all it may hold
      evalChunks('validation');
    },
    initParams: (seed) => initBagModel(config, seed),
    getBatch: spamBatch,
    loss: (params, batch) =>
      sigmoidCrossEntropy(bagLogits(config, params, batch.inputs as tf.Tensor2D, batch.size), batch.targets as tf.Tensor1D),
    evaluate: (params, split) => {
      if (spamTrainOnly()) throw notInTrialProcess('spam_bow', split);
      return evaluateSplit(config, params, split);
    },
    trainData: spamTrainData,
    loadTrain: loadSpamTrain,
  };
}

export const spamBow: WorkloadDefinition = {
  name: 'spam_bow',
  description: 'SpamAssassin spam filter, embedding bag of hashed words + MLP (metric: ROC AUC)',
  variants: Object.entries(VARIANTS).map(([name, v]) => ({ name, description: v.description })),
  create,
};
