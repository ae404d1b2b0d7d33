/**
 * char_lm: next-character prediction on Moby Dick with a 2-layer decoder-only
 * transformer (d_model 64, 4 heads, context 32, pre-LN, GELU MLP ×4, learned
 * positions, untied output layer). The suite's sequence model: attention, LayerNorm
 * and embeddings for optimizers that treat parameter types differently.
 * Metric: validation bits per character (min).
 *
 * Budget (2-core dev machine, wasm, batch 128): a step takes ~0.40–0.43 s, so 150 s
 * holds ~350 steps; the reference AdamW (lr 3e-3) runs its schedule over stepHint =
 * 160 steps and meets the target after 50–63 s. An eval (512 windows of validation
 * and of test) takes ~0.75 s, so evals every 6 s cost ~12 % on top.
 */
import { defineWorkload } from '../definition.ts';
import { charData, charVocabSize, CONTEXT } from './data.ts';
import { charLmEvaluation } from './evaluate.ts';
import { charLmLoss, initCharLm, type CharLmConfig } from './model.ts';

/** The model's configuration less what the data decides. */
type Shape = Omit<CharLmConfig, 'vocab' | 'context'>;

const BASE: Shape = { dModel: 64, heads: 4, layers: 2, norm: 'pre', activation: 'gelu', attentionScale: 1 };

export const charLm = defineWorkload<Shape, CharLmConfig>({
  name: 'char_lm',
  description: 'Moby Dick character language model, 2-layer pre-LN transformer (metric: bits per character)',
  details:
    'Character-level transformer LM (2 layers, d_model 64, 4 heads, context 32) on Moby Dick; 90/5/5 % contiguous split; metric bits per character',
  metric: { name: 'bits_per_char', direction: 'min' },
  lossType: 'softmax_cross_entropy',
  budget: { maxRuntimeSec: 150, stepHint: 160 },
  variants: {
    base: { description: 'pre-LN, GELU MLP, attention logits scaled by 1/√d_head', config: BASE },
    post_ln: { description: 'post-LN: LayerNorm after each residual sum, no final norm', config: { ...BASE, norm: 'post' } },
    relu: { description: 'ReLU instead of GELU in the MLP', config: { ...BASE, activation: 'relu' } },
    sharp_attention: {
      description: 'attention logits scaled by 2/√d_head (temperature ½)',
      config: { ...BASE, attentionScale: 2 },
    },
  },
  configure: (shape) => ({ ...shape, vocab: charVocabSize(), context: CONTEXT }),
  data: charData,
  model: { init: initCharLm, loss: charLmLoss },
  evaluation: charLmEvaluation,
});
