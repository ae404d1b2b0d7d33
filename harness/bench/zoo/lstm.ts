/** Embedding → `tf.layers.lstm` → dense softmax, `trainOnBatch`: a sequence classifier as the tfjs guides write it. */
import * as tf from '@tensorflow/tfjs';
import { layersInstance, oneHotLabels, type ZooModel } from './model.ts';

/** The batch of the bench (tests build with a smaller one). */
const BATCH = 32;

export const lstm: ZooModel = {
  name: 'lstm',
  about: 'tokens [32] → embedding 1000×64 → LSTM 128 (last state) → dense 10 (tf.layers)',
  batch: BATCH,
  build(batch = BATCH) {
    const model = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 1000, outputDim: 64, inputLength: 32 }),
        tf.layers.lstm({ units: 128 }),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    return layersInstance(model, 'categoricalCrossentropy', tf.randomUniformInt([batch, 32], 0, 1000, 1), oneHotLabels(batch, 10, 2));
  },
};
