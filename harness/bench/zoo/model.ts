/**
 * A zoo model: a network written with stock TensorFlow.js the way its users write it
 * (ops and `tf.layers`, trained with `tf.train.adam`), with a PyTorch twin of the same
 * shapes, batch and parameter count in harness/bench/zoo_torch.py. `algobench bench
 * --zoo` times both side by side; nothing here calls an algobench kernel directly, so
 * the numbers say how fast the backend is for code that was not written around it.
 */
import * as tf from '@tensorflow/tfjs';

export interface ZooModel {
  /** The name `--zoo-model` takes, and the twin's name in zoo_torch.py. */
  readonly name: string;
  /** One line: what the model is and how it is written. */
  readonly about: string;
  readonly batch: number;
  /** Builds the model, its optimizer and one fixed random batch (of `batch`, default the model's; tests pass a small one). */
  build(batch?: number): ZooInstance;
}

export interface ZooInstance {
  /** Trainable parameters (BatchNorm's moving statistics are not). */
  readonly paramCount: number;
  /** One Adam training step on the fixed batch; resolves to the loss before the step. */
  step(): Promise<number>;
  dispose(): void;
}

/** Number of trainable values of a list of variables or layer weights. */
export function countParams(weights: ReadonlyArray<{ readonly shape: ReadonlyArray<number | null> }>): number {
  // A weight's shape is always known; null appears only in the type (symbolic batch dimensions).
  return weights.reduce((n, w) => n + w.shape.reduce<number>((a, b) => a * (b ?? 0), 1), 0);
}

/** A batch of one-hot labels over `classes`, the same every call for a seed. */
export function oneHotLabels(batch: number, classes: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => tf.oneHot(tf.randomUniformInt([batch], 0, classes, seed), classes).toFloat() as tf.Tensor2D);
}

/**
 * A `tf.LayersModel` compiled with Adam and trained with `trainOnBatch`, the way the
 * tfjs guides train a layers model.
 */
export function layersInstance(model: tf.LayersModel, loss: string, x: tf.Tensor, y: tf.Tensor): ZooInstance {
  const optimizer = tf.train.adam(1e-3);
  model.compile({ optimizer, loss });
  return {
    paramCount: countParams(model.trainableWeights),
    step: async () => {
      const loss = await model.trainOnBatch(x, y);
      return Array.isArray(loss) ? loss[0]! : loss;
    },
    dispose: () => {
      model.dispose();
      optimizer.dispose();
      tf.dispose([x, y]);
    },
  };
}

/**
 * Variables and a loss function trained with `optimizer.minimize`, the way the tfjs
 * guides train a model written with ops.
 */
export function opsInstance(variables: tf.Variable[], loss: () => tf.Scalar, data: tf.Tensor[], extra: { dispose(): void }[] = []): ZooInstance {
  const optimizer = tf.train.adam(1e-3);
  return {
    paramCount: countParams(variables),
    step: async () => {
      const value = optimizer.minimize(loss, true, variables);
      const out = (await value!.data())[0]!;
      value!.dispose();
      return out;
    },
    dispose: () => {
      optimizer.dispose();
      tf.dispose([...variables, ...data]);
      for (const e of extra) e.dispose();
    },
  };
}
