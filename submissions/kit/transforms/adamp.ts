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
 * Passes over memory, where the backend has Adam's kernel and the dots kernel (native
 * wasm): Adam's pass writes the moments and the bias-corrected step u = perturb/(1−b1ᵗ)
 * (the projection is linear, so projecting u is projecting perturb) and, for a weight
 * that may be projected, takes the four per-channel sums ⟨g, W⟩, ‖g‖², ‖W‖², ⟨W, u⟩ in
 * the same pass; the branch and a per-channel factor follow from the sums, and the step
 * u + W·factor is two ops of the chain's program: two passes over the weight, the last
 * one the chain's own. Where the backend has ADAMP_KERNEL, the first pass, the branch and
 * the factor are one kernel call, and below STEP_IN_KERNEL_MAX elements the step
 * u + W·factor too (a second pass in the same call), so that the chain's last program
 * reads the step as a bias's reads Adam's update and every parameter's last program
 * shares one call; else
 * ADAM_MOMENTS_DOTS_KERNEL with `columns` (or Adam's kernel then one dots pass, the same
 * bits) and two programs over the channels (see `projectedStep`), the same float32 ops.
 * Elsewhere (the cpu backend, fused ops off), the program path below.
 *
 * The program path: each parameter's step is an elementwise program over its channel
 * view, and AdamP is an elementwise transformation, so the learning rate after it (and
 * anything elementwise before it) joins the same program. The first pass writes the
 * moments and, in the same pass, takes every sum the projection needs per channel
 * (⟨g, W⟩, ‖g‖², ‖W‖², ⟨W, perturb⟩; ⟨Ŵ, perturb⟩ is ⟨W, perturb⟩/(‖W‖ + eps)); a
 * program over the channels then takes the channel norms, whether any channel's cosine
 * reaches its threshold (a count, so no max is needed) and the layer's totals; the
 * second pass recomputes perturb from the moments and writes the projected step, the
 * layer's cosine, norm and branch being scalar registers of that program. A projected
 * parameter of rank > 2 (a conv kernel, whose channel view is not its own shape) takes
 * its step in a program of its own and joins the chain as a computed tensor.
 */
import * as tf from '@tensorflow/tfjs';
import { ADAM_MOMENTS_DOTS_KERNEL, ADAMP_KERNEL, DOTS_KERNEL } from '../../../harness/spec.ts';
import { dots } from '../dots.ts';
import { ElementwiseProgram, type Expr } from '../elementwise.ts';
import { adamCoefficientArray, type AdamMomentsCoefficients, fusedAdamMoments, fusedOpsEnabled } from '../fused.ts';
import type { AdamState } from './adam.ts';
import {
  type DecayMask,
  elementwiseTransformation,
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


const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

export function scaleByAdamP(options: AdamPScalingOptions = {}): GradientTransformation<AdamPState> {
  const b1 = options.b1 ?? 0.9;
  const b2 = options.b2 ?? 0.999;
  const eps = options.eps ?? 1e-8;
  const weightDecay = options.weightDecay ?? 0;
  const delta = options.delta ?? 0.1;
  const wdRatio = options.wdRatio ?? 0.1;
  const projectMask = options.projectMask ?? adampProjectMask;
  const decays = resolveDecayMask(options.decayMask);
  return elementwiseTransformation<AdamPState>({
    init: (params) => ({ count: 0, mu: zerosLike(params), nu: zerosLike(params) }),
    updateElementwise: (grads, state, params, info) => {
      const count = state.count + 1;
      const c1 = 1 - b1 ** count;
      const sqrtC2 = Math.sqrt(1 - b2 ** count);
      const mu: Record<string, Expr | tf.Tensor> = {};
      const nu: Record<string, Expr | tf.Tensor> = {};
      const updates: Record<string, Expr> = {};
      const fast = fastPathAvailable();
      for (const [n, gIn] of Object.entries(grads)) {
        const p = params[n]!;
        const type = info.types[n] ?? 'weight';
        const projects = p.rank >= 2 && projectMask(type, n);
        if (fast && gIn.program.allFloat32()) {
          const g = gIn.program.run([gIn])[0]!;
          const k: AdamMomentsCoefficients = {
            b1, b2, eps, c1, c2: 1 - b2 ** count, ...(options.nesterov ? { nesterov: { lookM: b1 / c1, lookG: (1 - b1) / c1 } } : {}),
          };
          const wd = weightDecay !== 0 && decays(type, n) ? weightDecay : 0;
          // A projected weight: Adam's step, the per-channel sums, the branch and a factor per channel in one kernel,
          // and (below STEP_IN_KERNEL_MAX elements) the step u + W·factor too.
          const stepInKernel = p.size < STEP_IN_KERNEL_MAX;
          const withFactor = projects ? adampKernel(g, state.mu[n]!, state.nu[n]!, p, k, wd, { delta, wdRatio, eps }, stepInKernel) : undefined;
          if (withFactor !== undefined) {
            const [m1, v1, u, factor] = withFactor;
            [mu[n], nu[n]] = [m1!, v1!];
            if (stepInKernel) factor!.dispose();
            updates[n] = stepInKernel ? gIn.program.value(u!) : stepWithFactor(gIn.program, p, u!, factor!);
            continue;
          }
          // Without that kernel: Adam's step and the four per-channel sums in one pass.
          const withSums = projects ? adamWithChannelSums(g, state.mu[n]!, state.nu[n]!, p, k) : undefined;
          if (withSums !== undefined) {
            const [m1, v1, u, ...sums] = withSums;
            [mu[n], nu[n]] = [m1!, v1!];
            updates[n] = projectedStep(gIn.program, p, u!, sums as ChannelSums, wd, { delta, wdRatio, eps });
            continue;
          }
          const fused = fusedAdamMoments(g, state.mu[n]!, state.nu[n]!, k);
          if (fused !== undefined) {
            const [m1, v1, u] = fused;
            [mu[n], nu[n]] = [m1, v1];
            const sums = projects ? (dots([g, p, u], CHANNEL_PAIRS, p.shape[p.rank - 1]!) as ChannelSums) : undefined;
            updates[n] = sums ? projectedStep(gIn.program, p, u, sums, wd, { delta, wdRatio, eps }) : plainStep(gIn.program, p, u, wd);
            continue;
          }
        }
        // Channel view: column c of the [rows, channels] reshape is output channel c.
        const shape = projects ? [p.size / p.shape[p.rank - 1]!, p.shape[p.rank - 1]!] : [...p.shape];
        const view = (t: tf.Tensor): tf.Tensor => (sameShape(t.shape, shape) ? t : tf.reshape(t, shape));
        // The chain's program is over the parameter's shape; a view of another shape needs a program of its own.
        const inChain = sameShape(shape, gIn.program.shape);
        const b = inChain ? gIn.program : new ElementwiseProgram(shape);
        const gE = inChain ? gIn : b.value(view(gIn.program.run([gIn])[0]!));
        const pE = b.value(view(p));
        const m = b.add(b.mul(view(state.mu[n]!), b1), b.mul(gE, 1 - b1));
        const v = b.add(b.mul(view(state.nu[n]!), b2), b.mul(b.square(gE), 1 - b2));
        // perturb from the moments: after the first pass, m and v read the stored moments.
        const perturbOf = () => b.div(options.nesterov ? b.add(b.mul(m, b1), b.mul(gE, 1 - b1)) : m, b.add(b.div(b.sqrt(v), sqrtC2), eps));
        const projected = projects ? project(b, gE, pE, [m, v], perturbOf, p.size, { delta, wdRatio, eps }) : undefined;
        let step = b.div(projected?.perturb ?? perturbOf(), c1);
        if (weightDecay !== 0 && decays(type, n)) step = b.add(step, b.mul(pE, projected ? b.mul(projected.ratio, weightDecay) : weightDecay));
        if (inChain) {
          [mu[n], nu[n], updates[n]] = [m, v, step];
          continue;
        }
        const [m1, v1, u] = b.run([m, v, step]);
        mu[n] = tf.reshape(m1!, p.shape);
        nu[n] = tf.reshape(v1!, p.shape);
        updates[n] = new ElementwiseProgram(p.shape).value(tf.reshape(u!, p.shape));
      }
      return { updates, state: { count, mu, nu } };
    },
  });
}

/** Whether the fused path's kernels (Adam's moments, several dots in one pass) are there. */
function fastPathAvailable(): boolean {
  return fusedOpsEnabled() && tf.getKernel(DOTS_KERNEL, tf.getBackend()) !== undefined;
}

/** Per channel, over (g, W, u): ⟨g, W⟩, ‖g‖², ‖W‖², ⟨W, u⟩. */
type ChannelSums = [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
const CHANNEL_PAIRS = [[0, 1], [0, 0], [1, 1], [1, 2]] as const;

/**
 * [m', v', u, ⟨g, W⟩, ‖g‖², ‖W‖², ⟨W, u⟩] from one pass of ADAM_MOMENTS_DOTS_KERNEL's
 * per-column form (the same bits as Adam's kernel then DOTS_KERNEL over g, W, u), or
 * undefined where the backend lacks the kernel.
 */
function adamWithChannelSums(g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, p: tf.Tensor, k: AdamMomentsCoefficients): tf.Tensor[] | undefined {
  if (tf.getKernel(ADAM_MOMENTS_DOTS_KERNEL, tf.getBackend()) === undefined || p.dtype !== 'float32' || p.size !== g.size) return undefined;
  const attrs = { coefficients: adamCoefficientArray(k), columns: p.shape[p.rank - 1]!, pairs: CHANNEL_PAIRS.flat() };
  return tf.engine().runKernel(ADAM_MOMENTS_DOTS_KERNEL, { g, m, v, p }, attrs as never) as tf.Tensor[];
}

/**
 * Below this many elements a projected weight's step u + W·factor is ADAMP_KERNEL's
 * (`step`: a second pass over u and W in the same call), and the chain's last program
 * reads it as a bias's reads Adam's update, so the last programs of every parameter
 * share one call (ELEMENTWISE_PROGRAMS_KERNEL). At 1M parameters the cost is per call,
 * and that saves a call per weight and the slower program with a factor per channel
 * (1M bench set: 11 calls per update -> 8). From this size on the extra pass over
 * memory costs more than a call saves, and the factor joins the chain's program.
 */
const STEP_IN_KERNEL_MAX = 1 << 21;

/**
 * [m', v', u, factor] from ADAMP_KERNEL (harness/spec.ts): Adam's pass with the four
 * per-channel sums, then the branch and factor = wd·ratio − k per channel in the float32
 * ops of `projectedStep`'s two channel programs, in one call instead of three; with
 * `step`, u is the step u + W·factor (`stepWithFactor`'s two float32 ops). Undefined
 * where the backend lacks the kernel.
 */
function adampKernel(
  g: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  p: tf.Tensor,
  k: AdamMomentsCoefficients,
  wd: number,
  o: { delta: number; wdRatio: number; eps: number },
  step: boolean,
): tf.Tensor[] | undefined {
  if (tf.getKernel(ADAMP_KERNEL, tf.getBackend()) === undefined || p.dtype !== 'float32' || p.size !== g.size) return undefined;
  const channels = p.shape[p.rank - 1]!;
  const projection = [o.delta / Math.sqrt(p.size / channels), o.delta / Math.sqrt(p.size), o.eps, o.wdRatio, wd];
  const attrs = { coefficients: adamCoefficientArray(k), columns: channels, projection, ...(step ? { step: true } : {}) };
  return tf.engine().runKernel(ADAMP_KERNEL, { g, m, v, p }, attrs as never) as tf.Tensor[];
}

/**
 * u + W·factor (factor per channel, repeated along the rows): two ops of the chain's
 * program, or, for a view that is not the parameter's shape (a conv kernel), of a
 * program of its own that joins the chain as a computed tensor.
 */
function stepWithFactor(chainProgram: ElementwiseProgram, p: tf.Tensor, u: tf.Tensor, factor: tf.Tensor): Expr {
  const channels = p.shape[p.rank - 1]!;
  const rows = p.size / channels;
  const inChain = p.rank === 2 && sameShape(p.shape, chainProgram.shape);
  const b = inChain ? chainProgram : new ElementwiseProgram([rows, channels]);
  const view = (t: tf.Tensor): tf.Tensor => (inChain ? t : tf.reshape(t, [rows, channels]));
  const step = b.add(view(u), b.mul(view(p), b.along(factor, 0)));
  if (inChain) return step;
  return new ElementwiseProgram(p.shape).value(tf.reshape(b.run([step])[0]!, p.shape));
}

/** u + wd·W in the chain's program (a parameter that is never projected). */
function plainStep(b: ElementwiseProgram, p: tf.Tensor, u: tf.Tensor, wd: number): Expr {
  return wd === 0 ? b.value(u) : b.add(u, b.mul(p, wd));
}

/**
 * The fused path's step of a projected parameter, from Adam's bias-corrected update u
 * (= perturb/(1−b1ᵗ); the projection is linear, so projecting u is projecting perturb
 * then dividing): step = u − W·k + wd·ratio·W = u + W·(wd·ratio − k), k per channel,
 * with k = ⟨W_c, u_c⟩/(‖W_c‖ + eps)² where the channel view projects, the layer's
 * ⟨W, u⟩/(‖W‖ + eps)² where the layer view does, else 0. The four per-channel sums
 * come with u (Adam's pass) or from one dots pass; two programs over the channels decide the branch and k; the step is
 * two ops of the chain's program (or, for a view that is not the parameter's shape, of
 * its own, joining the chain as a computed tensor).
 */
function projectedStep(
  chainProgram: ElementwiseProgram,
  p: tf.Tensor,
  u: tf.Tensor,
  [pg, gg, pp, pu]: ChannelSums,
  wd: number,
  o: { delta: number; wdRatio: number; eps: number },
): Expr {
  const channels = p.shape[p.rank - 1]!;
  const rows = p.size / channels;
  const c = new ElementwiseProgram([channels]);
  const notUnder = c.sub(1, c.op('less', cosine(c, pg, gg, pp, o.eps), o.delta / Math.sqrt(rows)));
  const channelNorm = c.add(c.sqrt(pp), o.eps);
  const { outputs, sums } = c.runWithSums([c.div(pu, c.square(channelNorm))], [{ of: notUnder }, { of: pg }, { of: gg }, { of: pp }, { of: pu }]);
  const [misses, layerPg, layerGg, layerPp, layerPu] = sums as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  const k = new ElementwiseProgram([channels]);
  const channelHit = k.op('equal', misses, 0);
  const layerHit = k.op('less', cosine(k, layerPg, layerGg, layerPp, o.eps), o.delta / Math.sqrt(p.size));
  const layerK = k.div(layerPu, k.square(k.add(k.sqrt(layerPp), o.eps)));
  const radial = k.op('select', channelHit, outputs[0]!, k.op('select', layerHit, layerK, 0));
  const ratio = k.op('select', k.max(channelHit, layerHit), o.wdRatio, 1);
  const [factor] = k.run([wd === 0 ? k.neg(radial) : k.sub(k.mul(ratio, wd), radial)]);
  return stepWithFactor(chainProgram, p, u, factor!);
}

/** |cos(x, y)| from x·y, ‖x‖² and ‖y‖², as torch's F.cosine_similarity: x·y / (max(‖x‖, eps)·max(‖y‖, eps)). */
function cosine(b: ElementwiseProgram, dot: tf.Tensor | Expr, xx: tf.Tensor | Expr, yy: tf.Tensor | Expr, eps: number): Expr {
  return b.abs(b.div(dot, b.mul(b.max(b.sqrt(xx), eps), b.max(b.sqrt(yy), eps))));
}

/**
 * The official `_projection` on the [rows, channels] program: the channel view first,
 * then the layer view; the first whose largest |cosine| is under its threshold
 * projects, and the decay drops to wdRatio. `ratio` is a scalar register (1 or wdRatio).
 */
function project(
  b: ElementwiseProgram,
  g: Expr,
  p: Expr,
  moments: [Expr, Expr],
  perturbOf: () => Expr,
  size: number,
  o: { delta: number; wdRatio: number; eps: number },
): { perturb: Expr; ratio: Expr } {
  const [rows, channels] = b.shape as [number, number];
  // One pass: the moments are stored, and every per-channel sum is taken.
  const [pg, gg, pp, pd] = b.evaluateWithSums(moments, [
    { of: b.mul(g, p), axis: 0 },
    { of: b.square(g), axis: 0 },
    { of: b.square(p), axis: 0 },
    { of: b.mul(p, perturbOf()), axis: 0 },
  ]).sums as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  // One pass over the channels: ‖W_c‖ + eps and ⟨Ŵ_c, perturb_c⟩, how many channels'
  // cosines are not under the threshold (none: the channel view projects), and the
  // layer's sums, which are the channels' totals.
  const c = new ElementwiseProgram([channels]);
  const channelNorm = c.add(c.sqrt(pp), o.eps);
  const notUnder = c.sub(1, c.op('less', cosine(c, pg, gg, pp, o.eps), o.delta / Math.sqrt(rows)));
  const { outputs, sums } = c.runWithSums([channelNorm, c.div(pd, channelNorm)], [{ of: notUnder }, { of: pg }, { of: gg }, { of: pp }, { of: pd }]);
  const [norms, unitDots] = outputs as [tf.Tensor, tf.Tensor];
  const [misses, layerPg, layerGg, layerPp, layerPd] = sums as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  // The layer's cosine, norm and branch: scalar registers of the second pass.
  const channelHit = b.op('equal', misses, 0);
  const layerHit = b.op('less', cosine(b, layerPg, layerGg, layerPp, o.eps), o.delta / Math.sqrt(size));
  const layerNorm = b.add(b.sqrt(layerPp), o.eps);
  const perturb = perturbOf();
  const channelProjected = b.sub(perturb, b.mul(b.div(p, b.along(norms, 0)), b.along(unitDots, 0)));
  const layerProjected = b.sub(perturb, b.mul(b.div(p, layerNorm), b.div(layerPd, layerNorm)));
  return {
    perturb: b.op('select', channelHit, channelProjected, b.op('select', layerHit, layerProjected, perturb)),
    ratio: b.op('select', b.max(channelHit, layerHit), o.wdRatio, 1),
  };
}
