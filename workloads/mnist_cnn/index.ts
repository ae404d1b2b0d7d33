/**
 * mnist_cnn: classify real MNIST digits with a small LayerNorm conv net. The suite's
 * convolutional workload: what conv-weight-aware optimizers and the backends' conv
 * gradient kernels are measured on.
 */
import { mnistClassifier } from '../mnist/classifier.ts';
import { mnistData } from '../mnist/data.ts';
import { asDeclared, defineWorkload } from '../definition.ts';
import { BASE_CNN, cnnLogits, initCnn, type CnnConfig } from './model.ts';

export const mnistCnn = defineWorkload<CnnConfig>({
  name: 'mnist_cnn',
  description: 'MNIST digit classification with a small LayerNorm conv net (metric: accuracy)',
  details: 'conv3×3(16)-pool-LN-ReLU-conv3×3(32)-pool-LN-ReLU-dense(10) on 8,000 MNIST digits; validation and test sets of 1,000',
  // 2-core dev machine, wasm backend with algobench's conv kernels (2026-11-29): an
  // AdamW step at batch 128 takes ~91 ms (84-104 ms across variants), an eval of
  // validation + test 0.25-0.3 s. 820 steps fit the budget; AdamW (lr 1e-3) reaches
  // the targets in 25-45 s; 15 evals cost ~4.5 s.
  budget: { maxRuntimeSec: 75, stepHint: 820 },
  variants: {
    base: { description: 'LayerNorm over H, W, C (GroupNorm with 1 group), ReLU, max pooling, 16/32 channels', config: BASE_CNN },
    no_norm: { description: 'no normalisation (conv biases instead)', config: { ...BASE_CNN, normGroups: 0 } },
    silu: { description: 'SiLU instead of ReLU', config: { ...BASE_CNN, activation: 'silu' } },
    avgpool: { description: 'average instead of max pooling', config: { ...BASE_CNN, pooling: 'avg' } },
  },
  configure: asDeclared,
  data: mnistData,
  ...mnistClassifier(initCnn, cnnLogits),
});
