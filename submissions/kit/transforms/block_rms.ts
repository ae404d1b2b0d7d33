/**
 * Per-parameter ("block") RMS transformations from Adafactor (Shazeer & Stern 2018),
 * as optax's `clip_by_block_rms` and `scale_by_param_block_rms`. A block is one
 * parameter tensor; RMS(x) = √mean(x²) over the whole tensor.
 */
import * as tf from '@tensorflow/tfjs';
import { type GradientTransformation, mapTensors } from '../transform.ts';

type Empty = Record<string, never>;

const rms = (x: tf.Tensor): tf.Tensor => tf.sqrt(tf.mean(tf.square(x)));

/** u ← u / max(1, RMS(u)/threshold): Adafactor's update clipping, per parameter. */
export function clipByBlockRms(threshold: number): GradientTransformation<Empty> {
  return {
    init: () => ({}),
    update: (updates, state) => ({
      updates: mapTensors(updates, (u) => tf.div(u, tf.maximum(tf.div(rms(u), threshold), 1))),
      state,
    }),
  };
}

/**
 * u ← u · max(minScale, RMS(p)): Adafactor's relative step size, so that a step moves
 * each parameter in proportion to its own scale (minScale is the paper's ε2).
 */
export function scaleByParamBlockRms(minScale = 1e-3): GradientTransformation<Empty> {
  return {
    init: () => ({}),
    update: (updates, state, params) => ({
      updates: mapTensors(updates, (u, n) => tf.mul(u, tf.maximum(rms(params[n]!), minScale))),
      state,
    }),
  };
}
