/**
 * The MLP of mnist_mlp: 784 → 256 → 256 → 10 with He-normal weights. A variant may
 * change the activation or the init scale; the shapes stay the same so that every
 * variant trains the same number of parameters.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelInit, TensorMap } from '../../harness/spec.ts';
import { activate, type Activation } from '../common/activations.ts';
import { dense } from '../common/layers.ts';
import { ParamBuilder } from '../common/params.ts';
import { CLASSES, PIXELS } from '../mnist/data.ts';

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
  const b = new ParamBuilder(seed, config.initScale);
  for (let layer = 0; layer + 1 < sizes.length; layer++) b.dense(`dense${layer}`, sizes[layer]!, sizes[layer + 1]!);
  return b.build();
}

export function mlpLogits(config: MlpConfig, params: TensorMap, images: tf.Tensor2D): tf.Tensor2D {
  const layers = config.hidden.length + 1;
  let x: tf.Tensor2D = images;
  for (let layer = 0; layer < layers; layer++) {
    x = dense(params, `dense${layer}`, x);
    if (layer + 1 < layers) x = activate(x, config.activation);
  }
  return x;
}
