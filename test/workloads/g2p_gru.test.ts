/** g2p_gru: dictionary parsing, the split, edit distance, shapes, masking, decoding (the checks every workload passes are in conformance.test.ts). */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../harness/backends/select.ts';
import type { Batch, Workload } from '../../harness/spec.ts';
import { editDistance, errorRate } from '../../workloads/common/edit_distance.ts';
import {
  BOUNDARY,
  DECODER_STEPS,
  encodeEntry,
  EVAL_WORDS,
  g2pCorpus,
  MAX_LETTERS,
  MAX_PHONEMES,
  NO_TARGET,
  stripStress,
} from '../../workloads/g2p_gru/data.ts';
import { g2pGru } from '../../workloads/g2p_gru/index.ts';
import { cutAtEnd, LETTERS } from '../../workloads/g2p_gru/model.ts';

const disposeBatch = (b: Batch) => tf.dispose([b.inputs, b.targets]);
/** The first three and the last held-out words of the fixed split (see the split test). */
const PINNED_SPLIT = {
  validation: ['ABCO', 'ABDOMEN', 'ABER', 'ZOOMED'],
  test: ['ABILITY', 'ABSORBS', 'ACCENTUATE', 'ZWILLING'],
};
const ids = (phonemes: string) => phonemes.split(' ').map((p) => g2pCorpus().phonemes.indexOf(p) + 1);

describe('edit distance and error rate', () => {
  it('counts the fewest unit-cost insertions, deletions and substitutions', () => {
    expect(editDistance([], [])).toBe(0);
    expect(editDistance([1, 2, 3], [1, 2, 3])).toBe(0);
    expect(editDistance([1, 2, 3], [])).toBe(3);
    expect(editDistance([], [4, 5])).toBe(2);
    // kitten → sitting: two substitutions and an insertion.
    const codes = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
    expect(editDistance(codes('kitten'), codes('sitting'))).toBe(3);
    // A shift is a deletion and an insertion, not four substitutions.
    expect(editDistance([1, 2, 3, 4], [2, 3, 4, 5])).toBe(2);
    // A transposition costs two.
    expect(editDistance([1, 2], [2, 1])).toBe(2);
    expect(editDistance([1, 2, 3], [3, 2, 1])).toBe(2);
    expect(editDistance(Int32Array.from([7, 8, 9]), [7, 9])).toBe(1);
  });

  it('pools edits over the references’ total length', () => {
    expect(errorRate([[1, 2]], [[1, 2, 3]])).toBeCloseTo(1 / 3, 12);
    // 1 edit in a 1-phoneme word and 0 in a 3-phoneme word: 1/4, not the mean 1/2.
    expect(errorRate([[9], [1, 2, 3]], [[8], [1, 2, 3]])).toBe(0.25);
    // Insertions can make the rate exceed 1.
    expect(errorRate([[1, 1, 1]], [[2]])).toBe(3);
    expect(errorRate([[]], [[]])).toBeNaN();
    expect(() => errorRate([[1]], [])).toThrow(/hypotheses/);
  });
});

describe('g2p_gru data', () => {
  const phonemeIds = () => new Map(g2pCorpus().phonemes.map((p, i) => [p, i + 1]));

  it('strips stress digits and keeps plain words of a kept length', () => {
    expect(stripStress(' AA1 R D V AA2 R K ')).toEqual(['AA', 'R', 'D', 'V', 'AA', 'R', 'K']);
    const map = phonemeIds();
    expect(encodeEntry('CAT', 'K AE1 T', map)).toEqual({ letters: [3, 1, 20], phonemes: [map.get('K'), map.get('AE'), map.get('T')] });
    expect(encodeEntry('ZA', 'Z AA1', map)?.letters).toEqual([26, 1]);
    // Alternative pronunciations, symbols and digits are not words of plain letters.
    for (const word of ['READ(1)', "AARON'S", 'A.', 'A42128', 'CO-OP']) expect(encodeEntry(word, 'AH0', map), word).toBeUndefined();
    expect(encodeEntry('A', 'AH0', map)).toBeUndefined();
    expect(encodeEntry('A'.repeat(MAX_LETTERS + 1), 'AH0', map)).toBeUndefined();
    expect(encodeEntry('AB', Array(MAX_PHONEMES + 1).fill('AH0').join(' '), map)).toBeUndefined();
    expect(encodeEntry('AB', 'AH0 QQ1', map)).toBeUndefined();
  });

  it('holds 39 stressless phonemes and each word’s first pronunciation', () => {
    const c = g2pCorpus();
    expect(c.phonemes).toHaveLength(39);
    expect(c.phonemes.every((p) => /^[A-Z]+$/.test(p))).toBe(true);
    expect(c.words.length).toBeGreaterThan(110_000);
    expect(new Set(c.words).size).toBe(c.words.length);
    const targetsOf = (word: string) => {
      const w = c.words.indexOf(word);
      return Array.from(c.targets.subarray(w * DECODER_STEPS, (w + 1) * DECODER_STEPS));
    };
    // READ is "R EH1 D" first and "R IY1 D" as READ(1).
    const pad = (xs: number[]) => [...xs, BOUNDARY, ...Array<number>(DECODER_STEPS - xs.length - 1).fill(NO_TARGET)];
    expect(targetsOf('READ')).toEqual(pad(ids('R EH D')));
    expect(targetsOf('XYLOPHONE')).toEqual(pad(ids('Z AY L AH F OW N')));
    const cat = c.words.indexOf('CAT');
    expect(Array.from(c.letters.subarray(cat * MAX_LETTERS, (cat + 1) * MAX_LETTERS))).toEqual([3, 1, 20, ...Array<number>(MAX_LETTERS - 3).fill(0)]);
  });

  it('splits by word, disjointly and with a fixed seed', () => {
    const { words, splits } = g2pCorpus();
    expect(splits.validation).toHaveLength(EVAL_WORDS);
    expect(splits.test).toHaveLength(EVAL_WORDS);
    const all = [...splits.train, ...splits.validation, ...splits.test];
    expect(all).toHaveLength(words.length);
    expect(new Set(all).size).toBe(words.length);
    for (const s of Object.values(splits)) expect(Array.from(s)).toEqual(Array.from(s).sort((a, b) => a - b));
    // Pinned: a change of the split (seed, filter, order or sizes) changes every target.
    const ends = (s: Int32Array) => [...Array.from(s.subarray(0, 3), (i) => words[i]), words[s.at(-1)!]];
    expect({ validation: ends(splits.validation), test: ends(splits.test) }).toEqual(PINNED_SPLIT);
  });
});

describe('g2p_gru', () => {
  let base: Workload;
  beforeAll(async () => {
    await selectBackend('wasm');
    base = g2pGru.create('base');
    await base.load();
  });

  it('builds batches, typed parameters and per-example losses of the declared shapes', () => {
    const { params, types } = base.initParams(3);
    const classes = g2pCorpus().phonemes.length + 1;
    expect(params['encoder/gates/input']!.shape).toEqual([LETTERS, 256]);
    expect(params['encoder/gates/recurrent']!.shape).toEqual([128, 256]);
    expect(params['decoder/candidate/input']!.shape).toEqual([classes, 128]);
    expect(params['output/kernel']!.shape).toEqual([128, classes]);
    expect(types).toMatchObject({
      'encoder/gates/input': 'embedding',
      'encoder/candidate/recurrent': 'weight',
      'decoder/gates/input': 'embedding',
      'output/kernel': 'weight',
      'output/bias': 'bias',
    });
    expect(base.trainSize).toBe(g2pCorpus().splits.train.length);
    const batch = base.getBatch(Int32Array.from([0, 5, base.trainSize - 1]));
    expect(batch.inputs.shape).toEqual([3, MAX_LETTERS]);
    expect(batch.targets.shape).toEqual([3, DECODER_STEPS]);
    expect(batch.inputs.dtype).toBe('int32');
    const { words, splits, letters } = g2pCorpus();
    const last = splits.train[base.trainSize - 1]!;
    expect((batch.inputs.arraySync() as number[][])[2]).toEqual(Array.from(letters.subarray(last * MAX_LETTERS, (last + 1) * MAX_LETTERS)));
    expect(words[last]).toMatch(/^[A-Z]+$/);
    const losses = base.loss(params, batch, 'train');
    expect(losses.shape).toEqual([3]);
    // At init the prediction is near uniform: ~ln(classes) nats per target.
    for (const l of losses.arraySync()) expect(Math.abs(l - Math.log(classes))).toBeLessThan(0.3);
    tf.dispose([losses, ...Object.values(params)]);
    disposeBatch(batch);
  });

  it('scores each word alone: padding and the other words of the batch change nothing', () => {
    const { params } = base.initParams(4);
    const scaled = tf.tidy(() => Object.fromEntries(Object.entries(params).map(([n, p]) => [n, tf.keep(tf.mul(p, 3))])));
    const { words, splits } = g2pCorpus();
    const pick = (word: string) => splits.train.indexOf(words.indexOf(word));
    const short = pick('CAT');
    const long = Array.from(splits.train).findIndex((w) => words[w]!.length === MAX_LETTERS);
    expect(short).toBeGreaterThanOrEqual(0);
    const alone = base.getBatch(Int32Array.from([short]));
    const mixed = base.getBatch(Int32Array.from([long, short]));
    const a = base.loss(scaled, alone, 'eval').arraySync();
    const m = base.loss(scaled, mixed, 'eval').arraySync();
    expect(m[1]).toBeCloseTo(a[0]!, 4);
    expect(Math.abs(m[0]! - a[0]!)).toBeGreaterThan(1e-3);
    tf.dispose([...Object.values(params), ...Object.values(scaled)]);
    disposeBatch(alone);
    disposeBatch(mixed);
  });

  it('cuts greedy decodes at the first END', () => {
    const flat = Int32Array.from([
      ...[5, 6, BOUNDARY, 7, ...Array<number>(DECODER_STEPS - 4).fill(1)],
      ...Array<number>(DECODER_STEPS).fill(2),
      ...[BOUNDARY, ...Array<number>(DECODER_STEPS - 1).fill(3)],
    ]);
    expect(cutAtEnd(flat, 3).map((r) => Array.from(r))).toEqual([[5, 6], Array<number>(DECODER_STEPS).fill(2), []]);
  });

  it('reports phoneme and word error rates of greedy decodes, and the token loss', () => {
    const { params } = base.initParams(4);
    const m = base.evaluate(params, 'validation');
    expect(base.metric).toEqual({ name: 'per', direction: 'min' });
    expect(m['per']).toBeGreaterThan(0.5);
    expect(m['wer']).toBeGreaterThan(0.9);
    expect(m['wer']).toBeLessThanOrEqual(1);
    expect(Math.abs(m['loss']! - Math.log(g2pCorpus().phonemes.length + 1))).toBeLessThan(0.3);
    // A decoder that always says END produces empty words: every reference phoneme is a deletion.
    const silent = { ...params, 'output/bias': tf.tensor1d(Array.from({ length: g2pCorpus().phonemes.length + 1 }, (_, k) => (k === BOUNDARY ? 100 : 0))) };
    const s = base.evaluate(silent, 'test');
    expect(s['per']).toBe(1);
    expect(s['wer']).toBe(1);
    // One that never says END decodes DECODER_STEPS copies of one phoneme.
    const chatty = { ...params, 'output/bias': tf.tensor1d(Array.from({ length: g2pCorpus().phonemes.length + 1 }, (_, k) => (k === ids('AH')[0] ? 100 : 0))) };
    expect(base.evaluate(chatty, 'test')['per']).toBeGreaterThan(1);
    tf.dispose([...Object.values(params), silent['output/bias'], chatty['output/bias']]);
  });

});
