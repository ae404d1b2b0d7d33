/**
 * The MLP autoencoder of mnist_autoencoder: 784 → 256 → code → 256 → 784 with a
 * sigmoid output, so reconstructions are pixel intensities in (0, 1) like the inputs.
 * Every hidden layer (the code included) applies the activation.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch, ModelInit, TensorMap } from '../../harness/spec.ts';
import { activate, type Activation } from '../common/activations.ts';
import { dense } from '../common/layers.ts';
import { ParamBuilder } from '../common/params.ts';
import { PIXELS } from '../mnist/data.ts';

export interface AutoencoderConfig {
  /** Widths of the hidden layers, encoder and decoder; the middle one is the code. */
  readonly hidden: readonly number[];
  readonly activation: Activation;
  /** Multiplies the He-normal standard deviation of every weight. */
  readonly initScale: number;
}

export const BASE_AUTOENCODER: AutoencoderConfig = { hidden: [256, 64, 256], activation: 'relu', initScale: 1 };

function layerSizes(config: AutoencoderConfig): number[] {
  return [PIXELS, ...config.hidden, PIXELS];
}

export function initAutoencoder(config: AutoencoderConfig, seed: number): ModelInit {
  const sizes = layerSizes(config);
  const b = new ParamBuilder(seed, config.initScale);
  for (let layer = 0; layer + 1 < sizes.length; layer++) b.dense(`dense${layer}`, sizes[layer]!, sizes[layer + 1]!);
  return b.build();
}

/** Reconstructions in (0, 1) of a batch of flattened images [N, 784]. */
export function reconstruct(config: AutoencoderConfig, params: TensorMap, images: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const layers = config.hidden.length + 1;
    let x = images;
    for (let layer = 0; layer < layers; layer++) {
      x = dense(params, `dense${layer}`, x);
      x = layer + 1 < layers ? activate(x, config.activation) : tf.sigmoid(x);
    }
    return x;
  });
}

/** Mean over pixels of the squared error, one value per example. */
export function perExampleMse(reconstructions: tf.Tensor2D, images: tf.Tensor2D): tf.Tensor1D {
  return tf.mean(tf.squaredDifference(reconstructions, images), 1);
}

/** The training loss: each example's mean squared reconstruction error. */
export function autoencoderLoss(config: AutoencoderConfig, params: TensorMap, batch: Batch): tf.Tensor1D {
  return perExampleMse(reconstruct(config, params, batch.inputs as tf.Tensor2D), batch.targets as tf.Tensor2D);
}
