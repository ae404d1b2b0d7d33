/**
 * g2p_gru: grapheme-to-phoneme conversion on the CMU Pronouncing Dictionary with a
 * GRU encoder–decoder (hidden 128, letters read in reverse, no attention). The
 * suite's recurrent sequence-to-sequence workload — AlgoPerf's speech workloads in
 * miniature: a sequence in, a sequence out, scored by an edit-distance error rate of
 * greedy decodes. Metric: validation phoneme error rate (min).
 */
import { defineWorkload } from '../definition.ts';
import { g2pClasses, g2pData } from './data.ts';
import { g2pEvaluation } from './evaluate.ts';
import { g2pLoss, initG2p, type G2pConfig } from './model.ts';

/** The model's configuration less what the data decides. */
type G2pShape = Omit<G2pConfig, 'classes'>;

const BASE: G2pShape = { cell: 'gru', hidden: 128 };

export const g2pGru = defineWorkload<G2pShape, G2pConfig>({
  name: 'g2p_gru',
  description: 'CMUdict grapheme-to-phoneme conversion, GRU encoder–decoder (metric: phoneme error rate)',
  details:
    'GRU encoder–decoder (hidden 128, reversed letters, no attention) from spelling to ARPAbet phonemes (stress stripped) on CMUdict words of 2–12 letters; 1,000-word validation and test sets; metric phoneme error rate of greedy decodes',
  metric: { name: 'per', direction: 'min' },
  lossType: 'softmax_cross_entropy',
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
  budget: { maxRuntimeSec: 120, stepHint: 700 },
  variants: {
    base: { description: 'GRU encoder and decoder, hidden 128', config: BASE },
    lstm: { description: 'LSTM cells (forget-gate rows start at +1) instead of GRUs', config: { ...BASE, cell: 'lstm' } },
    no_reset_gate: { description: 'GRUs without the reset gate (update gate only)', config: { ...BASE, cell: 'gru_no_reset' } },
  },
  configure: (shape) => ({ ...shape, classes: g2pClasses() }),
  data: g2pData,
  model: { init: initG2p, loss: g2pLoss },
  evaluation: g2pEvaluation,
});
