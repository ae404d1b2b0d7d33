/**
 * char_lm's evaluation: bits per character (the metric), loss (nats per character)
 * and next-character accuracy over the fixed scored windows of validation or test,
 * every window and all CONTEXT predictions of each.
 */
import * as tf from '@tensorflow/tfjs';
import type { Metrics, Split, TensorMap } from '../../harness/spec.ts';
import type { WorkloadEvaluation } from '../definition.ts';
import { CONTEXT, loadEvalWindows } from './data.ts';
import { charLmLogits, tokenCrossEntropy, type CharLmConfig } from './model.ts';

/** Windows per forward pass in an eval; bounds the attention scores held at once. */
const EVAL_CHUNK = 256;

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

export const charLmEvaluation: WorkloadEvaluation<CharLmConfig> = {
  prepare: () => void loadEvalWindows('validation'),
  evaluate: evaluateSplit,
};
