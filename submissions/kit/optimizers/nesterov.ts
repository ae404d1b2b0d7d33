/**
 * SGD with Nesterov momentum (Sutskever et al. 2013) in PyTorch's and optax's form:
 * d = g + wd·p; b ← μ·b + d; p ← p − lrₜ·(d + μ·b). See `sgd` for the conventions
 * (decay before the momentum, on every parameter unless `decayMask` says otherwise).
 *
 * @example nesterov({ lr: 0.05, momentum: 0.9 })
 */
import type { GradientTransformation } from '../transform.ts';
import { sgd, type SgdOptions } from './sgd.ts';

export function nesterov(o: Omit<SgdOptions, 'nesterov'> & { momentum: number }): GradientTransformation {
  return sgd({ ...o, nesterov: true });
}
