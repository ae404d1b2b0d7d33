/**
 * mnist_mlp: classify real MNIST digits with a two-hidden-layer MLP. The smallest
 * workload of the suite: the one the quick benchmark and the tests run.
 */
import { mnistClassifier } from '../mnist/classifier.ts';
import { mnistData } from '../mnist/data.ts';
import { asDeclared, defineWorkload } from '../definition.ts';
import { BASE_MLP, initMlp, mlpLogits, type MlpConfig } from './model.ts';

export const mnistMlp = defineWorkload<MlpConfig>({
  name: 'mnist_mlp',
  description: 'MNIST digit classification with a 2-hidden-layer MLP (metric: accuracy)',
  details: 'MLP 784-256-256-10 on 8,000 MNIST digits; validation and test sets of 1,000',
  budget: { maxRuntimeSec: 40, stepHint: 2_500 },
  variants: {
    base: { description: 'ReLU, He-normal init', config: BASE_MLP },
    tanh: { description: 'tanh instead of ReLU', config: { ...BASE_MLP, activation: 'tanh' } },
    gelu_small_init: {
      description: 'GELU with weights initialised at 0.5× the He scale',
      config: { ...BASE_MLP, activation: 'gelu', initScale: 0.5 },
    },
  },
  configure: asDeclared,
  data: mnistData,
  ...mnistClassifier(initMlp, mlpLogits),
});
