/**
 * Gradients of Sum and Mean without a tensor of ones. TensorFlow.js's own multiply the
 * reshaped dy by `ones(x.shape)`, which fills a float array as large as x in JavaScript
 * and copies it into the backend every step (Mean over an embedding bag's [128,200,64]:
 * 1.6M ones a step, the largest single cost of that model's step on the wasm backend;
 * every tf.moments and global average pool does the same). Here dy is broadcast with one
 * Tile kernel instead: the same values, bit for bit (dy·1 = dy; Mean's division by the
 * reduced size happens before the broadcast, on the small tensor, and rounds the same).
 *
 * Gradients are registered for every backend, not per backend; these compute what the
 * stock ones do, so a backend without a fast Tile still gets the right gradient.
 */
import * as tf from '@tensorflow/tfjs';

/** dy reshaped to x's rank (1 on the reduced axes) and tiled to x's shape. */
function broadcastBack(dy: tf.Tensor, x: tf.Tensor, axis: number | number[] | undefined, scale: number | undefined): tf.Tensor {
  const axes = tf.util.parseAxisParam(axis ?? x.shape.map((_, i) => i), x.shape);
  const expanded = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  let small = tf.reshape(dy, expanded);
  if (scale !== undefined) small = tf.div(small, scale);
  return tf.broadcastTo(small, x.shape);
}

const reduceSize = (x: tf.Tensor, axis: number | number[] | undefined) =>
  tf.util.parseAxisParam(axis ?? x.shape.map((_, i) => i), x.shape).reduce((n, a) => n * x.shape[a]!, 1);

export const GRADIENT_OVERRIDES: readonly tf.GradConfig[] = [
  {
    kernelName: tf.Sum,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      const axis = (attrs as unknown as { axis?: number | number[] }).axis;
      return { x: () => broadcastBack(dy as tf.Tensor, x, axis, undefined) };
    },
  },
  {
    kernelName: tf.Mean,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      const axis = (attrs as unknown as { axis?: number | number[] }).axis;
      return { x: () => broadcastBack(dy as tf.Tensor, x, axis, reduceSize(x, axis)) };
    },
  },
];

/** Registers the overrides (once is enough; again is harmless). */
export function installGradients(): void {
  for (const config of GRADIENT_OVERRIDES) tf.registerGradient(config);
}
