/**
 * The spam classifier: an embedding bag over hashed words (each message's bucket
 * embeddings averaged, or summed), then an MLP with ReLU to one logit (spam).
 *
 * The bag is computed as a multi-hot product: the batch's word counts are scattered
 * into a [messages, buckets] matrix X on the device and the bags are X·E (divided by
 * the word counts for the mean). Measured on wasm (batch 128, ~27k words), forward +
 * backward took ~40 ms (CPU time) this way against ~340 ms as gather + segment sum:
 * GatherV2 and the broadcast LogicalAnd of segment sum's gradient are slow there.
 *
 * Init: embeddings N(0, EMBED_STD²) — the same for mean and sum bags, so that the sum
 * variant changes the scale the optimizer sees; dense kernels He-normal, biases 0.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../../harness/core/rng.ts';
import type { Batch, ModelInit, ParamType, TensorMap } from '../../harness/spec.ts';
import { BUCKETS } from './parse.ts';

export interface BagConfig {
  readonly embedDim: number;
  readonly bag: 'mean' | 'sum';
  /** Widths of the hidden ReLU layers; none is logistic regression on the bag. */
  readonly hidden: readonly number[];
}

export const EMBED_STD = 0.1;

function param(params: TensorMap, name: string): tf.Tensor {
  const p = params[name];
  if (p === undefined) throw new Error(`spam_bow: missing parameter ${name}`);
  return p;
}

export function initBagModel(config: BagConfig, seed: number): ModelInit {
  const params: Record<string, tf.Tensor> = {};
  const types: Record<string, ParamType> = {};
  params['embed'] = tf.randomNormal([BUCKETS, config.embedDim], 0, EMBED_STD, 'float32', deriveSeed(seed, 'embed'));
  types['embed'] = 'embedding';
  const sizes = [config.embedDim, ...config.hidden, 1];
  for (let layer = 0; layer + 1 < sizes.length; layer++) {
    const fanIn = sizes[layer]!;
    const name = `dense${layer}`;
    params[`${name}/kernel`] = tf.randomNormal([fanIn, sizes[layer + 1]!], 0, Math.sqrt(2 / fanIn), 'float32', deriveSeed(seed, name));
    types[`${name}/kernel`] = 'weight';
    params[`${name}/bias`] = tf.zeros([sizes[layer + 1]!]);
    types[`${name}/bias`] = 'bias';
  }
  return { params, types };
}

/**
 * The bags [messages, embedDim] of a packed batch ([words, 2] of (message slot,
 * bucket id)), for `messages` messages. Empty messages get a zero bag.
 */
export function embeddingBag(config: BagConfig, params: TensorMap, packed: tf.Tensor2D, messages: number): tf.Tensor2D {
  return tf.tidy((): tf.Tensor2D => {
    const counts = tf.scatterND(packed, tf.ones([packed.shape[0]]), [messages, BUCKETS]) as tf.Tensor2D;
    const sums: tf.Tensor2D = tf.matMul(counts, param(params, 'embed') as tf.Tensor2D);
    if (config.bag === 'sum') return sums;
    return tf.div(sums, tf.maximum(tf.sum(counts, 1, true), 1)) as tf.Tensor2D;
  });
}

/** Spam logits [messages] of a packed batch. */
export function bagLogits(config: BagConfig, params: TensorMap, packed: tf.Tensor2D, messages: number): tf.Tensor1D {
  return tf.tidy(() => {
    let x = embeddingBag(config, params, packed, messages);
    const layers = config.hidden.length + 1;
    for (let layer = 0; layer < layers; layer++) {
      x = tf.add(tf.matMul(x, param(params, `dense${layer}/kernel`) as tf.Tensor2D), param(params, `dense${layer}/bias`));
      if (layer + 1 < layers) x = tf.relu(x);
    }
    return tf.reshape(x, [messages]);
  });
}

/** Per-example sigmoid cross-entropy of logits against 0/1 labels (numerically stable). */
export function sigmoidCrossEntropy(logits: tf.Tensor1D, labels: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => tf.add(tf.sub(tf.relu(logits), tf.mul(logits, labels)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))));
}

/** The training loss: each message's sigmoid cross-entropy. */
export function bagLoss(config: BagConfig, params: TensorMap, batch: Batch): tf.Tensor1D {
  return sigmoidCrossEntropy(bagLogits(config, params, batch.inputs as tf.Tensor2D, batch.size), batch.targets as tf.Tensor1D);
}
