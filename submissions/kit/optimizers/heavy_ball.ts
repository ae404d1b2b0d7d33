/**
 * SGD with heavy-ball momentum (Polyak 1964), as PyTorch's `SGD(momentum=μ)` with
 * dampening 0: d = g + wd·p; b ← μ·b + d; p ← p − lrₜ·b. See `sgd` for the conventions
 * (decay before the momentum, on every parameter unless `decayMask` says otherwise).
 *
 * @example heavyBall({ lr: 0.05, momentum: 0.9 })
 */
import type { GradientTransformation } from '../transform.ts';
import { sgd, type SgdOptions } from './sgd.ts';

export function heavyBall(o: Omit<SgdOptions, 'nesterov'> & { momentum: number }): GradientTransformation {
  return sgd({ ...o, nesterov: false });
}
