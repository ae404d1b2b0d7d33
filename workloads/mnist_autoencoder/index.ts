/**
 * mnist_autoencoder: reconstruct real MNIST digits through a 64-number code. The
 * suite's regression workload (a small analogue of AlgoPerf's fastMRI): the target
 * is a validation mean squared error, and SSIM is reported beside it.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch, Metrics, Split, TensorMap, Workload } from '../../harness/spec.ts';
import { notInTrialProcess } from '../common/train_only.ts';
import { loadMnist, loadMnistTrain, mnistHeldOut, mnistTrain, mnistTrainData, mnistTrainOnly, TRAIN_SIZE } from '../mnist/data.ts';
import type { WorkloadDefinition } from '../definition.ts';
import { perExampleMse, perExampleSsim } from './metrics.ts';
import { BASE_AUTOENCODER, initAutoencoder, reconstruct, type AutoencoderConfig } from './model.ts';

const VARIANTS: Readonly<Record<string, { description: string; config: AutoencoderConfig }>> = {
  base: { description: '784-256-64-256-784, ReLU, He-normal init', config: BASE_AUTOENCODER },
  tanh: { description: 'tanh instead of ReLU', config: { ...BASE_AUTOENCODER, activation: 'tanh' } },
  bottleneck32: { description: 'a 32-number code instead of 64', config: { ...BASE_AUTOENCODER, hidden: [256, 32, 256] } },
  gelu: { description: 'GELU instead of ReLU', config: { ...BASE_AUTOENCODER, activation: 'gelu' } },
};

const EVAL_CHUNK = 1_000;

/** The images of the given training examples, as inputs and (a second handle) targets. */
function imageBatch(indices: Int32Array): Batch {
  const train = mnistTrain();
  return tf.tidy(() => {
    const inputs = tf.gather(train.images, tf.tensor1d(indices, 'int32'));
    return { inputs, targets: inputs.clone(), size: indices.length, indices };
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

function create(variant: string): Workload {
  const entry = VARIANTS[variant];
  if (entry === undefined) throw new Error(`mnist_autoencoder has no variant "${variant}"`);
  const config = entry.config;
  return {
    name: 'mnist_autoencoder',
    variant,
    description: 'MLP autoencoder 784-256-64-256-784 (sigmoid output) on 8,000 MNIST digits; validation and test sets of 1,000',
    metric: { name: 'mse', direction: 'min' },
    lossType: 'mean_squared_error',
    // 2-core dev machine, wasm backend (2026-11-29): an AdamW step at batch 128 takes
    // ~24 ms (22-29 ms across variants), an eval of validation + test 0.15-0.2 s. 2,400
    // steps fit the budget; AdamW (lr 3e-3) reaches the targets in 21-39 s; 20 evals
    // cost ~4 s.
    budget: { maxRuntimeSec: 60, stepHint: 2_400 },
    trainSize: TRAIN_SIZE,
    load: async () => {
      if (mnistTrainOnly()) return; // a trial's process: loadTrain loaded all it may hold
      loadMnist();
    },
    initParams: (seed) => initAutoencoder(config, seed),
    getBatch: imageBatch,
    loss: (params, batch) => perExampleMse(reconstruct(config, params, batch.inputs as tf.Tensor2D), batch.targets as tf.Tensor2D),
    evaluate: (params, split) => {
      if (mnistTrainOnly()) throw notInTrialProcess('mnist_autoencoder', split);
      return evaluateAutoencoder(config, params, split);
    },
    trainData: mnistTrainData,
    loadTrain: loadMnistTrain,
  };
}

export const mnistAutoencoder: WorkloadDefinition = {
  name: 'mnist_autoencoder',
  description: 'MNIST reconstruction with an MLP autoencoder (metric: validation mean squared error)',
  variants: Object.entries(VARIANTS).map(([name, v]) => ({ name, description: v.description })),
  create,
};
