/**
 * Stateless layers over a TensorMap of parameters named as ParamBuilder names them
 * (`<layer>/kernel`, `<layer>/bias`, `<layer>/scale`). They hold no running
 * statistics, so training and evaluation compute the same function.
 */
import * as tf from '@tensorflow/tfjs';
import type { TensorMap } from '../../harness/spec.ts';

function param(params: TensorMap, name: string): tf.Tensor {
  const p = params[name];
  if (p === undefined) throw new Error(`missing parameter ${name}`);
  return p;
}

/** x · kernel + bias. */
export function dense(params: TensorMap, name: string, x: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.matMul(x, param(params, `${name}/kernel`) as tf.Tensor2D), param(params, `${name}/bias`));
}

/** Stride-1 convolution with 'same' padding over NHWC input; the bias is optional. */
export function conv2d(params: TensorMap, name: string, x: tf.Tensor4D): tf.Tensor4D {
  const y = tf.conv2d(x, param(params, `${name}/kernel`) as tf.Tensor4D, 1, 'same');
  const bias = params[`${name}/bias`];
  return bias === undefined ? y : tf.add(y, bias);
}

export const NORM_EPSILON = 1e-5;

/**
 * Group normalisation of NHWC input (Wu & He 2018): each example's channels are
 * split into `groups`, and each group is normalised over its channels and all
 * positions, then scaled and shifted per channel. One group is a LayerNorm over
 * H, W and C. Per-example statistics: no batch dependence, no running state.
 */
export function groupNorm(params: TensorMap, name: string, x: tf.Tensor4D, groups: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (!Number.isInteger(groups) || groups < 1 || c % groups !== 0) {
    throw new Error(`groupNorm ${name}: ${c} channels do not split into ${groups} groups`);
  }
  return tf.tidy(() => {
    // One group reduces one contiguous axis, which the wasm kernels do fastest.
    const [grouped, axes] = groups === 1 ? [tf.reshape(x, [n, h * w * c]), [1]] : [tf.reshape(x, [n, h * w, groups, c / groups]), [1, 3]];
    const centered = tf.sub(grouped, tf.mean(grouped, axes, true));
    const variance = tf.mean(tf.square(centered), axes, true);
    const normed = tf.reshape(tf.mul(centered, tf.rsqrt(tf.add(variance, NORM_EPSILON))), [n, h, w, c]);
    return tf.add(tf.mul(normed, param(params, `${name}/scale`)), param(params, `${name}/bias`)) as tf.Tensor4D;
  });
}

export type Pooling = 'max' | 'avg';

/** 2×2 pooling with stride 2 (halves H and W; odd sizes keep their last row/column). */
export function pool2(x: tf.Tensor4D, pooling: Pooling): tf.Tensor4D {
  return pooling === 'max' ? tf.maxPool(x, 2, 2, 'same') : tf.avgPool(x, 2, 2, 'same');
}
