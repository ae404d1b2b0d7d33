/**
 * algobench's wasm BatchMatMul (transposes made explicit) against the reference cpu
 * backend, forward and gradient, on random shapes with odd sizes and batch dims.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../harness/backends/select.ts';
import { createRng } from '../../harness/core/rng.ts';

// These are the wasm-only kernels (what runs where the native addon is not built);
// test/backends/native_kernels.test.ts covers the native ones that go on top.
process.env['ALGOBENCH_NATIVE'] = '0';

type Case = { a: number[]; b: number[]; ta: boolean; tb: boolean };

function randomCases(n: number): Case[] {
  const rng = createRng(42);
  const dim = () => 1 + rng.int(37);
  const cases: Case[] = [];
  for (let i = 0; i < n; i++) {
    const [m, k, p] = [dim(), dim(), dim()];
    const batch = i % 3 === 0 ? [1 + rng.int(3)] : [];
    const ta = rng.next() < 0.5;
    const tb = rng.next() < 0.5;
    cases.push({ a: [...batch, ...(ta ? [k, m] : [m, k])], b: [...batch, ...(tb ? [p, k] : [k, p])], ta, tb });
  }
  return cases;
}

/** Output and both input gradients of sum(matMul(a, b) * w), as plain arrays. */
function run(backend: string, c: Case, seed: number) {
  tf.setBackend(backend);
  return tf.tidy(() => {
    const a = tf.randomNormal(c.a, 0, 1, 'float32', seed);
    const b = tf.randomNormal(c.b, 0, 1, 'float32', seed + 1);
    const out = tf.matMul(a, b, c.ta, c.tb);
    const w = tf.randomNormal(out.shape, 0, 1, 'float32', seed + 2);
    const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, c.ta, c.tb), w)))([a, b]);
    return { out: out.arraySync(), ga: ga!.arraySync(), gb: gb!.arraySync(), shape: out.shape };
  });
}

function expectClose(actual: unknown, expected: unknown): void {
  const a = (actual as number[]).flat(3) as number[];
  const e = (expected as number[]).flat(3) as number[];
  expect(a.length).toBe(e.length);
  let worst = 0;
  a.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - e[i]!) / Math.max(1, Math.abs(e[i]!)))));
  expect(worst).toBeLessThan(1e-4);
}

describe('wasm BatchMatMul with transposes', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
    await tf.setBackend('cpu');
  });

  it.each(randomCases(24).map((c, i) => [i, c] as const))('case %i matches the cpu backend', (i, c) => {
    const reference = run('cpu', c, 100 + i * 3);
    const mine = run('wasm', c, 100 + i * 3);
    expect(mine.shape).toEqual(reference.shape);
    expectClose(mine.out, reference.out);
    expectClose(mine.ga, reference.ga);
    expectClose(mine.gb, reference.gb);
  });

  it('leaks no tensors', () => {
    tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    run('wasm', { a: [5, 7], b: [9, 7], ta: false, tb: true }, 1);
    expect(tf.memory().numTensors).toBe(before);
  });
});
