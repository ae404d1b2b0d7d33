/**
 * One self-attention layer with dropout on the attention weights and on its output,
 * heads split with a 4-D `tf.transpose`, mean-pooled into a classifier; `optimizer.minimize`.
 */
import * as tf from '@tensorflow/tfjs';
import { opsInstance, type ZooModel } from './model.ts';

const T = 64;
const D = 128;
const HEADS = 4;
const DROPOUT = 0.1;

/** The batch of the bench (tests build with a smaller one). */
const BATCH = 32;

export const attentionDropout: ZooModel = {
  name: 'attention_dropout',
  about: `self-attention over [${T} × ${D}] inputs, ${HEADS} heads (4-D tf.transpose), tf.dropout ${DROPOUT} on weights and output, residual, mean pool, dense 10`,
  batch: BATCH,
  build(batch = BATCH) {
    const B = batch;
    const dh = D / HEADS;
    const glorot = (rows: number, cols: number) => tf.variable(tf.randomNormal([rows, cols], 0, Math.sqrt(2 / (rows + cols))));
    const wqkv = glorot(D, 3 * D);
    const bqkv = tf.variable(tf.zeros([3 * D]));
    const wo = glorot(D, D);
    const bo = tf.variable(tf.zeros([D]));
    const wc = glorot(D, 10);
    const bc = tf.variable(tf.zeros([10]));
    const x = tf.randomNormal([B, T, D], 0, 1, 'float32', 1);
    const labels = tf.oneHot(tf.randomUniformInt([B], 0, 10, 2), 10);
    const heads = (t: tf.Tensor) => tf.transpose(t.reshape([B, T, HEADS, dh]), [0, 2, 1, 3]);
    const loss = () => {
      const qkv = x.reshape([B * T, D]).matMul(wqkv).add(bqkv).reshape([B, T, 3 * D]);
      const [q, k, v] = tf.split(qkv, 3, 2).map(heads) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const att = tf.dropout(tf.softmax(tf.matMul(q, k, false, true).mul(1 / Math.sqrt(dh))), DROPOUT);
      const o = tf.transpose(tf.matMul(att, v), [0, 2, 1, 3]).reshape([B * T, D]);
      const y = x.add(tf.dropout(o.matMul(wo).add(bo), DROPOUT).reshape([B, T, D]));
      return tf.losses.softmaxCrossEntropy(labels, y.mean(1).matMul(wc).add(bc)) as tf.Scalar;
    };
    return opsInstance([wqkv, bqkv, wo, bo, wc, bc], loss, [x, labels]);
  },
};
