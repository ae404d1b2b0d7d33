/** A conv autoencoder: two stride-2 convs down, two stride-2 `conv2dTranspose` up, MSE, `trainOnBatch`. */
import * as tf from '@tensorflow/tfjs';
import { layersInstance, type ZooModel } from './model.ts';

/** The batch of the bench (tests build with a smaller one). */
const BATCH = 64;

export const convAutoencoder: ZooModel = {
  name: 'conv_autoencoder',
  about: '28×28×1 → conv3×3/2 32 → conv3×3/2 64 → conv2dTranspose3×3/2 32 → conv2dTranspose3×3/2 1 sigmoid, MSE',
  batch: BATCH,
  build(batch = BATCH) {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
        tf.layers.conv2d({ filters: 64, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
        tf.layers.conv2dTranspose({ filters: 32, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
        tf.layers.conv2dTranspose({ filters: 1, kernelSize: 3, strides: 2, padding: 'same', activation: 'sigmoid' }),
      ],
    });
    const x = tf.randomUniform([batch, 28, 28, 1], 0, 1, 'float32', 1);
    return layersInstance(model, 'meanSquaredError', x, x.clone());
  },
};
