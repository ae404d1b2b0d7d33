/**
 * char_lm: next-character prediction on Moby Dick with a 2-layer decoder-only
 * transformer (d_model 64, 4 heads, context 32, pre-LN, GELU MLP ×4, learned
 * positions, untied output layer). The suite's sequence model: attention, LayerNorm
 * and embeddings for optimizers that treat parameter types differently.
 * Metric: validation bits per character (min).
 *
 * Budget (2-core dev machine, wasm, batch 128): a step takes ~0.40–0.43 s, so 150 s
 * holds ~350 steps; the reference AdamW (lr 3e-3) runs its schedule over stepHint =
 * 160 steps and meets the target after 50–63 s. An eval (512 windows of validation
 * and of test) takes ~0.75 s, so evals every 6 s cost ~12 % on top.
 */
import * as tf from '@tensorflow/tfjs';
import type { Metrics, Split, TensorMap, Workload } from '../../harness/spec.ts';
import type { WorkloadDefinition } from '../definition.ts';
import { notInTrialProcess } from '../common/train_only.ts';
import { charBatch, charTrainData, charTrainOnly, charVocabSize, CONTEXT, loadCharTrain, loadEvalWindows, TRAIN_WINDOWS } from './data.ts';
import { charLmLogits, initCharLm, tokenCrossEntropy, type CharLmConfig } from './model.ts';

type Shape = Omit<CharLmConfig, 'vocab' | 'context'>;

const BASE: Shape = { dModel: 64, heads: 4, layers: 2, norm: 'pre', activation: 'gelu', attentionScale: 1 };

const VARIANTS: Readonly<Record<string, { description: string; shape: Shape }>> = {
  base: { description: 'pre-LN, GELU MLP, attention logits scaled by 1/√d_head', shape: BASE },
  post_ln: { description: 'post-LN: LayerNorm after each residual sum, no final norm', shape: { ...BASE, norm: 'post' } },
  relu: { description: 'ReLU instead of GELU in the MLP', shape: { ...BASE, activation: 'relu' } },
  sharp_attention: {
    description: 'attention logits scaled by 2/√d_head (temperature ½)',
    shape: { ...BASE, attentionScale: 2 },
  },
};

/** Windows per forward pass in an eval; bounds the attention scores held at once. */
const EVAL_CHUNK = 256;

function configOf(shape: Shape): CharLmConfig {
  return { ...shape, vocab: charVocabSize(), context: CONTEXT };
}

function evaluateSplit(config: CharLmConfig, params: TensorMap, split: Split): Metrics {
  if (split === 'train') throw new Error('char_lm scores validation and test only');
  const windows = loadEvalWindows(split);
  let nats = 0;
  let correct = 0;
  for (let start = 0; start < windows.size; start += EVAL_CHUNK) {
    const size = Math.min(EVAL_CHUNK, windows.size - start);
    const [sum, hits] = tf.tidy(() => {
      const inputs = windows.inputs.slice([start, 0], [size, -1]);
      const targets = windows.targets.slice([start, 0], [size, -1]);
      const logits = charLmLogits(config, params, inputs);
      const hit = tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), targets), 'float32'));
      return [tf.sum(tokenCrossEntropy(logits, targets)).dataSync()[0]!, hit.dataSync()[0]!];
    });
    nats += sum;
    correct += hits;
  }
  const count = windows.size * CONTEXT;
  return { bits_per_char: nats / count / Math.LN2, loss: nats / count, accuracy: correct / count };
}

function create(variant: string): Workload {
  const entry = VARIANTS[variant];
  if (entry === undefined) throw new Error(`char_lm has no variant "${variant}"; its variants are: ${Object.keys(VARIANTS).join(', ')}`);
  const shape = entry.shape;
  let config: CharLmConfig | undefined;
  const model = () => (config ??= configOf(shape));
  return {
    name: 'char_lm',
    variant,
    description:
      'Character-level transformer LM (2 layers, d_model 64, 4 heads, context 32) on Moby Dick; 90/5/5 % contiguous split; metric bits per character',
    metric: { name: 'bits_per_char', direction: 'min' },
    lossType: 'softmax_cross_entropy',
    budget: { maxRuntimeSec: 150, stepHint: 160 },
    trainSize: TRAIN_WINDOWS,
    load: async () => {
      if (charTrainOnly()) return; // a trial's process: loadTrain loaded all it may hold
      loadEvalWindows('validation');
    },
    initParams: (seed) => initCharLm(model(), seed),
    getBatch: charBatch,
    // Per example: the mean cross-entropy (nats) over the window's CONTEXT predictions.
    loss: (params, batch) =>
      tf.tidy(() => tf.mean(tokenCrossEntropy(charLmLogits(model(), params, batch.inputs as tf.Tensor2D), batch.targets as tf.Tensor2D), 1)),
    evaluate: (params, split) => {
      if (charTrainOnly()) throw notInTrialProcess('char_lm', split);
      return evaluateSplit(model(), params, split);
    },
    trainData: charTrainData,
    loadTrain: loadCharTrain,
  };
}

export const charLm: WorkloadDefinition = {
  name: 'char_lm',
  description: 'Moby Dick character language model, 2-layer pre-LN transformer (metric: bits per character)',
  variants: Object.entries(VARIANTS).map(([name, v]) => ({ name, description: v.description })),
  create,
};
