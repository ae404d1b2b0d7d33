/** `tf.layers.gru` over feature sequences → dense softmax, `trainOnBatch`. */
import * as tf from '@tensorflow/tfjs';
import { layersInstance, oneHotLabels, type ZooModel } from './model.ts';

/** The batch of the bench (tests build with a smaller one). */
const BATCH = 32;

export const gru: ZooModel = {
  name: 'gru',
  about: 'sequences [32 steps × 32 features] → GRU 128 (last state) → dense 10 (tf.layers)',
  batch: BATCH,
  build(batch = BATCH) {
    const model = tf.sequential({
      layers: [tf.layers.gru({ inputShape: [32, 32], units: 128 }), tf.layers.dense({ units: 10, activation: 'softmax' })],
    });
    return layersInstance(model, 'categoricalCrossentropy', tf.randomNormal([batch, 32, 32], 0, 1, 'float32', 1), oneHotLabels(batch, 10, 2));
  },
};
