/**
 * Train-only loading (Workload.trainData / loadTrain), for a trial's process that must
 * hold the training split and nothing else.
 *
 * One child process stands in for a trial's process (_train_only_child.ts): it gets
 * every registered workload's `trainData()` through v8.serialize, never calls
 * `load()`, refuses every require of a data package, and calls `loadTrain`. Its
 * batches and the losses of a fixed init, for every variant, must be bit-identical to
 * this process's after `load()`; its `load()` (the trial runner calls it) must load
 * nothing more; its `evaluate` must refuse; its data modules must hold no way back to
 * the full data. This process also checks what the train data
 * holds: exactly the training examples, none of validation or test.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../harness/backends/select.ts';
import { createRng, deriveSeed, permutation } from '../../harness/core/rng.ts';
import type { TrainData } from '../../harness/spec.ts';
import { BLOCKS, charCorpus, CONTEXT, readMobyDick } from '../../workloads/char_lm/data.ts';
import { DECODER_STEPS, g2pCorpus, MAX_LETTERS, rowsOf } from '../../workloads/g2p_gru/data.ts';
import { spamCorpus } from '../../workloads/spam_bow/data.ts';
import { getWorkload, WORKLOADS } from '../../workloads/registry.ts';
import { linearWorkload } from '../fixtures/linear_workload.ts';
import { assertPlainData, digestWorkload, picksFor, tensorHash, variantRefs } from './_train_only.ts';
import type { ChildInput, ChildOutput } from './_train_only_child.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./_train_only_child.ts', import.meta.url));
const NAMES = Object.keys(WORKLOADS);

const sha = (bytes: ArrayBufferView) => createHash('sha256').update(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).digest('hex');

describe('train-only loading for a trial process', () => {
  const trainData: Record<string, TrainData> = {};
  const expected: Record<string, unknown> = {};
  let child: ChildOutput;
  let expectedLinear: { inputs: string; targets: string; trainSize: number };
  let dir: string;

  beforeAll(async () => {
    await selectBackend('wasm');
    const workloads: ChildInput['workloads'][number][] = [];
    for (const name of NAMES) {
      const w = getWorkload(name);
      await w.load();
      trainData[name] = w.trainData();
      // char_lm: also the windows on either side of each jump between training stretches.
      const extra: number[] = [];
      if (name === 'char_lm') {
        const starts = charCorpus().trainStarts;
        for (let i = 0; i + 1 < starts.length; i++) if (starts[i + 1]! - starts[i]! > 1) extra.push(i, i + 1);
      }
      const picks = picksFor(w.trainSize, extra);
      workloads.push({ name, data: trainData[name]!, picks });
      Object.assign(expected, await digestWorkload(name, picks));
    }
    const linear = linearWorkload();
    await linear.load();
    const input: ChildInput = { backend: 'wasm', workloads, linear: { data: linear.trainData(), picks: Int32Array.from([0, 3, 255, 100]) } };
    const batch = linear.getBatch(input.linear.picks);
    expectedLinear = { inputs: tensorHash(batch.inputs), targets: tensorHash(batch.targets), trainSize: linear.trainSize };
    tf.dispose([batch.inputs, batch.targets]);
    linear.dispose();

    dir = mkdtempSync(join(tmpdir(), 'algobench-train-only-'));
    writeFileSync(join(dir, 'in.bin'), serialize(input));
    const run = spawnSync(process.execPath, ['--import', 'tsx', CHILD, join(dir, 'in.bin'), join(dir, 'out.bin')], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 240_000,
    });
    if (run.status !== 0) throw new Error(`child exited ${run.status}: ${run.stderr.slice(-3000)}`);
    child = deserialize(readFileSync(join(dir, 'out.bin'))) as ChildOutput;
  }, 300_000);

  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('hands over plain, structured-cloneable typed arrays', () => {
    for (const name of NAMES) {
      expect(() => assertPlainData(trainData[name]), name).not.toThrow();
      const clone = structuredClone(trainData[name]);
      expect(Object.keys(clone ?? {}).sort(), name).toEqual(Object.keys(trainData[name]!).sort());
    }
    expect(() => assertPlainData({ xs: [1, 2] })).toThrow(/Array/);
  });

  it('the child process refuses data packages and never needed one', () => {
    expect(child.guardWorks).toBe(true);
    expect(child.blockedRequires).toEqual([]);
  });

  it.each(NAMES)('%s: every variant batches and scores bit-identically after loadTrain in a fresh process', (name) => {
    const refs = variantRefs(name);
    expect(refs.length).toBe(WORKLOADS[name]!.variants.length);
    for (const ref of refs) {
      expect(child.digests[ref], ref).toEqual(expected[ref]);
      expect((expected[ref] as { sameIndices: boolean }).sameIndices, ref).toBe(true);
    }
  });

  it.each(NAMES)("%s: in the trial's process load() loads nothing more and evaluate refuses, naming the split", (name) => {
    for (const ref of variantRefs(name)) {
      const r = child.refusals[ref]!;
      // ERR_TRIAL_FORBIDDEN: the trial runner records a submission that reaches for them as `forbidden`.
      const refused = (message: RegExp) => ({ threw: true, message: expect.stringMatching(message), code: 'ERR_TRIAL_FORBIDDEN' });
      expect(r.validation, ref).toEqual(refused(/validation data is not loaded in a trial's process/));
      expect(r.test, ref).toEqual(refused(/test data is not loaded in a trial's process/));
      expect(r.train, ref).toEqual(refused(/not available in a trial's process/));
      expect(r.load, ref).toEqual({ threw: false });
    }
  });

  it("leaves no way back to the full data in the trial process's data modules", () => {
    expect(Object.keys(child.accessors).length).toBe(12);
    for (const [accessor, result] of Object.entries(child.accessors)) {
      expect(result, accessor).toEqual({ threw: true, message: expect.stringMatching(/training split only/), code: 'ERR_TRIAL_FORBIDDEN' });
    }
  });

  it('the linear fixture does the same', () => {
    expect(child.linear.digest).toEqual(expectedLinear);
    expect(child.linear.evaluate).toMatchObject({ threw: true, message: expect.stringMatching(/validation data is not loaded in a trial's process/) });
    expect(child.linear.load).toEqual({ threw: false });
    const data = trainData['mnist_mlp']!; // any other workload's data is refused
    expect(() => linearWorkload().loadTrain(data)).toThrow(/trainData\(\) output/);
  });

  it('MNIST: exactly the 8,000 training images and labels of the fixed split, none of validation or test', () => {
    // The package read directly, and the split recomputed from its seed, independently of data.ts.
    const require = createRequire(import.meta.url);
    const rows: Float32Array[] = [];
    const labels: number[] = [];
    for (let digit = 0; digit < 10; digit++) {
      const raw = (require(`mnist/src/digits/${digit}.json`) as { data: number[] }).data;
      for (let at = 0; at < raw.length; at += 784) {
        rows.push(Float32Array.from(raw.slice(at, at + 784)));
        labels.push(digit);
      }
    }
    expect(rows.length).toBe(10_000);
    const order = permutation(10_000, createRng(deriveSeed('mnist-split-v1')));
    for (const name of ['mnist_mlp', 'mnist_cnn', 'mnist_autoencoder']) {
      const data = trainData[name]!;
      const images = data['images'] as Float32Array;
      const trainLabels = data['labels'] as Int32Array;
      expect(Object.keys(data).sort()).toEqual(['format', 'images', 'labels']);
      expect([images.length, trainLabels.length]).toEqual([8_000 * 784, 8_000]);
      for (let i = 0; i < 8_000; i += 1) {
        if (sha(images.subarray(i * 784, (i + 1) * 784)) !== sha(rows[order[i]!]!) || trainLabels[i] !== labels[order[i]!]) {
          throw new Error(`${name}: training example ${i} is not package example ${order[i]}`);
        }
      }
    }
    const shipped = trainData['mnist_mlp']!['images'] as Float32Array;
    const trainRows = new Set(Array.from({ length: 8_000 }, (_, i) => sha(shipped.subarray(i * 784, (i + 1) * 784))));
    const heldOut = Array.from(order.subarray(8_000), (k) => sha(rows[k]!));
    expect(heldOut.filter((h) => trainRows.has(h))).toEqual([]);
  });

  it('spam_bow: exactly the training messages, none of validation or test', () => {
    const data = trainData['spam_bow']!;
    const offsets = data['offsets'] as Int32Array;
    const buckets = data['buckets'] as Int32Array;
    const labels = data['labels'] as Float32Array;
    expect(Object.keys(data).sort()).toEqual(['buckets', 'format', 'labels', 'offsets']);
    const { all, splits } = spamCorpus();
    expect(getWorkload('spam_bow').trainSize).toBe(splits.train.length);
    expect([offsets.length, labels.length]).toEqual([splits.train.length + 1, splits.train.length]);
    const run = (b: Int32Array, o: Int32Array, i: number) => sha(b.subarray(o[i]!, o[i + 1]!));
    const shipped = new Set<string>();
    splits.train.forEach((m, i) => {
      const h = run(buckets, offsets, i);
      expect(h).toBe(run(all.buckets, all.offsets, m));
      expect(labels[i]).toBe(all.labels[m]);
      shipped.add(h);
    });
    expect(buckets.length).toBe(offsets[splits.train.length]);
    const leaked = [...splits.validation, ...splits.test].filter((m) => shipped.has(run(all.buckets, all.offsets, m)));
    expect(leaked).toEqual([]);
  });

  it('char_lm: exactly the text outside the two held-out blocks, and the vocabulary size', () => {
    const data = trainData['char_lm']!;
    expect(Object.keys(data).sort()).toEqual(['format', 'stretchLengths', 'tokens', 'vocabSize']);
    // Encoded and cut here from the text and the split seed, independently of data.ts.
    const chars = Array.from(readMobyDick());
    const vocab = [...new Set(chars)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    const ids = new Map(vocab.map((c, i) => [c, i]));
    const order = permutation(BLOCKS, createRng(deriveSeed('char-lm-split-v1')));
    const bound = (b: number) => Math.round((b * chars.length) / BLOCKS);
    const held = new Set([order[0]!, order[1]!]);
    const expectedTokens: number[] = [];
    const expectedLengths: number[] = [];
    let stretch = 0;
    for (let b = 0; b < BLOCKS; b++) {
      if (held.has(b)) {
        if (stretch > 0) expectedLengths.push(stretch);
        stretch = 0;
        continue;
      }
      for (let k = bound(b); k < bound(b + 1); k++) expectedTokens.push(ids.get(chars[k]!)!);
      stretch += bound(b + 1) - bound(b);
    }
    if (stretch > 0) expectedLengths.push(stretch);
    expect(data['vocabSize']).toBe(vocab.length);
    expect(Array.from(data['stretchLengths'] as Int32Array)).toEqual(expectedLengths);
    const tokens = data['tokens'] as Int32Array;
    expect(tokens.length).toBe(expectedTokens.length);
    expect(sha(tokens)).toBe(sha(Int32Array.from(expectedTokens)));
    const heldOutChars = [...held].reduce((n, b) => n + bound(b + 1) - bound(b), 0);
    expect(tokens.length).toBe(chars.length - heldOutChars);
    // Windows per stretch: every start with CONTEXT + 1 characters inside it.
    expect(expectedLengths.reduce((n, l) => n + l - CONTEXT, 0)).toBe(getWorkload('char_lm').trainSize);
  });

  it('g2p_gru: exactly the training words, none of validation or test', () => {
    const data = trainData['g2p_gru']!;
    expect(Object.keys(data).sort()).toEqual(['classes', 'format', 'letters', 'targets']);
    const { splits, phonemes } = g2pCorpus();
    const n = splits.train.length;
    expect(getWorkload('g2p_gru').trainSize).toBe(n);
    expect(data['classes']).toBe(phonemes.length + 1);
    const letters = data['letters'] as Int32Array;
    const targets = data['targets'] as Int32Array;
    expect([letters.length, targets.length]).toEqual([n * MAX_LETTERS, n * DECODER_STEPS]);
    const train = rowsOf(splits.train);
    expect(sha(letters)).toBe(sha(train.letters));
    expect(sha(targets)).toBe(sha(train.targets));
    // A word is one letter row; no held-out word's row is among the shipped ones.
    const shipped = new Set(Array.from({ length: n }, (_, i) => sha(letters.subarray(i * MAX_LETTERS, (i + 1) * MAX_LETTERS))));
    const heldOut = rowsOf([...splits.validation, ...splits.test]).letters;
    const leaked = Array.from({ length: heldOut.length / MAX_LETTERS }, (_, i) => sha(heldOut.subarray(i * MAX_LETTERS, (i + 1) * MAX_LETTERS))).filter((h) =>
      shipped.has(h),
    );
    expect(leaked).toEqual([]);
  });

  it('loadTrain rejects data of the wrong shape or workload, naming the field, and leaves the process as it was', async () => {
    const mlp = getWorkload('mnist_mlp');
    const good = trainData['mnist_mlp']!;
    expect(() => mlp.loadTrain({ ...good, images: new Float32Array(5) })).toThrow(/"images" holds 5 values, expected 6272000/);
    expect(() => mlp.loadTrain({ ...good, labels: Array.from(good['labels'] as Int32Array) })).toThrow(/"labels" must be a typed array of type Int32Array, got Array/);
    expect(() => mlp.loadTrain(trainData['spam_bow']!)).toThrow(/format "spam-bow-train-v1", expected "mnist-train-v1"/);
    expect(() => getWorkload('char_lm').loadTrain({ ...trainData['char_lm']!, vocabSize: 3 })).toThrow(/token outside \[0, 3\)/);
    expect(() => getWorkload('g2p_gru').loadTrain({ ...trainData['g2p_gru']!, classes: 'x' })).toThrow(/"classes" must be a non-negative integer/);
    expect(() => getWorkload('spam_bow').loadTrain({ ...trainData['spam_bow']!, offsets: new Int32Array(3) })).toThrow(/"offsets" holds 3 values/);
    // Still a full (parent) process: evaluate works.
    await mlp.load();
    const { params } = mlp.initParams(1);
    expect(mlp.evaluate(params, 'validation')['accuracy']).toBeGreaterThan(0);
    tf.dispose(Object.values(params));
  });
});
