/**
 * tf.train.adam through the fused elementwise program (harness/backends/wasm/stock_adam.ts):
 * on variables of odd shapes (a scalar, [1], [7], [33,5], [3,1,7]) and a variable left
 * without a gradient, three Adam steps give the same bits as TensorFlow.js's own
 * AdamOptimizer.applyGradients (the stock method, called on the same backend with the
 * same gradients), and agree with it on the cpu backend to 1e-4 relative; the moment
 * variables keep their names and values, so getWeights is unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../harness/backends/select.ts';
import { stockAdamApplyGradients } from '../../harness/backends/wasm/stock_adam.ts';
import { ELEMENTWISE_PROGRAM_KERNEL } from '../../harness/spec.ts';

beforeAll(async () => {
  await selectBackend('wasm');
});

const SHAPES = [[], [1], [7], [33, 5], [3, 1, 7]];

/** Three Adam steps on fresh variables with fixed gradients; the stock method when `stock`. */
async function train(backend: string, stock: boolean): Promise<{ values: number[][]; weights: Array<[string, number[]]> }> {
  await tf.setBackend(backend);
  const vars = SHAPES.map((s, i) => tf.variable(tf.randomNormal(s, 0, 1, 'float32', 10 + i), true, `stock_adam_${backend}_${stock}_${i}`));
  const grads = SHAPES.map((s, i) => tf.randomNormal(s, 0, 0.1, 'float32', 20 + i));
  const optimizer = tf.train.adam(0.01, 0.8, 0.95);
  const apply = (stock ? stockAdamApplyGradients()! : optimizer.applyGradients) as (this: unknown, g: tf.NamedTensorMap) => void;
  for (let step = 0; step < 3; step++) {
    // The last variable has no gradient: its moments are made, it is left as it is.
    const map: tf.NamedTensorMap = Object.fromEntries(vars.slice(0, -1).map((v, i) => [v.name, tf.mul(grads[i]!, step + 1)]));
    map[vars.at(-1)!.name] = null as unknown as tf.Tensor;
    apply.call(optimizer, map);
    tf.dispose(Object.values(map).filter((t) => t != null));
  }
  const values = vars.map((v) => Array.from(v.dataSync()));
  const weights = (await optimizer.getWeights()).map((w) => [w.name.replace(/stock_adam_\w+?_(true|false)_/, ''), Array.from(w.tensor.dataSync())] as [string, number[]]);
  optimizer.dispose();
  tf.dispose([...vars, ...grads]);
  return { values, weights };
}

describe('tf.train.adam on the fused program', () => {
  it('runs through the fused program on the native wasm backend', () => {
    expect(tf.getKernel(ELEMENTWISE_PROGRAM_KERNEL, 'wasm')).toBeDefined();
    expect(stockAdamApplyGradients()).toBeDefined();
    expect(tf.AdamOptimizer.prototype.applyGradients).not.toBe(stockAdamApplyGradients());
  });

  it('gives the stock optimizer\'s bits and state; the cpu backend\'s values to 1e-4', async () => {
    const fused = await train('wasm', false);
    const stock = await train('wasm', true);
    const cpu = await train('cpu', true);
    await tf.setBackend('wasm');
    expect(fused.values).toEqual(stock.values);
    expect(fused.weights).toEqual(stock.weights);
    // The variable without a gradient did not move.
    expect(fused.values.at(-1)).toEqual(cpu.values.at(-1));
    fused.values.flat().forEach((v, i) => {
      const e = cpu.values.flat()[i]!;
      expect(Math.abs(v - e) / Math.max(1, Math.abs(e))).toBeLessThan(1e-4);
    });
  });
});
