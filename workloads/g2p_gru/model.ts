/**
 * The grapheme-to-phoneme model: a recurrent encoder–decoder without attention
 * (Sutskever et al. 2014; for G2P, Yao & Zweig 2015). The encoder reads the word's
 * letters last to first — reversing the source puts the first letters next to the
 * first phonemes, which is what lets a model without attention learn quickly — and
 * its final state starts the decoder. The decoder is fed the previous phoneme
 * (teacher forcing in training, its own greedy choice in evaluation) and predicts
 * the next phoneme or END through a dense softmax layer.
 *
 * Sequences are cut into per-step tensors on the host, from the int ids: slicing a
 * tensor on the wasm backend copies the whole input to JS first, so taking T steps
 * out of one [T, B, …] tensor costs O(T²) copying (~30 ms for a [27, 128, 128]
 * tensor, measured); one-hot rows built on the host cost nothing measurable. The
 * decoder's states are concatenated once, for a single output product; the backward
 * pass slices that [T·B, hidden] gradient T times, a few ms of a ~90 ms step.
 *
 * Init: one-hot input tables N(0, 0.3²) — each row is a token's gate pre-activation,
 * and 0.3 keeps the gates near the middle of their range (1.0 trained worse: best
 * validation PER 0.34 against 0.30 with AdamW lr 3e-3 over 700 steps, seed 1) —
 * recurrent weights N(0, 1/hidden), output layer N(0, 1/hidden), output bias 0.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../../harness/core/rng.ts';
import type { Batch, ModelInit, ParamType, TensorMap } from '../../harness/spec.ts';
import { cellStep, initCell, maskState, zeroState, type CellKind, type CellState } from './cells.ts';
import { BOUNDARY, DECODER_STEPS, MAX_LETTERS, NO_TARGET } from './data.ts';

export interface G2pConfig {
  readonly cell: CellKind;
  readonly hidden: number;
  /** Output classes: END/START and the phonemes. */
  readonly classes: number;
}

/** Rows of the encoder's input table: A–Z (padding is an all-zero row). */
export const LETTERS = 26;
/** Standard deviation of the one-hot input tables at init (see the file comment). */
const INPUT_STD = 0.3;

function param(params: TensorMap, name: string): tf.Tensor {
  const p = params[name];
  if (p === undefined) throw new Error(`g2p_gru: missing parameter ${name}`);
  return p;
}

export function initG2p(config: G2pConfig, seed: number): ModelInit {
  const params: Record<string, tf.Tensor> = {};
  const types: Record<string, ParamType> = {};
  const add = (name: string, type: ParamType, value: tf.Tensor) => {
    params[name] = value;
    types[name] = type;
  };
  const init = { seed, inputStd: INPUT_STD };
  initCell(config.cell, 'encoder', LETTERS, config.hidden, init, add);
  initCell(config.cell, 'decoder', config.classes, config.hidden, init, add);
  add('output/kernel', 'weight', tf.randomNormal([config.hidden, config.classes], 0, 1 / Math.sqrt(config.hidden), 'float32', deriveSeed(seed, 'output/kernel')));
  add('output/bias', 'bias', tf.zeros([config.classes]));
  return { params, types };
}

/** A set of words cut into per-step one-hot tensors (see the file comment). */
export interface SeqSteps {
  readonly size: number;
  /** One-hot letters [B, LETTERS] by position in the word; padding rows are zero. */
  readonly letters: readonly tf.Tensor2D[];
  /** 1 where position t holds a letter, [B, 1]; undefined where every word does. */
  readonly masks: ReadonlyArray<tf.Tensor2D | undefined>;
  /** The decoder's first input: START for every word, [B, classes]. */
  readonly start: tf.Tensor2D;
  /** One-hot targets [B, classes] by decoder step; zero rows after END. */
  readonly targets: readonly tf.Tensor2D[];
  /** Targets per word (phonemes + END), [B]. */
  readonly counts: tf.Tensor1D;
}

/** Builds the per-step tensors of `size` words from their row-major letter and target ids. */
export function toSteps(letters: Int32Array, targets: Int32Array, size: number, classes: number): SeqSteps {
  const stepLetters: tf.Tensor2D[] = [];
  const masks: Array<tf.Tensor2D | undefined> = [];
  for (let t = 0; t < MAX_LETTERS; t++) {
    const oneHot = new Float32Array(size * LETTERS);
    const mask = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      const id = letters[i * MAX_LETTERS + t]!;
      if (id > 0) {
        oneHot[i * LETTERS + id - 1] = 1;
        mask[i] = 1;
      }
    }
    stepLetters.push(tf.tensor2d(oneHot, [size, LETTERS]));
    masks.push(mask.every((m) => m === 1) ? undefined : tf.tensor2d(mask, [size, 1]));
  }
  const stepTargets: tf.Tensor2D[] = [];
  const counts = new Float32Array(size);
  for (let t = 0; t < DECODER_STEPS; t++) {
    const oneHot = new Float32Array(size * classes);
    for (let i = 0; i < size; i++) {
      const id = targets[i * DECODER_STEPS + t]!;
      if (id === NO_TARGET) continue;
      oneHot[i * classes + id] = 1;
      counts[i]! += 1;
    }
    stepTargets.push(tf.tensor2d(oneHot, [size, classes]));
  }
  const start = new Float32Array(size * classes);
  for (let i = 0; i < size; i++) start[i * classes + BOUNDARY] = 1;
  return {
    size,
    letters: stepLetters,
    masks,
    start: tf.tensor2d(start, [size, classes]),
    targets: stepTargets,
    counts: tf.tensor1d(counts),
  };
}

/** Every tensor of a SeqSteps (to keep or dispose them). */
export function stepTensors(s: SeqSteps): tf.Tensor[] {
  return [...s.letters, ...s.masks.filter((m): m is tf.Tensor2D => m !== undefined), s.start, ...s.targets, s.counts];
}

/** The encoder's final state: the letters read last to first, padding (read first) masked. */
export function encode(config: G2pConfig, params: TensorMap, steps: SeqSteps): CellState {
  let state = zeroState(config.cell, steps.size, config.hidden);
  for (let t = MAX_LETTERS - 1; t >= 0; t--) {
    state = cellStep(config.cell, params, 'encoder', steps.letters[t]!, state);
    const mask = steps.masks[t];
    if (mask !== undefined) state = maskState(state, mask);
  }
  return state;
}

function outputLogits(params: TensorMap, h: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.matMul(h, param(params, 'output/kernel') as tf.Tensor2D), param(params, 'output/bias'));
}

/** Per-word mean cross-entropy of the teacher-forced decoder started from `state`: [B]. */
function teacherForced(config: G2pConfig, params: TensorMap, steps: SeqSteps, initial: CellState): tf.Tensor1D {
  let state = initial;
  const hs: tf.Tensor2D[] = [];
  for (let t = 0; t < DECODER_STEPS; t++) {
    state = cellStep(config.cell, params, 'decoder', t === 0 ? steps.start : steps.targets[t - 1]!, state);
    hs.push(state.h);
  }
  // Time-major rows [T·B, hidden]: one output product for all steps.
  const logits = outputLogits(params, tf.concat(hs, 0));
  const targets = tf.concat([...steps.targets], 0);
  const nats = tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1));
  return tf.div(tf.sum(tf.reshape(nats, [DECODER_STEPS, steps.size]), 0), steps.counts) as tf.Tensor1D;
}

/**
 * Teacher-forced token cross-entropy (nats) of each word, averaged over its targets
 * (phonemes and END): [B]. The training loss.
 */
export function sequenceLoss(config: G2pConfig, params: TensorMap, steps: SeqSteps): tf.Tensor1D {
  return tf.tidy(() => teacherForced(config, params, steps, encode(config, params, steps)));
}

/** Greedy phoneme ids [B, DECODER_STEPS]: each step feeds back the most likely class. */
function greedy(config: G2pConfig, params: TensorMap, steps: SeqSteps, initial: CellState): tf.Tensor2D {
  let state = initial;
  let input = steps.start;
  const picks: tf.Tensor1D[] = [];
  for (let t = 0; t < DECODER_STEPS; t++) {
    state = cellStep(config.cell, params, 'decoder', input, state);
    const pick = tf.argMax(outputLogits(params, state.h), 1) as tf.Tensor1D;
    picks.push(pick);
    input = tf.oneHot(pick, config.classes).toFloat() as tf.Tensor2D;
  }
  return tf.stack(picks, 1) as tf.Tensor2D;
}

/** Each word's ids up to (not including) its first END, or all of them when it has none. */
export function cutAtEnd(flat: Int32Array, size: number): Int32Array[] {
  return Array.from({ length: size }, (_, i) => {
    const row = flat.subarray(i * DECODER_STEPS, (i + 1) * DECODER_STEPS);
    const end = row.indexOf(BOUNDARY);
    return row.slice(0, end === -1 ? DECODER_STEPS : end);
  });
}

/**
 * What an eval needs from one encoding of the words: the teacher-forced loss of
 * each word and its greedy decode (phoneme ids up to END).
 */
export function scoreWords(config: G2pConfig, params: TensorMap, steps: SeqSteps): { losses: Float32Array; hypotheses: Int32Array[] } {
  const [losses, ids] = tf.tidy(() => {
    const state = encode(config, params, steps);
    return [teacherForced(config, params, steps, state), greedy(config, params, steps, state)];
  });
  try {
    return { losses: losses.dataSync() as Float32Array, hypotheses: cutAtEnd(ids.dataSync() as Int32Array, steps.size) };
  } finally {
    tf.dispose([losses, ids]);
  }
}

/**
 * The training loss of a batch: each word's mean cross-entropy (nats) over its
 * phonemes and END. The ids are read back to cut the words into per-step tensors on
 * the host (toSteps).
 */
export function g2pLoss(config: G2pConfig, params: TensorMap, batch: Batch): tf.Tensor1D {
  return tf.tidy(() => {
    const steps = toSteps(batch.inputs.dataSync() as Int32Array, batch.targets.dataSync() as Int32Array, batch.size, config.classes);
    return sequenceLoss(config, params, steps);
  });
}
