/**
 * mnist_autoencoder: reconstruct real MNIST digits through a 64-number code. The
 * suite's regression workload (a small analogue of AlgoPerf's fastMRI): the target
 * is a validation mean squared error, and SSIM is reported beside it.
 */
import { asDeclared, defineWorkload } from '../definition.ts';
import { autoencoderData } from './data.ts';
import { autoencoderEvaluation } from './evaluate.ts';
import { autoencoderLoss, BASE_AUTOENCODER, initAutoencoder, type AutoencoderConfig } from './model.ts';

export const mnistAutoencoder = defineWorkload<AutoencoderConfig>({
  name: 'mnist_autoencoder',
  description: 'MNIST reconstruction with an MLP autoencoder (metric: validation mean squared error)',
  details: 'MLP autoencoder 784-256-64-256-784 (sigmoid output) on 8,000 MNIST digits; validation and test sets of 1,000',
  metric: { name: 'mse', direction: 'min' },
  lossType: 'mean_squared_error',
  // 2-core dev machine, wasm backend (2026-11-29): an AdamW step at batch 128 takes
  // ~24 ms (22-29 ms across variants), an eval of validation + test 0.15-0.2 s. 2,400
  // steps fit the budget; AdamW (lr 3e-3) reaches the targets in 21-39 s; 20 evals
  // cost ~4 s.
  budget: { maxRuntimeSec: 60, stepHint: 2_400 },
  variants: {
    base: { description: '784-256-64-256-784, ReLU, He-normal init', config: BASE_AUTOENCODER },
    tanh: { description: 'tanh instead of ReLU', config: { ...BASE_AUTOENCODER, activation: 'tanh' } },
    bottleneck32: { description: 'a 32-number code instead of 64', config: { ...BASE_AUTOENCODER, hidden: [256, 32, 256] } },
    gelu: { description: 'GELU instead of ReLU', config: { ...BASE_AUTOENCODER, activation: 'gelu' } },
  },
  configure: asDeclared,
  data: autoencoderData,
  model: { init: initAutoencoder, loss: autoencoderLoss },
  evaluation: autoencoderEvaluation,
});
