/**
 * The conv net of mnist_cnn, on 28×28×1 NHWC images:
 *   conv3×3(c1) → pool2 → norm → act → conv3×3(c2) → pool2 → norm → act → dense(10).
 * Pooling comes before the norm and the activation so that those run on a quarter of
 * the positions (for max pooling and ReLU the order of the two does not matter).
 * Normalisation is GroupNorm with per-example statistics, so there is no running
 * state and train and eval compute the same function; a conv followed by a norm has
 * no bias (the norm's shift replaces it).
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelInit, TensorMap } from '../../harness/spec.ts';
import { activate, type Activation } from '../common/activations.ts';
import { conv2d, dense, groupNorm, pool2, type Pooling } from '../common/layers.ts';
import { ParamBuilder } from '../common/params.ts';
import { CLASSES, IMAGE_SIZE } from '../mnist/data.ts';

export interface CnnConfig {
  /** Output channels of the two conv layers. */
  readonly channels: readonly [number, number];
  /** Groups of the GroupNorm after each conv: 1 (the base) is a LayerNorm over H, W and C; 0 = no norm. */
  readonly normGroups: number;
  readonly activation: Activation;
  readonly pooling: Pooling;
  /** Multiplies the He-normal standard deviation of every weight. */
  readonly initScale: number;
}

export const BASE_CNN: CnnConfig = { channels: [16, 32], normGroups: 1, activation: 'relu', pooling: 'max', initScale: 1 };

const KERNEL = 3;
/** Side of the feature map after the two 2×2 poolings. */
const POOLED = IMAGE_SIZE / 4;

export function initCnn(config: CnnConfig, seed: number): ModelInit {
  const [c1, c2] = config.channels;
  const withNorm = config.normGroups > 0;
  const b = new ParamBuilder(seed, config.initScale);
  b.conv('conv0', KERNEL, 1, c1, !withNorm);
  if (withNorm) b.norm('norm0', c1);
  b.conv('conv1', KERNEL, c1, c2, !withNorm);
  if (withNorm) b.norm('norm1', c2);
  b.dense('out', POOLED * POOLED * c2, CLASSES);
  return b.build();
}

/** Logits of a batch of flattened images [N, 784]. */
export function cnnLogits(config: CnnConfig, params: TensorMap, images: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const n = images.shape[0];
    let x = tf.reshape(images, [n, IMAGE_SIZE, IMAGE_SIZE, 1]) as tf.Tensor4D;
    for (const layer of [0, 1]) {
      x = pool2(conv2d(params, `conv${layer}`, x), config.pooling);
      if (config.normGroups > 0) x = groupNorm(params, `norm${layer}`, x, config.normGroups);
      x = activate(x, config.activation);
    }
    return dense(params, 'out', tf.reshape(x, [n, -1]) as tf.Tensor2D);
  });
}
