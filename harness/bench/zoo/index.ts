/** The zoo, in the order `algobench bench --zoo` runs it. */
import { attentionDropout } from './attention_dropout.ts';
import { convAutoencoder } from './conv_autoencoder.ts';
import { conv5x5Pool } from './conv5x5_pool.ts';
import { convBn } from './conv_bn.ts';
import { embeddingBag } from './embedding_bag.ts';
import { gru } from './gru.ts';
import { lstm } from './lstm.ts';
import { mlp } from './mlp.ts';
import type { ZooModel } from './model.ts';
import { residual } from './residual.ts';
import { separable } from './separable.ts';
import { textCnn } from './text_cnn.ts';
import { transformerLm } from './transformer_lm.ts';

export type { ZooInstance, ZooModel } from './model.ts';

export const ZOO: readonly ZooModel[] = [
  mlp, convBn, residual, separable, convAutoencoder, lstm, gru, transformerLm, embeddingBag, attentionDropout, conv5x5Pool, textCnn,
];
