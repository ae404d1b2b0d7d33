/**
 * SGD with heavy-ball momentum (Polyak 1964): buf ← μ·buf + g; p ← p − lr·buf.
 *
 * @example heavyBall({ lr: 0.05, momentum: 0.9 })
 */
import type { GradientTransformation } from '../transform.ts';
import { sgd, type SgdOptions } from './sgd.ts';

export function heavyBall(o: Omit<SgdOptions, 'nesterov'> & { momentum: number }): GradientTransformation {
  return sgd({ ...o, nesterov: false });
}
