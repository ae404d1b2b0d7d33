/** A 784-512-512-10 ReLU MLP, `tf.sequential` of dense layers, `trainOnBatch`. */
import * as tf from '@tensorflow/tfjs';
import { layersInstance, oneHotLabels, type ZooModel } from './model.ts';

/** The batch of the bench (tests build with a smaller one). */
const BATCH = 128;

export const mlp: ZooModel = {
  name: 'mlp',
  about: '784-512-512-10 ReLU MLP (tf.sequential, dense layers)',
  batch: BATCH,
  build(batch = BATCH) {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [784], units: 512, activation: 'relu' }),
        tf.layers.dense({ units: 512, activation: 'relu' }),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    return layersInstance(model, 'categoricalCrossentropy', tf.randomUniform([batch, 784], 0, 1, 'float32', 1), oneHotLabels(batch, 10, 2));
  },
};
