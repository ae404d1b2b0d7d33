/**
 * g2p_gru's evaluation: validation and test are scored whole (EVAL_WORDS words each)
 * from one encoding per eval — greedy decodes for the error rates and the
 * teacher-forced decoder for the token loss. Their per-step tensors are built once
 * per process and backend and kept.
 *
 * Metrics: `per`, the phoneme error rate (edits over reference phonemes, pooled over
 * the split, as speech's word error rate is); `wer`, the share of words whose decode
 * is not exactly the reference (G2P's word error rate); `loss`, the teacher-forced
 * cross-entropy per target token (phonemes and END), in nats.
 */
import * as tf from '@tensorflow/tfjs';
import type { Metrics, Split, TensorMap } from '../../harness/spec.ts';
import { errorRate } from '../common/edit_distance.ts';
import { trainOnlyProcess } from '../common/train_only.ts';
import type { WorkloadEvaluation } from '../definition.ts';
import { BOUNDARY, DECODER_STEPS, g2pClasses, g2pCorpus, g2pTrainOnly, rowsOf } from './data.ts';
import { scoreWords, stepTensors, toSteps, type G2pConfig, type SeqSteps } from './model.ts';

interface EvalSet {
  readonly steps: SeqSteps;
  /** Each word's reference phoneme ids (without END). */
  readonly references: readonly Int32Array[];
}

let cached: { backend: string; sets: Record<'validation' | 'test', EvalSet> } | undefined;

/** Frees the held-out tensors: a trial's process (loadTrain) holds none. */
export function dropEvalSets(): void {
  if (cached !== undefined) for (const set of Object.values(cached.sets)) tf.dispose(stepTensors(set.steps));
  cached = undefined;
}

/** Output classes: the boundary token and the phonemes. */
export function classes(): number {
  return g2pClasses();
}

function buildSet(split: 'validation' | 'test'): EvalSet {
  const rows = g2pCorpus().splits[split];
  const { letters, targets } = rowsOf(rows);
  const steps = toSteps(letters, targets, rows.length, classes());
  stepTensors(steps).forEach((t) => tf.keep(t));
  const references = Array.from({ length: rows.length }, (_, i) => {
    const row = targets.subarray(i * DECODER_STEPS, (i + 1) * DECODER_STEPS);
    return row.slice(0, row.indexOf(BOUNDARY));
  });
  return { steps, references };
}

/** A held-out split's tensors on the active backend, cached per backend (tests switch). */
export function evalSet(split: 'validation' | 'test'): EvalSet {
  if (g2pTrainOnly()) throw trainOnlyProcess('g2p_gru', `the ${split} words`);
  const backend = tf.getBackend();
  if (cached === undefined || cached.backend !== backend) {
    cached = { backend, sets: { validation: buildSet('validation'), test: buildSet('test') } };
  }
  return cached.sets[split];
}

export function evaluateSplit(config: G2pConfig, params: TensorMap, split: Split): Metrics {
  if (split === 'train') throw new Error('g2p_gru scores validation and test only');
  const { steps, references } = evalSet(split);
  const { losses, hypotheses } = scoreWords(config, params, steps);
  const counts = steps.counts.dataSync();
  let nats = 0;
  let tokens = 0;
  losses.forEach((l, i) => {
    nats += l * counts[i]!;
    tokens += counts[i]!;
  });
  const exact = (h: Int32Array, r: Int32Array) => h.length === r.length && h.every((x, k) => x === r[k]);
  const wrong = references.filter((r, i) => !exact(hypotheses[i]!, r)).length;
  return { per: errorRate(hypotheses, references), wer: wrong / references.length, loss: nats / tokens };
}

export const g2pEvaluation: WorkloadEvaluation<G2pConfig> = {
  prepare: () => void evalSet('validation'),
  evaluate: evaluateSplit,
  release: dropEvalSets,
};
