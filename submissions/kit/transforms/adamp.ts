/**
 * AdamP's scaling (Heo et al. 2021, "AdamP: Slowing Down the Slowdown for Momentum
 * Optimizers on Scale-invariant Weights", ICLR), as the official PyTorch `AdamP`
 * (clovaai/AdamP) computes it, before the learning rate:
 *   m ← b1·m + (1−b1)·g;  v ← b2·v + (1−b2)·g²;  denom = √v/√(1−b2ᵗ) + eps
 *   perturb = m/denom, or (b1·m + (1−b1)·g)/denom with `nesterov`
 *   for a matrix-like weight W (rank ≥ 2), the first view V in (channel, layer) where
 *     maxᵢ |cos(gᵢ, Wᵢ)| < delta/√(size of a row of V)
 *   removes the radial part of the step, row by row of V, with Ŵᵢ = Wᵢ/(‖Wᵢ‖ + eps):
 *     perturbᵢ ← perturbᵢ − Ŵᵢ·⟨Ŵᵢ, perturbᵢ⟩   and the weight decay is scaled by wdRatio
 *   update = perturb/(1−b1ᵗ) + weightDecay·ratio·W   (then −lr· from scaleByLearningRate)
 * which is the official p ← p·(1 − lr·wd·ratio) − lr/(1−b1ᵗ)·perturb.
 *
 * Layout: PyTorch's channel view is `W.view(W.size(0), −1)`, one row per output
 * channel, because torch kernels are [out, in, ...]. TensorFlow.js kernels are
 * [in, out] and [kh, kw, in, out], so the output channel is the last axis here and
 * the channel view is the [numel/out, out] reshape, reduced over axis 0. The layer
 * view (the whole tensor as one row) is the same in both.
 *
 * One difference from the official code, a kit convention: projection is tried only
 * on parameters that `projectMask` admits (default: 'weight' and 'conv_weight' of
 * rank ≥ 2; the official code tries every parameter of rank ≥ 2 and lets the cosine
 * test decide, which `projectMask: () => true` restores). Weight decay applies to
 * every parameter, as in the official code, unless `decayMask` says otherwise. The branch is taken on the device (`tf.where`), so the
 * step never waits for a value to come back from the accelerator.
 */
import * as tf from '@tensorflow/tfjs';
import type { TensorMap } from '../../../harness/spec.ts';
import type { AdamState } from './adam.ts';
import {
  type DecayMask,
  type GradientTransformation,
  mapTensors,
  type ParamMask,
  resolveDecayMask,
  zerosLike,
} from '../transform.ts';

export interface AdamPScalingOptions {
  /** @default 0.9 */
  readonly b1?: number;
  /** @default 0.999 */
  readonly b2?: number;
  /** Added to Adam's denominator, and to the norms of the cosine and projection. @default 1e-8 */
  readonly eps?: number;
  /** Decoupled weight decay (scaled by the learning rate downstream). @default 0 */
  readonly weightDecay?: number;
  /** The cosine threshold is delta/√(row size). @default 0.1 */
  readonly delta?: number;
  /** Multiplies the weight decay of a projected parameter. @default 0.1 */
  readonly wdRatio?: number;
  /** @default false */
  readonly nesterov?: boolean;
  /** Which parameters of rank ≥ 2 may be projected. @default 'weight' and 'conv_weight' */
  readonly projectMask?: ParamMask;
  /** Which parameters decay. @default 'all' (the official code) */
  readonly decayMask?: DecayMask;
}

/** Adam's state: AdamP keeps the same moments and step count. */
export type AdamPState = AdamState;

/** The default projection mask: dense and convolution kernels, the scale-invariant kind. */
export const adampProjectMask: ParamMask = (type) => type === 'weight' || type === 'conv_weight';

export function scaleByAdamP(options: AdamPScalingOptions = {}): GradientTransformation<AdamPState> {
  const b1 = options.b1 ?? 0.9;
  const b2 = options.b2 ?? 0.999;
  const eps = options.eps ?? 1e-8;
  const weightDecay = options.weightDecay ?? 0;
  const delta = options.delta ?? 0.1;
  const wdRatio = options.wdRatio ?? 0.1;
  const projectMask = options.projectMask ?? adampProjectMask;
  const decays = resolveDecayMask(options.decayMask);
  return {
    init: (params) => ({ count: 0, mu: zerosLike(params), nu: zerosLike(params) }),
    update: (grads, state, params, info) => {
      const count = state.count + 1;
      const c1 = 1 - b1 ** count;
      const sqrtC2 = Math.sqrt(1 - b2 ** count);
      const mu = mapTensors(grads, (g, n) => tf.add(tf.mul(state.mu[n]!, b1), tf.mul(g, 1 - b1)));
      const nu = mapTensors(grads, (g, n) => tf.add(tf.mul(state.nu[n]!, b2), tf.mul(tf.square(g), 1 - b2)));
      const updates = mapTensors(grads, (g, n) => {
        const p = params[n]!;
        const type = info.types[n] ?? 'weight';
        const denom = tf.add(tf.div(tf.sqrt(nu[n]!), sqrtC2), eps);
        const first = options.nesterov ? tf.add(tf.mul(mu[n]!, b1), tf.mul(g, 1 - b1)) : mu[n]!;
        let perturb = tf.div(first, denom);
        let ratio: tf.Tensor | number = 1;
        if (p.rank >= 2 && projectMask(type, n)) {
          ({ perturb, ratio } = project(p, g, perturb, { delta, wdRatio, eps }));
        }
        const step = tf.div(perturb, c1);
        if (weightDecay === 0 || !decays(type, n)) return step;
        return tf.add(step, tf.mul(p, tf.mul(ratio, weightDecay)));
      });
      return { updates, state: { count, mu, nu } };
    },
  };
}

/**
 * The official `_projection`: the channel view first, then the layer view; the first
 * whose largest |cosine| is under its threshold projects, and the decay drops to
 * wdRatio. `ratio` is a scalar tensor (1 or wdRatio), decided on the device.
 */
function project(
  p: tf.Tensor,
  g: tf.Tensor,
  perturb: tf.Tensor,
  o: { delta: number; wdRatio: number; eps: number },
): { perturb: tf.Tensor; ratio: tf.Tensor } {
  const channels = p.shape[p.rank - 1]!;
  const rows = p.size / channels;
  // Channel view: column c of the [rows, channels] reshape is output channel c.
  const asChannels = (t: tf.Tensor): tf.Tensor2D => tf.reshape(t, [rows, channels]);
  const pc = asChannels(p);
  const gc = asChannels(g);
  const channelCos = cosine(gc, pc, 0, o.eps);
  const channelHit = tf.less(tf.max(channelCos), o.delta / Math.sqrt(rows));
  const pcUnit = tf.div(pc, tf.add(tf.norm(pc, 'euclidean', 0, true), o.eps));
  const channelProjected = tf.reshape(
    tf.sub(asChannels(perturb), tf.mul(pcUnit, tf.sum(tf.mul(pcUnit, asChannels(perturb)), 0, true))),
    p.shape,
  );

  const layerCos = cosine(tf.reshape(g, [-1]), tf.reshape(p, [-1]), 0, o.eps);
  const layerHit = tf.less(layerCos, o.delta / Math.sqrt(p.size));
  const pUnit = tf.div(p, tf.add(tf.norm(p), o.eps));
  const layerProjected = tf.sub(perturb, tf.mul(pUnit, tf.sum(tf.mul(pUnit, perturb))));

  const projected = tf.where(channelHit, channelProjected, tf.where(layerHit, layerProjected, perturb));
  const ratio = tf.where(tf.logicalOr(channelHit, layerHit), tf.scalar(o.wdRatio), tf.scalar(1));
  return { perturb: projected, ratio };
}

/** |cos| along `axis`, as torch's F.cosine_similarity: x·y / (max(‖x‖, eps)·max(‖y‖, eps)). */
function cosine(x: tf.Tensor, y: tf.Tensor, axis: number, eps: number): tf.Tensor {
  const dot = tf.sum(tf.mul(x, y), axis);
  const nx = tf.maximum(tf.norm(x, 'euclidean', axis), eps);
  const ny = tf.maximum(tf.norm(y, 'euclidean', axis), eps);
  return tf.abs(tf.div(dot, tf.mul(nx, ny)));
}
