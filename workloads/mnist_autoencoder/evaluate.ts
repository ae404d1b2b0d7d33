/**
 * Reconstruction quality on a whole split: the mean squared error over pixels (the
 * training loss, model.ts) and the structural similarity index (SSIM, Wang et al.
 * 2004) as fastMRI reports it: a uniform 7×7 window, K1 = 0.01, K2 = 0.03, data
 * range 1, sample covariances, averaged over every valid window position and every
 * image. Evaluated in chunks so an eval never holds more than a chunk of activations.
 */
import * as tf from '@tensorflow/tfjs';
import type { Metrics, Split, TensorMap } from '../../harness/spec.ts';
import type { WorkloadEvaluation } from '../definition.ts';
import { IMAGE_SIZE, loadMnist, mnistHeldOut, mnistTrain } from '../mnist/data.ts';
import { perExampleMse, reconstruct, type AutoencoderConfig } from './model.ts';

const EVAL_CHUNK = 1_000;

const WINDOW = 7;
const C1 = 0.01 ** 2;
const C2 = 0.03 ** 2;
/** Turns the windows' biased variances into sample variances (N / (N - 1)). */
const COV_NORM = (WINDOW * WINDOW) / (WINDOW * WINDOW - 1);

const VALID = IMAGE_SIZE - WINDOW + 1;

/** [28, 22]: column j averages rows j..j+6. */
function boxFilterMatrix(): tf.Tensor2D {
  const values = new Float32Array(IMAGE_SIZE * VALID);
  for (let j = 0; j < VALID; j++) for (let i = j; i < j + WINDOW; i++) values[i * VALID + j] = 1 / WINDOW;
  return tf.tensor2d(values, [IMAGE_SIZE, VALID]);
}

/**
 * Means over every 7×7 window of a stack of 28×28 images: a box filter along each
 * axis, each a product with a band matrix (fast matmuls, where the wasm pooling
 * kernel is slow). The result is the 22×22 map with its axes swapped, which SSIM,
 * a mean over windows, does not mind as long as every map is swapped alike.
 */
function windowMeans(images: tf.Tensor3D): tf.Tensor3D {
  const n = images.shape[0];
  const band = boxFilterMatrix();
  const alongRows = tf.matMul(tf.reshape(images, [n * IMAGE_SIZE, IMAGE_SIZE]) as tf.Tensor2D, band);
  const swapped = tf.transpose(tf.reshape(alongRows, [n, IMAGE_SIZE, VALID]), [0, 2, 1]);
  const alongCols = tf.matMul(tf.reshape(swapped, [n * VALID, IMAGE_SIZE]) as tf.Tensor2D, band);
  return tf.reshape(alongCols, [n, VALID, VALID]);
}

/** SSIM of each example (mean over its 22×22 window positions). Eval only: not differentiated. */
export function perExampleSsim(reconstructions: tf.Tensor2D, images: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const n = images.shape[0];
    const x = tf.reshape(reconstructions, [n, IMAGE_SIZE, IMAGE_SIZE]) as tf.Tensor3D;
    const y = tf.reshape(images, [n, IMAGE_SIZE, IMAGE_SIZE]) as tf.Tensor3D;
    // One pass of the box filter over the five maps SSIM needs, stacked on the batch axis.
    const maps = tf.concat([x, y, tf.square(x), tf.square(y), tf.mul(x, y)], 0);
    const [ux, uy, uxx, uyy, uxy] = tf.split(windowMeans(maps as tf.Tensor3D), 5, 0) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
    const vx = tf.mul(tf.sub(uxx, tf.square(ux)), COV_NORM);
    const vy = tf.mul(tf.sub(uyy, tf.square(uy)), COV_NORM);
    const vxy = tf.mul(tf.sub(uxy, tf.mul(ux, uy)), COV_NORM);
    const numerator = tf.mul(tf.add(tf.mul(tf.mul(ux, uy), 2), C1), tf.add(tf.mul(vxy, 2), C2));
    const denominator = tf.mul(tf.add(tf.add(tf.square(ux), tf.square(uy)), C1), tf.add(tf.add(vx, vy), C2));
    return tf.mean(tf.reshape(tf.div(numerator, denominator), [n, -1]), 1) as tf.Tensor1D;
  });
}

function evaluateAutoencoder(config: AutoencoderConfig, params: TensorMap, split: Split): Metrics {
  const data = split === 'train' ? mnistTrain() : mnistHeldOut(split);
  let mseSum = 0;
  let ssimSum = 0;
  for (let start = 0; start < data.size; start += EVAL_CHUNK) {
    const size = Math.min(EVAL_CHUNK, data.size - start);
    const [mse, ssim] = tf.tidy(() => {
      const images = data.images.slice([start, 0], [size, -1]);
      const out = reconstruct(config, params, images);
      return [tf.sum(perExampleMse(out, images)).dataSync()[0]!, tf.sum(perExampleSsim(out, images)).dataSync()[0]!];
    });
    mseSum += mse;
    ssimSum += ssim;
  }
  return { mse: mseSum / data.size, ssim: ssimSum / data.size };
}

export const autoencoderEvaluation: WorkloadEvaluation<AutoencoderConfig> = {
  prepare: () => void loadMnist(),
  evaluate: evaluateAutoencoder,
};
