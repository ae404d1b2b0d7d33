/**
 * Layer-wise trust ratio (LARS, You et al. 2017; LAMB, You et al. 2020), as optax's
 * `scale_by_trust_ratio` with its defaults: each parameter's update u is scaled by
 * ‖p‖/‖u‖ (whole-tensor L2 norms), or by 1 when either norm is 0, so that a zero
 * parameter (a fresh bias) or a zero update still moves as the inner optimizer says.
 */
import * as tf from '@tensorflow/tfjs';
import { type GradientTransformation, mapTensors } from '../transform.ts';

type Empty = Record<string, never>;

const l2 = (x: tf.Tensor): tf.Tensor => tf.sqrt(tf.sum(tf.square(x)));

export function scaleByTrustRatio(): GradientTransformation<Empty> {
  return {
    init: () => ({}),
    update: (updates, state, params) => ({
      updates: mapTensors(updates, (u, n) => {
        const pNorm = l2(params[n]!);
        const uNorm = l2(u);
        const zero = tf.logicalOr(tf.equal(pNorm, 0), tf.equal(uNorm, 0));
        return tf.mul(u, tf.where(zero, tf.onesLike(pNorm), tf.div(pNorm, uNorm)));
      }),
      state,
    }),
  };
}
