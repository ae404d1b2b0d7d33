/** A bag of embeddings from a 16384×64 table (`tf.gather` + `tf.mean`), two dense layers, one logit, `optimizer.minimize`. */
import * as tf from '@tensorflow/tfjs';
import { opsInstance, type ZooModel } from './model.ts';

const BUCKETS = 16384;
const DIM = 64;
const WORDS = 200;

/** The batch of the bench (tests build with a smaller one). */
const BATCH = 128;

export const embeddingBag: ZooModel = {
  name: 'embedding_bag',
  about: `${WORDS} ids per example → mean of a ${BUCKETS}×${DIM} table (tf.gather + tf.mean) → dense 64 ReLU → 1 logit`,
  batch: BATCH,
  build(batch = BATCH) {
    const B = batch;
    const table = tf.variable(tf.randomNormal([BUCKETS, DIM], 0, 0.1));
    const w1 = tf.variable(tf.randomNormal([DIM, 64], 0, 0.1));
    const b1 = tf.variable(tf.zeros([64]));
    const w2 = tf.variable(tf.randomNormal([64, 1], 0, 0.1));
    const b2 = tf.variable(tf.zeros([1]));
    const ids = tf.randomUniformInt([B * WORDS], 0, BUCKETS, 1);
    const labels = tf.randomUniformInt([B, 1], 0, 2, 2).toFloat();
    const loss = () => {
      const bag = tf.gather(table, ids).reshape([B, WORDS, DIM]).mean(1);
      const logits = tf.relu(bag.matMul(w1).add(b1)).matMul(w2).add(b2);
      return tf.losses.sigmoidCrossEntropy(labels, logits) as tf.Scalar;
    };
    return opsInstance([table, w1, b1, w2, b2], loss, [ids, labels]);
  },
};
