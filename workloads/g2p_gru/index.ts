/**
 * g2p_gru: grapheme-to-phoneme conversion on the CMU Pronouncing Dictionary with a
 * GRU encoder–decoder (hidden 128, letters read in reverse, no attention). The
 * suite's recurrent sequence-to-sequence workload — AlgoPerf's speech workloads in
 * miniature: a sequence in, a sequence out, scored by an edit-distance error rate of
 * greedy decodes. Metric: validation phoneme error rate (min).
 */
import * as tf from '@tensorflow/tfjs';
import type { Workload } from '../../harness/spec.ts';
import type { WorkloadDefinition } from '../definition.ts';
import { notInTrialProcess } from '../common/train_only.ts';
import { g2pBatch, g2pClasses, g2pTrainData, g2pTrainOnly, loadG2pTrain, TRAIN_WORDS } from './data.ts';
import { dropEvalSets, evalSet, evaluateSplit } from './evaluate.ts';
import { initG2p, sequenceLoss, toSteps, type G2pConfig } from './model.ts';

/** The model's configuration less what the data decides. */
export type G2pShape = Omit<G2pConfig, 'classes'>;

const BASE: G2pShape = { cell: 'gru', hidden: 128 };

/**
 * Measured on the 2-core dev machine, wasm backend without the native kernels (as the
 * other workloads' budgets), batch 128 (2026-11-29): an AdamW step takes ~92 ms (lstm
 * ~125, no_reset_gate ~64; with the native kernels ~58, ~80 and ~48), so 120 s holds
 * ~1,300 steps; the reference AdamW (lr 2e-2) runs its schedule over stepHint = 700
 * steps (~64 s) and meets the target after ~50–55 s. An eval (greedy decodes and
 * teacher-forced loss of 1,000 + 1,000 words) takes ~0.75 s (lstm ~1.2, no_reset_gate
 * ~0.4), so evals every 6 s cost ~12 % on top. no_reset_gate's faster steps get a
 * 90 s budget (targets.json).
 */
const BUDGET = { maxRuntimeSec: 120, stepHint: 700 };

const VARIANTS: Readonly<Record<string, { description: string; shape: G2pShape }>> = {
  base: { description: 'GRU encoder and decoder, hidden 128', shape: BASE },
  lstm: { description: 'LSTM cells (forget-gate rows start at +1) instead of GRUs', shape: { ...BASE, cell: 'lstm' } },
  no_reset_gate: { description: 'GRUs without the reset gate (update gate only)', shape: { ...BASE, cell: 'gru_no_reset' } },
};

function create(variant: string): Workload {
  const entry = VARIANTS[variant];
  if (entry === undefined) throw new Error(`g2p_gru has no variant "${variant}"; its variants are: ${Object.keys(VARIANTS).join(', ')}`);
  return g2pWorkload(variant, entry.shape);
}

/** The workload for a model shape; `create` uses it with the variants' shapes. */
export function g2pWorkload(variant: string, shape: G2pShape): Workload {
  let config: G2pConfig | undefined;
  const model = () => (config ??= { ...shape, classes: g2pClasses() });
  return {
    name: 'g2p_gru',
    variant,
    description:
      'GRU encoder–decoder (hidden 128, reversed letters, no attention) from spelling to ARPAbet phonemes (stress stripped) on CMUdict words of 2–12 letters; 1,000-word validation and test sets; metric phoneme error rate of greedy decodes',
    metric: { name: 'per', direction: 'min' },
    lossType: 'softmax_cross_entropy',
    budget: BUDGET,
    trainSize: TRAIN_WORDS,
    load: async () => {
      if (g2pTrainOnly()) return; // a trial's process: loadTrain loaded all it may hold
      evalSet('validation');
    },
    initParams: (seed) => initG2p(model(), seed),
    getBatch: g2pBatch,
    // Per example: the mean cross-entropy (nats) over the word's phonemes and END. The
    // ids are read back to cut the words into per-step tensors on the host (model.ts).
    loss: (params, batch) =>
      tf.tidy(() => {
        const steps = toSteps(batch.inputs.dataSync() as Int32Array, batch.targets.dataSync() as Int32Array, batch.size, model().classes);
        return sequenceLoss(model(), params, steps);
      }),
    evaluate: (params, split) => {
      if (g2pTrainOnly()) throw notInTrialProcess('g2p_gru', split);
      return evaluateSplit(model(), params, split);
    },
    trainData: g2pTrainData,
    loadTrain: (data) => {
      loadG2pTrain(data);
      dropEvalSets();
    },
  };
}

export const g2pGru: WorkloadDefinition = {
  name: 'g2p_gru',
  description: 'CMUdict grapheme-to-phoneme conversion, GRU encoder–decoder (metric: phoneme error rate)',
  variants: Object.entries(VARIANTS).map(([name, v]) => ({ name, description: v.description })),
  create,
};
