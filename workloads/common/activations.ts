/**
 * Hidden-layer activations a workload variant can swap in. One table so that every
 * workload names them alike and a variant is a one-word change.
 */
import * as tf from '@tensorflow/tfjs';

export type Activation = 'relu' | 'tanh' | 'gelu' | 'silu';

export const ACTIVATIONS: readonly Activation[] = ['relu', 'tanh', 'gelu', 'silu'];

const GELU_C = Math.sqrt(2 / Math.PI);

/** Applies the activation elementwise; shape and rank are kept. */
export function activate<T extends tf.Tensor>(x: T, activation: Activation): T {
  switch (activation) {
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'gelu':
      // tanh approximation of GELU; tfjs has no GELU op of its own.
      return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), GELU_C))))) as T;
    case 'silu':
      return tf.tidy(() => tf.mul(x, tf.sigmoid(x))) as T;
  }
}
