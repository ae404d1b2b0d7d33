/** MobileNet-style depthwise-separable convs (`tf.layers.depthwiseConv2d` + 1×1 `conv2d`), `trainOnBatch`. */
import * as tf from '@tensorflow/tfjs';
import { layersInstance, oneHotLabels, type ZooModel } from './model.ts';

/** The batch of the bench (tests build with a smaller one). */
const BATCH = 32;

export const separable: ZooModel = {
  name: 'separable',
  about: '32×32×3 → conv3×3 32, 3× (depthwise 3×3 → ReLU → pointwise 1×1 → ReLU; the 2nd stride 2), GAP, dense 10',
  batch: BATCH,
  build(batch = BATCH) {
    const block = (filters: number, strides: number) => [
      tf.layers.depthwiseConv2d({ kernelSize: 3, strides, padding: 'same', activation: 'relu' }),
      tf.layers.conv2d({ filters, kernelSize: 1, activation: 'relu' }),
    ];
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
        ...block(64, 1),
        ...block(128, 2),
        ...block(128, 1),
        tf.layers.globalAveragePooling2d({}),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    return layersInstance(model, 'categoricalCrossentropy', tf.randomUniform([batch, 32, 32, 3], 0, 1, 'float32', 1), oneHotLabels(batch, 10, 2));
  },
};
