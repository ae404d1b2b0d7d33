/** A 784-512-512-10 ReLU MLP, `tf.sequential` of dense layers, `trainOnBatch`. */
import * as tf from '@tensorflow/tfjs';
import { layersInstance, oneHotLabels, type ZooModel } from './model.ts';

export const mlp: ZooModel = {
  name: 'mlp',
  about: '784-512-512-10 ReLU MLP (tf.sequential, dense layers)',
  batch: 128,
  build() {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [784], units: 512, activation: 'relu' }),
        tf.layers.dense({ units: 512, activation: 'relu' }),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    return layersInstance(model, 'categoricalCrossentropy', tf.randomUniform([this.batch, 784], 0, 1, 'float32', 1), oneHotLabels(this.batch, 10, 2));
  },
};
