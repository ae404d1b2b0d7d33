/** spam_bow: parsing and hashing, the split, AUC, shapes and types, the bag (the checks every workload passes are in conformance.test.ts). */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../harness/backends/select.ts';
import type { Batch, Workload } from '../../harness/spec.ts';
import { rocAuc } from '../../workloads/common/auc.ts';
import { spamCorpus, splitSet } from '../../workloads/spam_bow/data.ts';
import { spamBow } from '../../workloads/spam_bow/index.ts';
import { embeddingBag } from '../../workloads/spam_bow/model.ts';
import { BUCKETS, fnv1a32, messageWords, words } from '../../workloads/spam_bow/parse.ts';

const disposeBatch = (b: Batch) => tf.dispose([b.inputs, b.targets]);

describe('spam_bow parsing', () => {
  it('hashes with 32-bit FNV-1a', () => {
    // Reference values of the FNV-1a 32 test suite.
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('reads subject and decoded, de-tagged body text as lower-case words', () => {
    expect(words("Don't PAY $300 now!!")).toEqual(["don't", 'pay', '$300', 'now']);
    const message = [
      'From: someone@example.com',
      'Subject: Cheap Offer',
      'Content-Type: multipart/alternative; boundary="XX"',
      '',
      'preamble is skipped',
      '--XX',
      'Content-Type: text/plain',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'caf=E9 soft=',
      'break',
      '--XX',
      'Content-Type: text/html',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('<html><b>Bold</b> text&nbsp;here</html>').toString('base64'),
      '--XX',
      'Content-Type: image/gif',
      '',
      'R0lGODlh',
      '--XX--',
    ].join('\n');
    expect(messageWords(message)).toEqual(['cheap', 'offer', 'caf', 'softbreak', 'bold', 'text', 'here']);
  });
});

describe('spam_bow', () => {
  let base: Workload;
  beforeAll(async () => {
    await selectBackend('wasm');
    base = spamBow.create('base');
    await base.load();
  });

  it('splits deterministically, disjointly and stratified by label', () => {
    const { all, splits } = spamCorpus();
    const sizes = [splits.train.length, splits.validation.length, splits.test.length];
    expect(sizes.reduce((a, b) => a + b)).toBe(all.size);
    expect(new Set([...splits.train, ...splits.validation, ...splits.test]).size).toBe(all.size);
    expect(base.trainSize).toBe(splits.train.length);
    expect(all.size).toBeGreaterThan(5_800);
    const spamShare = (s: 'train' | 'validation' | 'test') => splitSet(s).labels.reduce((a, b) => a + b, 0) / splitSet(s).size;
    expect(Math.abs(spamShare('validation') - spamShare('train'))).toBeLessThan(0.01);
    expect(Math.abs(spamShare('test') - spamShare('train'))).toBeLessThan(0.01);
    // No message's words appear twice in the corpus (duplicates would leak across splits).
    const keys = new Set(Array.from({ length: all.size }, (_, i) => all.buckets.subarray(all.offsets[i]!, all.offsets[i + 1]!).join(',')));
    expect(keys.size).toBe(all.size);
  });

  it('computes AUC exactly, ties counting one half', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    // Pairs (pos, neg): (0.5, 0.5) tie ½, (0.5, 0.2) 1, (0.9, 0.5) 1, (0.9, 0.2) 1 → 3.5 / 4.
    expect(rocAuc([0.5, 0.5, 0.2, 0.9], [1, 0, 0, 1])).toBe(0.875);
    expect(rocAuc([1, 1, 1, 1], [1, 0, 1, 0])).toBe(0.5);
    expect(rocAuc([3, 2, 1], [1, 1, 0])).toBe(1);
    expect(rocAuc([1, 2], [1, 1])).toBeNaN();
  });

  it('builds batches, parameters and per-example losses of the declared shapes and types', () => {
    const { params, types } = base.initParams(3);
    expect(params['embed']!.shape).toEqual([BUCKETS, 64]);
    expect(types['embed']).toBe('embedding');
    expect(types['dense0/kernel']).toBe('weight');
    expect(types['dense1/bias']).toBe('bias');
    const batch = base.getBatch(Int32Array.from([0, 5, 9]));
    expect(batch.inputs.shape[1]).toBe(2);
    expect(batch.targets.shape).toEqual([3]);
    const losses = base.loss(params, batch, 'train');
    expect(losses.shape).toEqual([3]);
    tf.dispose([losses, ...Object.values(params)]);
    disposeBatch(batch);
  });

  it('averages (or sums) the embeddings of each message’s words', () => {
    const embed = tf.tensor2d(Array.from({ length: BUCKETS * 2 }, (_, i) => i % 7), [BUCKETS, 2]);
    // Message 0: buckets 3, 3, 5; message 1: bucket 10; message 2: empty.
    const packed = tf.tensor2d([0, 3, 0, 3, 0, 5, 1, 10], [4, 2], 'int32');
    const row = (b: number) => [(2 * b) % 7, (2 * b + 1) % 7];
    const [r3, r5, r10] = [row(3), row(5), row(10)];
    const mean = embeddingBag({ embedDim: 2, bag: 'mean', hidden: [] }, { embed }, packed, 3).arraySync();
    expect(mean[0]![0]).toBeCloseTo((2 * r3[0]! + r5[0]!) / 3, 5);
    expect(mean[0]![1]).toBeCloseTo((2 * r3[1]! + r5[1]!) / 3, 5);
    expect(mean[1]).toEqual(r10);
    expect(mean[2]).toEqual([0, 0]);
    const sum = embeddingBag({ embedDim: 2, bag: 'sum', hidden: [] }, { embed }, packed, 3).arraySync();
    expect(sum[0]).toEqual([2 * r3[0]! + r5[0]!, 2 * r3[1]! + r5[1]!]);
    tf.dispose([embed, packed]);
  });

  it('reports AUC, loss and accuracy on a held-out split', () => {
    const { params } = base.initParams(4);
    const m = base.evaluate(params, 'validation');
    expect(m['auc']).toBeGreaterThanOrEqual(0);
    expect(m['auc']).toBeLessThanOrEqual(1);
    expect(Math.abs(m['loss']! - Math.log(2))).toBeLessThan(0.1);
    tf.dispose(Object.values(params));
  });

});
