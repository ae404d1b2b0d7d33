/** char_lm: the text and its split, shapes and types, the metric, causality (the checks every workload passes are in conformance.test.ts). */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../harness/backends/select.ts';
import type { Workload } from '../../harness/spec.ts';
import { charCorpus, CONTEXT, evalStarts, heldOutBlocks, readMobyDick } from '../../workloads/char_lm/data.ts';
import { charLm } from '../../workloads/char_lm/index.ts';

const disposeBatch = (b: ReturnType<Workload['getBatch']>) => tf.dispose([b.inputs, b.targets]);

describe('char_lm', () => {
  let base: Workload;
  beforeAll(async () => {
    await selectBackend('wasm');
    base = charLm.create('base');
    await base.load();
  });

  it('encodes the whole text with a sorted character vocabulary', () => {
    const text = readMobyDick();
    const { vocab, tokens } = charCorpus();
    expect(text.startsWith('CONTENTS')).toBe(true);
    expect(tokens.length).toBe(Array.from(text).length);
    expect([...vocab].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!)).toEqual(vocab);
    expect(new Set(vocab).size).toBe(vocab.length);
    expect(Array.from(tokens.subarray(0, 200), (t) => vocab[t]).join('')).toBe(Array.from(text).slice(0, 200).join(''));
  });

  it('splits into fixed, disjoint regions; training windows stay out of the held-out ones', () => {
    expect(heldOutBlocks()).toEqual(heldOutBlocks());
    const c = charCorpus();
    const [v0, v1] = c.validation;
    const [t0, t1] = c.test;
    expect(v1 <= t0 || t1 <= v0).toBe(true);
    const share = (v1 - v0 + t1 - t0) / c.tokens.length;
    expect(share).toBeGreaterThan(0.09);
    expect(share).toBeLessThan(0.11);
    expect(base.trainSize).toBe(c.trainStarts.length);
    for (const s of c.trainStarts) {
      const e = s + CONTEXT + 1;
      if ((s < v1 && e > v0) || (s < t1 && e > t0)) throw new Error(`training window at ${s} overlaps a held-out region`);
    }
    for (const [lo, hi] of [c.validation, c.test]) {
      const starts = evalStarts([lo, hi]);
      expect(starts[0]).toBe(lo);
      expect(starts.at(-1)! + CONTEXT + 1).toBeLessThanOrEqual(hi);
      starts.forEach((s, i) => i > 0 && expect(s - starts[i - 1]!).toBeGreaterThanOrEqual(CONTEXT));
    }
  });

  it('builds batches, parameters and per-example losses of the declared shapes and types', () => {
    const { params, types } = base.initParams(3);
    const d = params['block0/attn/query/kernel']!.shape[0]!;
    expect(types['embed/tokens']).toBe('embedding');
    expect(types['block1/attn/key/kernel']).toBe('attention_qkv');
    expect(types['block1/attn/out/kernel']).toBe('attention_out');
    expect(types['block0/mlp/fc/kernel']).toBe('weight');
    expect(types['block0/ln1/scale']).toBe('norm_scale');
    expect(types['final_ln/bias']).toBe('norm_bias');
    expect(types['head/bias']).toBe('bias');
    expect(params['embed/positions']!.shape).toEqual([CONTEXT, d]);
    expect(params['head/kernel']!.shape).toEqual([d, charCorpus().vocab.length]);
    const batch = base.getBatch(Int32Array.from([0, 5, base.trainSize - 1]));
    expect(batch.inputs.shape).toEqual([3, CONTEXT]);
    expect(batch.inputs.dtype).toBe('int32');
    // Targets are the inputs shifted by one character.
    const [inputs, targets] = [batch.inputs.arraySync() as number[][], batch.targets.arraySync() as number[][]];
    expect(targets[0]!.slice(0, -1)).toEqual(inputs[0]!.slice(1));
    const losses = base.loss(params, batch, 'train');
    expect(losses.shape).toEqual([3]);
    // At init the prediction is near uniform: ~ln(vocab) nats.
    expect(Math.abs(losses.arraySync()[0]! - Math.log(charCorpus().vocab.length))).toBeLessThan(0.2);
    tf.dispose([losses, ...Object.values(params)]);
    disposeBatch(batch);
  });

  it('reports bits per character on the held-out windows', () => {
    const { params } = base.initParams(4);
    const m = base.evaluate(params, 'validation');
    expect(m['bits_per_char']).toBeCloseTo(m['loss']! / Math.LN2, 10);
    expect(m['bits_per_char']).toBeGreaterThan(5);
    expect(m['bits_per_char']).toBeLessThan(8);
    tf.dispose(Object.values(params));
  });

  it('is causal: changing a later character leaves the logits before it unchanged', async () => {
    const { charLmLogits, initCharLm } = await import('../../workloads/char_lm/model.ts');
    for (const norm of ['pre', 'post'] as const) {
      const config = { vocab: charCorpus().vocab.length, context: CONTEXT, dModel: 32, heads: 4, layers: 2, norm, activation: 'gelu' as const, attentionScale: 1 };
      const { params } = initCharLm(config, 7);
      const big = tf.tidy(() => Object.fromEntries(Object.entries(params).map(([n, p]) => [n, tf.keep(n.includes('ln') ? p : tf.mul(p, 20))])));
      const tokens = Array.from({ length: CONTEXT }, (_, i) => (i * 7) % config.vocab);
      const changed = [...tokens];
      const at = Math.floor(CONTEXT / 2);
      changed[at] = (changed[at]! + 11) % config.vocab;
      const logits = tf.tidy(() => charLmLogits(config, big, tf.tensor2d([tokens, changed], [2, CONTEXT], 'int32')).arraySync());
      const [a, b] = [logits[0]!, logits[1]!];
      const diff = (i: number) => Math.max(...a[i]!.map((x, k) => Math.abs(x - b[i]![k]!)));
      for (let i = 0; i < at; i++) expect(diff(i), `${norm}-LN position ${i}`).toBeLessThan(1e-5);
      expect(diff(at)).toBeGreaterThan(1e-3);
      expect(diff(CONTEXT - 1)).toBeGreaterThan(1e-3);
      tf.dispose([...Object.values(params), ...Object.values(big)]);
    }
  });

});
