/**
 * Layer-wise trust ratio (LARS, You et al. 2017; LAMB, You et al. 2020), as optax's
 * `scale_by_trust_ratio` with its defaults: each parameter's update u is scaled by
 * ‖p‖/‖u‖ (whole-tensor L2 norms), or by 1 when either norm is 0, so that a zero
 * parameter (a fresh bias) or a zero update still moves as the inner optimizer says.
 */
import * as tf from '@tensorflow/tfjs';
import { ADAM_MOMENTS_DOTS_KERNEL } from '../../../harness/spec.ts';
import { dots } from '../dots.ts';
import { type Expr, mapExprs } from '../elementwise.ts';
import { adamCoefficientArray, fusedOpsEnabled } from '../fused.ts';
import { type DecayMask, elementwiseTransformation, type GradientTransformation, resolveDecayMask } from '../transform.ts';
import { type AdamOptions, type AdamState, scaleByAdam } from './adam.ts';

type Empty = Record<string, never>;

/** The ratio's factor as scalar registers of u's program: 1 where either norm is 0, else ‖p‖/‖u‖. */
function ratio(b: Expr['program'], u2: tf.Tensor | Expr, p2: tf.Tensor | Expr): Expr {
  const pNorm = b.sqrt(p2);
  const uNorm = b.sqrt(u2);
  const zero = b.max(b.op('equal', pNorm, 0), b.op('equal', uNorm, 0));
  return b.op('select', zero, 1, b.div(pNorm, uNorm));
}

/**
 * The norms are reductions: Σu² and Σp² come out of one pass of the update's program
 * (neither u² nor u is stored; u stays an expression), and the ratio joins the
 * program as a broadcast scalar, so the rest of a chain still fuses around it.
 */
export function scaleByTrustRatio(): GradientTransformation<Empty> {
  return elementwiseTransformation<Empty>({
    init: () => ({}),
    updateElementwise: (updates, state, params) => ({
      updates: mapExprs(updates, (u, n) => {
        const b = u.program;
        const [u2, p2] = b.runWithSums([], [{ of: b.square(u) }, { of: b.square(params[n]!) }]).sums;
        // The ratio in the program too: scalar ops, computed once, not a tfjs op each.
        return b.mul(u, ratio(b, u2!, p2!));
      }),
      state,
    }),
  });
}

/**
 * `addDecayedWeights(rate, mask)` then `scaleByTrustRatio()` (LAMB's step after Adam's
 * scaling): d = u + rate·p, then d·‖p‖/‖d‖ (1 where a norm is 0). The norms come from
 * one dots pass over u and p (Σu², Σu·p, Σp², in float64 from float32 products), with
 * ‖d‖² = Σu² + 2·rate·Σu·p + rate²·Σp², so that d is never stored: then d and the
 * ratio are three ops of the chain's program. (u is computed first where it is not
 * yet a tensor.) Agrees with the two transformations to float32 rounding of the sums.
 */
export function scaleByDecayedTrustRatio(rate: number, mask: DecayMask = 'all'): GradientTransformation<Empty> {
  const decays = resolveDecayMask(mask);
  return elementwiseTransformation<Empty>({
    init: () => ({}),
    updateElementwise: (updates, state, params, info) => ({
      updates: mapExprs(updates, (u, n) => {
        const b = u.program;
        const p = params[n]!;
        const r = rate !== 0 && decays(info.types[n] ?? 'weight', n) ? rate : 0;
        const ut = b.run([u])[0]!;
        const known = normsOf.get(ut)?.p === p ? normsOf.get(ut) : undefined;
        const d = r === 0 ? b.value(ut) : b.add(ut, b.mul(p, r));
        // The ratio itself from Adam's pass, where scaleByAdamWithNorms took it for this rate.
        if (known?.ratio !== undefined && known.rate === r) return b.mul(d, known.ratio);
        // Σu², Σu·p, Σp² from Adam's pass where scaleByAdamWithNorms took them, else one dots pass.
        const [uu, up, pp] = (known?.sums ?? dots([ut, p], [[0, 0], [0, 1], [1, 1]]).map((t) => tf.reshape(t, []))) as [tf.Tensor, tf.Tensor, tf.Tensor];
        const dd = r === 0 ? b.value(uu) : b.add(b.add(uu, b.mul(up, 2 * r)), b.mul(pp, r * r));
        // (max with 0: the expansion may round a zero norm to a tiny negative.)
        return b.mul(d, ratio(b, b.max(dd, 0), pp));
      }),
      state,
    }),
  });
}

/**
 * What scaleByAdamWithNorms took with each update u, and the p it used: the sums
 * [Σu², Σu·p, Σp²], or the trust ratio of u + rate·p (a scalar tensor) where it was
 * told the rate.
 */
const normsOf = new WeakMap<tf.Tensor, { readonly p: tf.Tensor; readonly sums?: readonly tf.Tensor[]; readonly ratio?: tf.Tensor; readonly rate?: number }>();

/** The decay `scaleByDecayedTrustRatio(rate, mask)` applies after it, for scaleByAdamWithNorms to take the ratio itself. */
export interface TrustRatioDecay {
  readonly rate: number;
  readonly mask?: DecayMask;
}

/**
 * `scaleByAdam` (without NAdam's look-ahead; the same state and updates) for LAMB: where
 * the backend has ADAM_MOMENTS_DOTS_KERNEL (harness/spec.ts), each update u comes with
 * Σu², Σu·p and Σp² taken in Adam's pass, and `scaleByDecayedTrustRatio` right after it
 * uses them instead of reading u and p again. So LAMB costs Adam's pass and the final
 * program's. Told the decay that follows (`trustRatio`, as `lamb` does), the kernel
 * hands back the ratio ‖p‖/‖u + rate·p‖ itself in the float32 ops of that transform's
 * program (the same bits), so the final program is u + rate·p times one scalar; and then
 * every tensor's step is one kernel call (its `count` form), not one call per tensor.
 * Without the kernel (or fused ops off) it is `scaleByAdam`.
 */
export function scaleByAdamWithNorms(
  options: Omit<AdamOptions, 'nesterov' | 'nesterovForm'> & { readonly trustRatio?: TrustRatioDecay } = {},
): GradientTransformation<AdamState> {
  const b1 = options.b1 ?? 0.9;
  const b2 = options.b2 ?? 0.999;
  const eps = options.eps ?? 1e-8;
  const plain = scaleByAdam({ b1, b2, eps });
  const trust = options.trustRatio;
  const decays = trust === undefined ? undefined : resolveDecayMask(trust.mask);
  return {
    init: plain.init,
    update: (grads, state, params, info) => {
      const names = Object.keys(grads);
      const fusable =
        fusedOpsEnabled() &&
        tf.getKernel(ADAM_MOMENTS_DOTS_KERNEL, tf.getBackend()) !== undefined &&
        names.every((n) => grads[n]!.dtype === 'float32' && params[n]?.dtype === 'float32' && params[n]!.size === grads[n]!.size);
      if (!fusable) return plain.update(grads, state, params, info);
      const count = state.count + 1;
      const coefficients = adamCoefficientArray({ b1, b2, eps, c1: 1 - b1 ** count, c2: 1 - b2 ** count });
      const mu: Record<string, tf.Tensor> = {};
      const nu: Record<string, tf.Tensor> = {};
      const updates: Record<string, tf.Tensor> = {};
      if (trust !== undefined && names.length > 0) {
        // With the decay known, the kernel hands back each tensor's trust ratio (one scalar), not the
        // three sums, and takes every tensor in one call (the same bits as a call per tensor).
        const rates = names.map((n) => (trust.rate !== 0 && decays!(info.types[n] ?? 'weight', n) ? trust.rate : 0));
        const inputs: Record<string, tf.Tensor> = {};
        names.forEach((n, i) => {
          [inputs[`g${i}`], inputs[`m${i}`], inputs[`v${i}`], inputs[`p${i}`]] = [grads[n]!, state.mu[n]!, state.nu[n]!, params[n]!];
        });
        const out = tf.engine().runKernel(ADAM_MOMENTS_DOTS_KERNEL, inputs, { coefficients, count: names.length, trustRatioDecays: rates }) as tf.Tensor[];
        names.forEach((n, i) => {
          [mu[n], nu[n], updates[n]] = [out[4 * i]!, out[4 * i + 1]!, out[4 * i + 2]!];
          normsOf.set(out[4 * i + 2]!, { p: params[n]!, ratio: out[4 * i + 3]!, rate: rates[i]! });
        });
        return { updates, state: { count, mu, nu } };
      }
      for (const n of names) {
        const p = params[n]!;
        const out = tf.engine().runKernel(ADAM_MOMENTS_DOTS_KERNEL, { g: grads[n]!, m: state.mu[n]!, v: state.nu[n]!, p }, { coefficients }) as tf.Tensor[];
        [mu[n], nu[n], updates[n]] = [out[0]!, out[1]!, out[2]!];
        normsOf.set(out[2]!, { p, sums: out.slice(3) });
      }
      return { updates, state: { count, mu, nu } };
    },
  };
}
