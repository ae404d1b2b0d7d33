/** A conv stem and two residual blocks (conv-ReLU-conv, `tf.layers.add` skip), functional `tf.model`, `trainOnBatch`. */
import * as tf from '@tensorflow/tfjs';
import { layersInstance, oneHotLabels, type ZooModel } from './model.ts';

/** The batch of the bench (tests build with a smaller one). */
const BATCH = 32;

export const residual: ZooModel = {
  name: 'residual',
  about: '32×32×3 → conv3×3 32, 2 residual blocks (conv-ReLU-conv + skip, ReLU), GAP, dense 10 (functional tf.model)',
  batch: BATCH,
  build(batch = BATCH) {
    const input = tf.input({ shape: [32, 32, 3] });
    let x = tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input) as tf.SymbolicTensor;
    for (let block = 0; block < 2; block++) {
      let h = tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x) as tf.SymbolicTensor;
      h = tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same' }).apply(h) as tf.SymbolicTensor;
      x = tf.layers.reLU().apply(tf.layers.add().apply([x, h])) as tf.SymbolicTensor;
    }
    const pooled = tf.layers.globalAveragePooling2d({}).apply(x);
    const output = tf.layers.dense({ units: 10, activation: 'softmax' }).apply(pooled) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: output });
    return layersInstance(model, 'categoricalCrossentropy', tf.randomUniform([batch, 32, 32, 3], 0, 1, 'float32', 1), oneHotLabels(batch, 10, 2));
  },
};
