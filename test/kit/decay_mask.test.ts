/**
 * Which parameters weight decay reaches, for every kit optimizer that decays: all of
 * them by default (PyTorch, optax and AlgoPerf decay every parameter they are given),
 * only matrices and embeddings with `decayMask: 'no_bias_norm'`, or what a custom mask
 * says. A parameter missing from `types` counts as a weight. With zero gradients only
 * the decay can move a parameter, so "moved" means "decayed".
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ParamTypes, TensorMap } from '../../harness/spec.ts';
import { adafactor } from '../../submissions/kit/optimizers/adafactor.ts';
import { adamw, nadamw } from '../../submissions/kit/optimizers/adam.ts';
import { adamp } from '../../submissions/kit/optimizers/adamp.ts';
import { heavyBall } from '../../submissions/kit/optimizers/heavy_ball.ts';
import { lamb } from '../../submissions/kit/optimizers/lamb.ts';
import { lion } from '../../submissions/kit/optimizers/lion.ts';
import { nesterov } from '../../submissions/kit/optimizers/nesterov.ts';
import { scheduleFreeAdamw } from '../../submissions/kit/optimizers/schedule_free.ts';
import { sgd } from '../../submissions/kit/optimizers/sgd.ts';
import { shampoo } from '../../submissions/kit/optimizers/shampoo.ts';
import { applyUpdates, type DecayMask, type GradientTransformation } from '../../submissions/kit/transform.ts';
import { addDecayedWeights } from '../../submissions/kit/transforms/basic.ts';

const TYPES: ParamTypes = { w: 'weight', b: 'bias', s: 'norm_scale', nb: 'norm_bias', e: 'embedding' }; // x: no type
const NAMES = ['w', 'b', 's', 'nb', 'e', 'x'] as const;

type Factory = (mask: DecayMask | undefined) => GradientTransformation;
const withMask = (mask: DecayMask | undefined) => (mask === undefined ? {} : { decayMask: mask });

const DECAYING: readonly (readonly [string, Factory])[] = [
  ['adamw', (m) => adamw({ lr: 0.1, weightDecay: 0.5, ...withMask(m) })],
  ['nadamw', (m) => nadamw({ lr: 0.1, weightDecay: 0.5, ...withMask(m) })],
  ['sgd', (m) => sgd({ lr: 0.1, weightDecay: 0.5, ...withMask(m) })],
  ['heavyBall', (m) => heavyBall({ lr: 0.1, momentum: 0.9, weightDecay: 0.5, ...withMask(m) })],
  ['nesterov', (m) => nesterov({ lr: 0.1, momentum: 0.9, weightDecay: 0.5, ...withMask(m) })],
  ['lion', (m) => lion({ lr: 0.1, weightDecay: 0.5, ...withMask(m) })],
  ['lamb', (m) => lamb({ lr: 0.1, weightDecay: 0.5, ...withMask(m) })],
  ['adafactor', (m) => adafactor({ lr: 0.1, weightDecay: 0.05, ...withMask(m) })],
  ['adamp', (m) => adamp({ lr: 0.1, weightDecay: 0.5, ...withMask(m) })],
  ['scheduleFreeAdamw', (m) => scheduleFreeAdamw({ lr: 0.1, weightDecay: 0.5, ...withMask(m) })],
  ['shampoo', (m) => shampoo({ lr: 0.1, weightDecay: 0.5, ...withMask(m) })],
  ['addDecayedWeights', (m) => addDecayedWeights(0.5, m)],
];

const MASKS: readonly (readonly [string, DecayMask | undefined, readonly (typeof NAMES)[number][]])[] = [
  ['the default', undefined, NAMES],
  ["'all'", 'all', NAMES],
  ["'no_bias_norm'", 'no_bias_norm', ['w', 'e', 'x']],
  ['a custom mask', (type, name) => type === 'bias' || name === 'x', ['b', 'x']],
];

/** Which parameters one step with zero gradients moves. */
function moved(opt: GradientTransformation): string[] {
  return tf.tidy(() => {
    const params: TensorMap = Object.fromEntries(NAMES.map((n) => [n, tf.tensor2d([[2, -4]])]));
    const grads: TensorMap = Object.fromEntries(NAMES.map((n) => [n, tf.zeros([1, 2])]));
    const next = applyUpdates(params, opt.update(grads, opt.init(params), params, { types: TYPES }).updates);
    return NAMES.filter((n) => tf.max(tf.abs(tf.sub(next[n]!, params[n]!))).dataSync()[0]! > 1e-3);
  });
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe.each(DECAYING)('%s', (_name, make) => {
  it.each(MASKS)('decays what %s names', (_mask, mask, want) => {
    expect(moved(make(mask))).toEqual(want);
  });
});
