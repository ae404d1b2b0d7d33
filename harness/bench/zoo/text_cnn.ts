/** A 1-D conv text classifier: embedding → `conv1d` → global max pool → dense, `trainOnBatch`. */
import * as tf from '@tensorflow/tfjs';
import { layersInstance, oneHotLabels, type ZooModel } from './model.ts';

/** The batch of the bench (tests build with a smaller one). */
const BATCH = 64;

export const textCnn: ZooModel = {
  name: 'text_cnn',
  about: 'tokens [100] → embedding 5000×64 → conv1d k5 128 ReLU → global max pool → dense 2',
  batch: BATCH,
  build(batch = BATCH) {
    const model = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 5000, outputDim: 64, inputLength: 100 }),
        tf.layers.conv1d({ filters: 128, kernelSize: 5, activation: 'relu' }),
        tf.layers.globalMaxPooling1d({}),
        tf.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    return layersInstance(model, 'categoricalCrossentropy', tf.randomUniformInt([batch, 100], 0, 5000, 1), oneHotLabels(batch, 2, 2));
  },
};
