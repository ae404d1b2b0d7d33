/** LeNet-style: 5×5 convs with max pooling, then two dense layers, `trainOnBatch`. */
import * as tf from '@tensorflow/tfjs';
import { layersInstance, oneHotLabels, type ZooModel } from './model.ts';

/** The batch of the bench (tests build with a smaller one). */
const BATCH = 64;

export const conv5x5Pool: ZooModel = {
  name: 'conv5x5_pool',
  about: '28×28×1 → conv5×5 32 → max pool → conv5×5 64 → max pool → dense 256 → dense 10',
  batch: BATCH,
  build(batch = BATCH) {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 5, padding: 'same', activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.conv2d({ filters: 64, kernelSize: 5, padding: 'same', activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 256, activation: 'relu' }),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    return layersInstance(model, 'categoricalCrossentropy', tf.randomUniform([batch, 28, 28, 1], 0, 1, 'float32', 1), oneHotLabels(batch, 10, 2));
  },
};
