/**
 * A small decoder-only transformer over characters (GPT-2 layout): token and learned
 * position embeddings, `layers` blocks of causal multi-head self-attention and a 4×
 * MLP, each in a residual branch, and an untied output layer with a bias (`head`).
 * Pre-LN by default: each branch normalises its input and a final LayerNorm precedes
 * the output; post-LN normalises after each residual sum instead and has no final
 * norm (Vaswani et al. 2017). The head is untied because, measured here, it learns
 * character frequencies and bigrams in far fewer steps than a tied one, and this
 * workload's budget holds only a few hundred steps.
 *
 * Tokens are embedded as one-hot rows times the table rather than with `tf.gather`:
 * with ~90 characters the product is cheap (on wasm, forward + backward for a batch of
 * 128×32 tokens: ~10 ms against ~14 ms for gather), and its gradient is a plain
 * matmul, which every backend has (the gradient of gather needs UnsortedSegmentSum).
 *
 * Init (GPT-2's scheme at a width-64 scale): weights and embeddings N(0, 0.1²), the
 * two projections back into the residual stream N(0, (0.1 / √(2·layers))²), biases 0,
 * norm scales 1. GPT-2's 0.02 suits d_model 768; here, measured with AdamW over the
 * 160-step reference run (5 seeds), it spread the best validation results over
 * 3.38–3.75 bits per character, where 0.1 gives 3.37–3.40.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../../harness/core/rng.ts';
import type { Batch, ModelInit, ParamType, TensorMap } from '../../harness/spec.ts';

export interface CharLmConfig {
  readonly vocab: number;
  readonly context: number;
  readonly dModel: number;
  readonly heads: number;
  readonly layers: number;
  /** Where the LayerNorms sit: before each branch (pre) or after each residual sum (post). */
  readonly norm: 'pre' | 'post';
  readonly activation: 'gelu' | 'relu';
  /** Multiplies the usual 1/√(head dim) scale of the attention logits. */
  readonly attentionScale: number;
}

const INIT_STD = 0.1;
const LN_EPSILON = 1e-5;
const MASKED = -1e9;

function param(params: TensorMap, name: string): tf.Tensor {
  const p = params[name];
  if (p === undefined) throw new Error(`char_lm: missing parameter ${name}`);
  return p;
}

export function initCharLm(config: CharLmConfig, seed: number): ModelInit {
  const { vocab, context, dModel: d, layers } = config;
  if (d % config.heads !== 0) throw new Error(`char_lm: d_model ${d} does not split into ${config.heads} heads`);
  const params: Record<string, tf.Tensor> = {};
  const types: Record<string, ParamType> = {};
  const normal = (name: string, type: ParamType, shape: number[], std: number) => {
    params[name] = tf.randomNormal(shape, 0, std, 'float32', deriveSeed(seed, name));
    types[name] = type;
  };
  const constant = (name: string, type: ParamType, shape: number[], value: number) => {
    params[name] = tf.fill(shape, value);
    types[name] = type;
  };
  const norm = (name: string) => {
    constant(`${name}/scale`, 'norm_scale', [d], 1);
    constant(`${name}/bias`, 'norm_bias', [d], 0);
  };
  const residualStd = INIT_STD / Math.sqrt(2 * layers);
  normal('embed/tokens', 'embedding', [vocab, d], INIT_STD);
  normal('embed/positions', 'embedding', [context, d], INIT_STD);
  for (let l = 0; l < layers; l++) {
    const b = `block${l}`;
    norm(`${b}/ln1`);
    for (const part of ['query', 'key', 'value']) {
      normal(`${b}/attn/${part}/kernel`, 'attention_qkv', [d, d], INIT_STD);
      constant(`${b}/attn/${part}/bias`, 'bias', [d], 0);
    }
    normal(`${b}/attn/out/kernel`, 'attention_out', [d, d], residualStd);
    constant(`${b}/attn/out/bias`, 'bias', [d], 0);
    norm(`${b}/ln2`);
    normal(`${b}/mlp/fc/kernel`, 'weight', [d, 4 * d], INIT_STD);
    constant(`${b}/mlp/fc/bias`, 'bias', [4 * d], 0);
    normal(`${b}/mlp/proj/kernel`, 'weight', [4 * d, d], residualStd);
    constant(`${b}/mlp/proj/bias`, 'bias', [d], 0);
  }
  if (config.norm === 'pre') norm('final_ln');
  normal('head/kernel', 'weight', [d, vocab], INIT_STD);
  constant('head/bias', 'bias', [vocab], 0);
  return { params, types };
}

/** LayerNorm over the last axis of [rows, d]. */
function layerNorm(params: TensorMap, name: string, x: tf.Tensor2D): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, -1, true);
  const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, LN_EPSILON)));
  return tf.add(tf.mul(normed, param(params, `${name}/scale`)), param(params, `${name}/bias`));
}

function dense(params: TensorMap, name: string, x: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.matMul(x, param(params, `${name}/kernel`) as tf.Tensor2D), param(params, `${name}/bias`));
}

const masks = new Map<number, Float32Array>();

/** Additive causal mask [T, T]: 0 where a query may see a key (key ≤ query), else −1e9. */
export function causalMask(t: number): tf.Tensor2D {
  let values = masks.get(t);
  if (values === undefined) {
    values = new Float32Array(t * t);
    for (let q = 0; q < t; q++) values.fill(MASKED, q * t + q + 1, (q + 1) * t);
    masks.set(t, values);
  }
  return tf.tensor2d(values, [t, t]);
}

/** Causal multi-head self-attention of [batch·T, d] rows; returns the same shape. */
function attention(config: CharLmConfig, params: TensorMap, name: string, x: tf.Tensor2D, batch: number, t: number): tf.Tensor2D {
  const { dModel: d, heads } = config;
  const dh = d / heads;
  // Separate query, key and value products: slicing one fused product costs more on
  // wasm than the two extra matmul calls.
  const split = (part: string) => tf.transpose(tf.reshape(dense(params, `${name}/${part}`, x), [batch, t, heads, dh]), [0, 2, 1, 3]);
  const scale = config.attentionScale / Math.sqrt(dh);
  const scores = tf.add(tf.matMul(tf.mul(split('query'), scale), split('key'), false, true), causalMask(t));
  const mixed = tf.matMul(tf.softmax(scores), split('value'));
  const merged = tf.reshape(tf.transpose(mixed, [0, 2, 1, 3]), [batch * t, d]) as tf.Tensor2D;
  return dense(params, `${name}/out`, merged);
}

const GELU_C = 2 * Math.sqrt(2 / Math.PI);

/**
 * GELU, tanh approximation, written as x·σ(2u) (= x·½(1 + tanh u)): on wasm, sigmoid
 * and products are several times faster than tanh and pow.
 */
export function gelu(x: tf.Tensor2D): tf.Tensor2D {
  const u = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), GELU_C);
  return tf.mul(x, tf.sigmoid(u));
}

function mlp(config: CharLmConfig, params: TensorMap, name: string, x: tf.Tensor2D): tf.Tensor2D {
  const hidden = dense(params, `${name}/fc`, x);
  return dense(params, `${name}/proj`, config.activation === 'gelu' ? gelu(hidden) : tf.relu(hidden));
}

/** Next-character logits [batch, T, vocab] of int32 token windows [batch, T] (T ≤ context). */
export function charLmLogits(config: CharLmConfig, params: TensorMap, tokens: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, t] = tokens.shape;
    const table = param(params, 'embed/tokens') as tf.Tensor2D;
    const oneHot = tf.oneHot(tf.reshape(tokens, [batch * t]), config.vocab);
    const positions = tf.slice(param(params, 'embed/positions'), [0, 0], [t, config.dModel]);
    const embedded = tf.add(tf.reshape(tf.matMul(oneHot, table), [batch, t, config.dModel]), positions);
    let x = tf.reshape(embedded, [batch * t, config.dModel]) as tf.Tensor2D;
    for (let l = 0; l < config.layers; l++) {
      const b = `block${l}`;
      if (config.norm === 'pre') {
        x = tf.add(x, attention(config, params, `${b}/attn`, layerNorm(params, `${b}/ln1`, x), batch, t));
        x = tf.add(x, mlp(config, params, `${b}/mlp`, layerNorm(params, `${b}/ln2`, x)));
      } else {
        x = layerNorm(params, `${b}/ln1`, tf.add(x, attention(config, params, `${b}/attn`, x, batch, t)));
        x = layerNorm(params, `${b}/ln2`, tf.add(x, mlp(config, params, `${b}/mlp`, x)));
      }
    }
    if (config.norm === 'pre') x = layerNorm(params, 'final_ln', x);
    return tf.reshape(dense(params, 'head', x), [batch, t, config.vocab]);
  });
}

/** Cross-entropy (nats) of each target token, [batch, T]. */
export function tokenCrossEntropy(logits: tf.Tensor3D, targets: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const vocab = logits.shape[2];
    const logProbs = tf.logSoftmax(logits);
    return tf.neg(tf.sum(tf.mul(tf.oneHot(targets, vocab), logProbs), -1)) as tf.Tensor2D;
  });
}

/** Per example: the mean cross-entropy (nats) over the window's CONTEXT predictions. */
export function charLmLoss(config: CharLmConfig, params: TensorMap, batch: Batch): tf.Tensor1D {
  return tf.tidy(() => tf.mean(tokenCrossEntropy(charLmLogits(config, params, batch.inputs as tf.Tensor2D), batch.targets as tf.Tensor2D), 1) as tf.Tensor1D);
}
