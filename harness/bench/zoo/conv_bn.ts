/** Three 3×3 convs with BatchNorm and ReLU, a max pool, global average pooling: `tf.sequential`, `trainOnBatch`. */
import * as tf from '@tensorflow/tfjs';
import { layersInstance, oneHotLabels, type ZooModel } from './model.ts';

/** The batch of the bench (tests build with a smaller one). */
const BATCH = 32;

export const convBn: ZooModel = {
  name: 'conv_bn',
  about: '32×32×3 → 3× (conv3×3 no bias → BatchNorm → ReLU), max pool, GAP, dense 10',
  batch: BATCH,
  build(batch = BATCH) {
    const convBnRelu = (filters: number, first = false) => [
      tf.layers.conv2d({ ...(first ? { inputShape: [32, 32, 3] } : {}), filters, kernelSize: 3, padding: 'same', useBias: false }),
      tf.layers.batchNormalization(),
      tf.layers.reLU(),
    ];
    const model = tf.sequential({
      layers: [
        ...convBnRelu(32, true),
        ...convBnRelu(64),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        ...convBnRelu(64),
        tf.layers.globalAveragePooling2d({}),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    return layersInstance(model, 'categoricalCrossentropy', tf.randomUniform([batch, 32, 32, 3], 0, 1, 'float32', 1), oneHotLabels(batch, 10, 2));
  },
};
