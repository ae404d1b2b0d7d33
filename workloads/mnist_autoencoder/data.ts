/**
 * mnist_autoencoder's data: the MNIST classifiers' split and training data
 * (workloads/mnist/data.ts), with batches whose targets are the input images.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../../harness/spec.ts';
import type { WorkloadData } from '../definition.ts';
import { mnistData, mnistTrain, PIXELS } from '../mnist/data.ts';

/** The images of the given training examples, as inputs and (a second handle) targets. */
function imageBatch(indices: Int32Array): Batch {
  const train = mnistTrain();
  return tf.tidy(() => {
    const inputs = tf.gather(train.images, tf.tensor1d(indices, 'int32'));
    return { inputs, targets: inputs.clone(), size: indices.length, indices };
  });
}

export const autoencoderData: WorkloadData = {
  ...mnistData,
  batch: { inputs: { shape: ['batch', PIXELS], dtype: 'float32' }, targets: { shape: ['batch', PIXELS], dtype: 'float32' } },
  getBatch: imageBatch,
};
