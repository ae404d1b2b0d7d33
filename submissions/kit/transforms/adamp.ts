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
 * every parameter, as in the official code, unless `decayMask` says otherwise. The
 * branch is taken on the device (a select of the elementwise program), so the step
 * never waits for a value to come back from the accelerator.
 *
 * Passes over memory: each parameter's step is an elementwise program over its channel
 * view. The first pass writes the moments and, in the same pass, takes every sum the
 * projection needs per channel (⟨g, W⟩, ‖g‖², ‖W‖², ⟨W, perturb⟩; the layer's are their
 * totals, and ⟨Ŵ, perturb⟩ is ⟨W, perturb⟩/(‖W‖ + eps)); the second recomputes
 * perturb from the moments and writes the projected step.
 */
import * as tf from '@tensorflow/tfjs';
import type { TensorMap } from '../../../harness/spec.ts';
import { ElementwiseProgram, type Expr } from '../elementwise.ts';
import type { AdamState } from './adam.ts';
import {
  type DecayMask,
  type GradientTransformation,
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
      const mu: Record<string, tf.Tensor> = {};
      const nu: Record<string, tf.Tensor> = {};
      const updates: Record<string, tf.Tensor> = {};
      for (const [n, g] of Object.entries(grads)) {
        const p = params[n]!;
        const type = info.types[n] ?? 'weight';
        const projects = p.rank >= 2 && projectMask(type, n);
        // Channel view: column c of the [rows, channels] reshape is output channel c.
        const shape = projects ? [p.size / p.shape[p.rank - 1]!, p.shape[p.rank - 1]!] : p.shape;
        const view = (t: tf.Tensor): tf.Tensor => tf.reshape(t, shape);
        const b = new ElementwiseProgram(shape);
        const gE = b.value(view(g));
        const pE = b.value(view(p));
        const m = b.add(b.mul(view(state.mu[n]!), b1), b.mul(gE, 1 - b1));
        const v = b.add(b.mul(view(state.nu[n]!), b2), b.mul(b.square(gE), 1 - b2));
        // perturb from the moments: after `evaluate` below, m and v read the stored moments.
        const perturbOf = () => b.div(options.nesterov ? b.add(b.mul(m, b1), b.mul(gE, 1 - b1)) : m, b.add(b.div(b.sqrt(v), sqrtC2), eps));
        let perturb: Expr;
        let ratio: tf.Tensor = tf.scalar(1);
        if (projects) {
          ({ perturb, ratio } = project(b, gE, pE, [m, v], perturbOf, p.size, { delta, wdRatio, eps }));
        } else {
          perturb = perturbOf();
        }
        let step = b.div(perturb, c1);
        if (weightDecay !== 0 && decays(type, n)) step = b.add(step, b.mul(pE, tf.mul(ratio, weightDecay)));
        const [m1, v1, u] = b.run([m, v, step]);
        mu[n] = tf.reshape(m1!, p.shape);
        nu[n] = tf.reshape(v1!, p.shape);
        updates[n] = tf.reshape(u!, p.shape);
      }
      return { updates, state: { count, mu, nu } };
    },
  };
}

/**
 * The official `_projection` on the [rows, channels] program: the channel view first,
 * then the layer view; the first whose largest |cosine| is under its threshold
 * projects, and the decay drops to wdRatio. Cosines as torch's F.cosine_similarity:
 * x·y / (max(‖x‖, eps)·max(‖y‖, eps)). `ratio` is a scalar tensor (1 or wdRatio).
 */
function project(
  b: ElementwiseProgram,
  g: Expr,
  p: Expr,
  moments: [Expr, Expr],
  perturbOf: () => Expr,
  size: number,
  o: { delta: number; wdRatio: number; eps: number },
): { perturb: Expr; ratio: tf.Tensor } {
  const rows = b.shape[0]!;
  // One pass: the moments are stored, and every per-channel sum is taken.
  const [pg, gg, pp, pd] = b.evaluateWithSums(moments, [
    { of: b.mul(g, p), axis: 0 },
    { of: b.square(g), axis: 0 },
    { of: b.square(p), axis: 0 },
    { of: b.mul(p, perturbOf()), axis: 0 },
  ]).sums as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  const cosine = (dot: tf.Tensor, xx: tf.Tensor, yy: tf.Tensor) =>
    tf.abs(tf.div(dot, tf.mul(tf.maximum(tf.sqrt(xx), o.eps), tf.maximum(tf.sqrt(yy), o.eps))));
  const channelHit = tf.less(tf.max(cosine(pg, gg, pp)), o.delta / Math.sqrt(rows));
  const layerHit = tf.less(cosine(tf.sum(pg), tf.sum(gg), tf.sum(pp)), o.delta / Math.sqrt(size));
  // Ŵ = W/(‖W‖ + eps) per channel and for the layer; ⟨Ŵ, perturb⟩ = ⟨W, perturb⟩/(‖W‖ + eps).
  const channelNorm = tf.add(tf.sqrt(pp), o.eps);
  const layerNorm = tf.add(tf.sqrt(tf.sum(pp)), o.eps);
  const perturb = perturbOf();
  const channelUnit = b.div(p, b.along(channelNorm, 0));
  const channelProjected = b.sub(perturb, b.mul(channelUnit, b.along(tf.div(pd, channelNorm), 0)));
  const layerProjected = b.sub(perturb, b.mul(b.div(p, layerNorm), tf.div(tf.sum(pd), layerNorm)));
  const flag = (t: tf.Tensor) => tf.cast(t, 'float32');
  return {
    perturb: b.op('select', flag(channelHit), channelProjected, b.op('select', flag(layerHit), layerProjected, perturb)),
    ratio: tf.where(tf.logicalOr(channelHit, layerHit), tf.scalar(o.wdRatio), tf.scalar(1)),
  };
}
