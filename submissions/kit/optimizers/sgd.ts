/**
 * SGD, optionally with momentum (heavy ball or Nesterov) and L2 weight decay added
 * to the gradient before the momentum, as PyTorch's SGD does — except that, like the
 * kit's AdamW, biases and norm parameters are not decayed (the kit's `decayMask`).
 *
 * @example sgd({ lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 })
 */
import { addDecayedWeights, scaleByLearningRate } from '../transforms/basic.ts';
import { trace } from '../transforms/momentum.ts';
import { chain, type GradientTransformation, type LearningRate } from '../transform.ts';

export interface SgdOptions {
  readonly lr: LearningRate;
  readonly momentum?: number;
  readonly nesterov?: boolean;
  readonly weightDecay?: number;
}

export function sgd(o: SgdOptions): GradientTransformation {
  const parts: GradientTransformation[] = [addDecayedWeights(o.weightDecay ?? 0)];
  if ((o.momentum ?? 0) > 0) parts.push(trace({ decay: o.momentum ?? 0, nesterov: o.nesterov ?? false }));
  parts.push(scaleByLearningRate(o.lr));
  return chain(...parts);
}
