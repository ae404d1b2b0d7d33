/**
 * SGD with Nesterov momentum (Sutskever et al. 2013, PyTorch's form):
 * buf ← μ·buf + g; p ← p − lr·(g + μ·buf).
 *
 * @example nesterov({ lr: 0.05, momentum: 0.9 })
 */
import type { GradientTransformation } from '../transform.ts';
import { sgd, type SgdOptions } from './sgd.ts';

export function nesterov(o: Omit<SgdOptions, 'nesterov'> & { momentum: number }): GradientTransformation {
  return sgd({ ...o, nesterov: true });
}
