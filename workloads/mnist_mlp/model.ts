/**
 * The MLP of mnist_mlp: 784 → 256 → 256 → 10 with He-normal weights. A variant may
 * change the activation or the init scale; the shapes stay the same so that every
 * variant trains the same number of parameters.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../../harness/rng.ts';
import type { ModelInit, ParamType, TensorMap } from '../../harness/spec.ts';
import { CLASSES, PIXELS } from '../mnist/data.ts';

export type Activation = 'relu' | 'tanh' | 'gelu';

export interface MlpConfig {
  readonly hidden: readonly number[];
  readonly activation: Activation;
  /** Multiplies the He-normal standard deviation of every weight. */
  readonly initScale: number;
}

export const BASE_MLP: MlpConfig = { hidden: [256, 256], activation: 'relu', initScale: 1 };

function layerSizes(config: MlpConfig): number[] {
  return [PIXELS, ...config.hidden, CLASSES];
}

export function initMlp(config: MlpConfig, seed: number): ModelInit {
  const sizes = layerSizes(config);
  const params: Record<string, tf.Tensor> = {};
  const types: Record<string, ParamType> = {};
  for (let layer = 0; layer + 1 < sizes.length; layer++) {
    const fanIn = sizes[layer]!;
    const fanOut = sizes[layer + 1]!;
    const std = config.initScale * Math.sqrt(2 / fanIn);
    params[`dense${layer}/kernel`] = tf.randomNormal([fanIn, fanOut], 0, std, 'float32', deriveSeed(seed, 'kernel', layer));
    types[`dense${layer}/kernel`] = 'weight';
    params[`dense${layer}/bias`] = tf.zeros([fanOut]);
    types[`dense${layer}/bias`] = 'bias';
  }
  return { params, types };
}

function activate(x: tf.Tensor2D, activation: Activation): tf.Tensor2D {
  switch (activation) {
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'gelu':
      // tanh approximation of GELU; tfjs has no GELU op of its own.
      return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI)))));
  }
}

export function mlpLogits(config: MlpConfig, params: TensorMap, images: tf.Tensor2D): tf.Tensor2D {
  const layers = config.hidden.length + 1;
  let x: tf.Tensor2D = images;
  for (let layer = 0; layer < layers; layer++) {
    const kernel = params[`dense${layer}/kernel`] as tf.Tensor2D;
    const bias = params[`dense${layer}/bias`]!;
    x = tf.add(tf.matMul(x, kernel), bias);
    if (layer + 1 < layers) x = activate(x, config.activation);
  }
  return x;
}
