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
import { asDeclared, defineWorkload } from '../definition.ts';
import { spamData } from './data.ts';
import { spamEvaluation } from './evaluate.ts';
import { bagLoss, initBagModel, type BagConfig } from './model.ts';

const BASE: BagConfig = { embedDim: 64, bag: 'mean', hidden: [64] };

export const spamBow = defineWorkload<BagConfig>({
  name: 'spam_bow',
  description: 'SpamAssassin spam filter, embedding bag of hashed words + MLP (metric: ROC AUC)',
  details:
    'Embedding bag over 2^14 hashed words (subject + body) and an MLP on the de-duplicated SpamAssassin corpus; stratified 80/10/10 split; metric ROC AUC',
  metric: { name: 'auc', direction: 'max' },
  lossType: 'sigmoid_cross_entropy',
  budget: { maxRuntimeSec: 20, stepHint: 300 },
  variants: {
    base: { description: 'mean bag of 64-dim embeddings, one hidden ReLU layer of 64', config: BASE },
    sum_bag: { description: 'sum instead of mean of the word embeddings', config: { ...BASE, bag: 'sum' } },
    no_hidden: { description: 'logistic regression on the mean bag (no hidden layer)', config: { ...BASE, hidden: [] } },
    deep: { description: 'three hidden ReLU layers of 64', config: { ...BASE, hidden: [64, 64, 64] } },
  },
  configure: asDeclared,
  data: spamData,
  model: { init: initBagModel, loss: bagLoss },
  evaluation: spamEvaluation,
});
