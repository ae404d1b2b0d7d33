/**
 * Checking a native kernel against tfjs's reference cpu backend: run the same ops on
 * both backends from the same seeded random inputs, and compare every output to 1e-4
 * relative. Shared by the native kernel test files.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { tidyArrays } from '../_tidy_data.ts';

export type Outputs = Record<string, tf.Tensor>;
export type Case = readonly [label: string, run: () => Outputs];

// Seeds are offset: tfjs treats a seed of 0 as no seed at all.
let seed = 1000; // reset by onBackend

function onBackend(backend: string, f: () => Outputs): Record<string, number[]> {
  tf.setBackend(backend);
  seed = 1000; // the same random inputs on both backends
  return tidyArrays(f);
}

function worstRelative(actual: number[], expected: number[]): number {
  let worst = 0;
  actual.forEach((v, i) => {
    const e = expected[i]!;
    const err = Number.isNaN(e) ? (Number.isNaN(v) ? 0 : Infinity) : Math.abs(v - e) / Math.max(1, Math.abs(e));
    worst = Math.max(worst, Number.isNaN(err) ? Infinity : err);
  });
  return worst;
}

/** Runs f on the native-backed wasm backend and on cpu: same shapes, values within 1e-4. */
export function compare(f: () => Outputs): void {
  const mine = onBackend('wasm', f);
  const reference = onBackend('cpu', f);
  for (const [key, expected] of Object.entries(reference)) {
    expect(mine[key]!.length, key).toBe(expected.length);
    expect(worstRelative(mine[key]!, expected), key).toBeLessThan(1e-4);
  }
}

export const normal = (shape: number[]) => tf.randomNormal(shape, 0, 1, 'float32', seed++);
export const positive = (shape: number[]) => tf.add(tf.abs(normal(shape)), 0.25);
// Rounded values, so that equal elements (ties) occur and Equal/NotEqual/≥ are exercised.
export const rounded = (shape: number[]) => tf.round(tf.mul(normal(shape), 2));
export const intTensor = (shape: number[]) => tf.cast(rounded(shape), 'int32');

/** The gradient of Σ probe·f(x…) with respect to each input, with a fixed random probe. */
export function gradsOf(f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[]): Outputs {
  const probe = normal(f(...xs).shape);
  const gs = tf.grads((...ys: tf.Tensor[]) => tf.sum(tf.mul(f(...ys), probe)))(xs);
  return Object.fromEntries(gs.map((g, i) => [`d${i}`, g]));
}
