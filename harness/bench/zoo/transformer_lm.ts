/**
 * A 2-block pre-LN transformer LM written with ops, as people write one in tfjs: heads
 * split with a 5-D `tf.transpose` of the fused q/k/v projection, layer norm from
 * `tf.moments`, a causal mask added before `tf.softmax`, `optimizer.minimize`.
 */
import * as tf from '@tensorflow/tfjs';
import { opsInstance, type ZooModel } from './model.ts';

const VOCAB = 128;
const T = 64;
const D = 128;
const HEADS = 4;
const BLOCKS = 2;

/** The batch of the bench (tests build with a smaller one). */
const BATCH = 16;

export const transformerLm: ZooModel = {
  name: 'transformer_lm',
  about: `2-block pre-LN transformer LM, vocab ${VOCAB}, context ${T}, d ${D}, ${HEADS} heads (5-D tf.transpose, tf.moments LN, masked tf.softmax)`,
  batch: BATCH,
  build(batch = BATCH) {
    const B = batch;
    const dh = D / HEADS;
    const normal = (shape: number[], std = 0.02) => tf.variable(tf.randomNormal(shape, 0, std));
    const ones = (n: number) => tf.variable(tf.ones([n]));
    const zeros = (n: number) => tf.variable(tf.zeros([n]));
    const blocks = Array.from({ length: BLOCKS }, () => ({
      ln1g: ones(D), ln1b: zeros(D),
      wqkv: normal([D, 3 * D]), bqkv: zeros(3 * D),
      wo: normal([D, D]), bo: zeros(D),
      ln2g: ones(D), ln2b: zeros(D),
      w1: normal([D, 4 * D]), b1: zeros(4 * D),
      w2: normal([4 * D, D]), b2: zeros(D),
    }));
    const tokens = normal([VOCAB, D]);
    const positions = normal([T, D]);
    const lnfG = ones(D);
    const lnfB = zeros(D);
    const head = normal([D, VOCAB]);
    const headB = zeros(VOCAB);

    const ids = tf.randomUniformInt([B, T + 1], 0, VOCAB, 1);
    const inputs = ids.slice([0, 0], [B, T]);
    const targets = tf.oneHot(ids.slice([0, 1], [B, T]).reshape([B * T]), VOCAB);
    // −1e9 above the diagonal: a position sees itself and the past.
    const mask = tf.linalg.bandPart(tf.ones([T, T]), -1, 0).sub(1).mul(1e9);

    const layerNorm = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(x, -1, true);
      return x.sub(mean).div(variance.add(1e-5).sqrt()).mul(g).add(b);
    };
    const loss = () => {
      let x = tf.gather(tokens, inputs).add(positions) as tf.Tensor3D;
      for (const p of blocks) {
        const h = layerNorm(x, p.ln1g, p.ln1b).reshape([B * T, D]);
        const qkv = tf.transpose(h.matMul(p.wqkv).add(p.bqkv).reshape([B, T, 3, HEADS, dh]), [2, 0, 3, 1, 4]);
        const [q, k, v] = tf.unstack(qkv) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
        const att = tf.softmax(tf.matMul(q, k, false, true).mul(1 / Math.sqrt(dh)).add(mask));
        const o = tf.transpose(tf.matMul(att, v), [0, 2, 1, 3]).reshape([B * T, D]);
        x = x.add(o.matMul(p.wo).add(p.bo).reshape([B, T, D]));
        const h2 = layerNorm(x, p.ln2g, p.ln2b).reshape([B * T, D]);
        x = x.add(tf.relu(h2.matMul(p.w1).add(p.b1)).matMul(p.w2).add(p.b2).reshape([B, T, D]));
      }
      const logits = layerNorm(x, lnfG, lnfB).reshape([B * T, D]).matMul(head).add(headB);
      return tf.losses.softmaxCrossEntropy(targets, logits) as tf.Scalar;
    };
    const variables = [tokens, positions, ...blocks.flatMap((p) => Object.values(p)), lnfG, lnfB, head, headB];
    return opsInstance(variables, loss, [ids, inputs, targets, mask]);
  },
};
