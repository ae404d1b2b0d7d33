/**
 * Sharpness-Aware Minimization (Foret, Kleiner, Mobahi & Neyshabur 2021, "Sharpness-
 * Aware Minimization for Efficiently Improving Generalization", ICLR) around any kit
 * optimizer, and its adaptive form ASAM (Kwon, Kim, Park & Choi 2021, ICML), as the
 * widely used PyTorch implementation (davda54/sam) computes them. Why: the gradient
 * is taken at the worst nearby point, which steers towards flat minima.
 *
 * The rule, with g the gradient at w (all parameters together):
 *   SAM:   ε = ρ·g / (‖g‖ + 1e-12)                         ‖·‖: the global L2 norm
 *   ASAM:  ε = ρ·|w|²·g / (‖|w|·g‖ + 1e-12)                 (elementwise |w|, w²)
 *   g' = ∇L(w + ε) on the same batch;   then the base optimizer steps from w with g'.
 * The 1e-12 is davda54/sam's guard against a zero gradient (ε = 0 then).
 *
 * Each step costs a second forward and backward pass, through `info.gradAt`
 * (defineSubmission provides it). The base optimizer's state is SAM's state.
 *
 * Where the backend has SAM_PERTURB_KERNEL (harness/spec.ts), the norm and the perturbed
 * point of every parameter come from one call: the squares summed in float64 over all
 * parameters at once, where the other path rounds each parameter's sum to float32 and
 * adds those in float32; the two agree to float32 rounding of the norm.
 *
 * @example sam(sgd({ lr: 0.1, momentum: 0.9 }), { rho: 0.05 })
 * @example sam(adamw({ lr: 1e-3 }), { rho: 0.5, adaptive: true })   // ASAM wants a larger ρ
 */
import * as tf from '@tensorflow/tfjs';
import { type OptState, SAM_PERTURB_KERNEL, type TensorMap } from '../../../harness/spec.ts';
import { dots } from '../dots.ts';
import { ElementwiseProgram, type Expr, materialize, sumOfSquares } from '../elementwise.ts';
import { fusedOpsEnabled } from '../fused.ts';
import { type GradientTransformation, type UpdateInfo, updateAndApply } from '../transform.ts';

export interface SamOptions {
  /** Radius of the neighbourhood. @default 0.05 */
  readonly rho?: number;
  /** ASAM: scale the neighbourhood by |w|, elementwise. @default false */
  readonly adaptive?: boolean;
}

export function sam<S extends OptState>(
  base: GradientTransformation<S>,
  options: SamOptions = {},
): GradientTransformation<S> {
  const rho = options.rho ?? 0.05;
  const adaptive = options.adaptive ?? false;
  if (!(rho >= 0) || !Number.isFinite(rho)) throw new RangeError(`sam: rho must be a finite number ≥ 0 (got ${rho})`);
  // The gradient at the perturbed point (the grads themselves when nothing is perturbed).
  const sharpGradients = (grads: TensorMap, params: TensorMap, info: UpdateInfo): TensorMap => {
    if (info.gradAt === undefined) {
      throw new Error(
        'sam: info.gradAt is missing, and SAM needs the gradient at the perturbed parameters; ' +
          'defineSubmission provides it, a custom loop must pass gradAt: (p) => lossAndGrads(p).grads',
      );
    }
    const names = Object.keys(grads).filter((n) => params[n] !== undefined);
    if (names.length === 0) return grads;
    if (kernelAvailable(names.flatMap((n) => [params[n]!, grads[n]!]))) {
      // One call: the norm over every parameter, then each perturbed point.
      const inputs: Record<string, tf.Tensor> = {};
      names.forEach((n, i) => {
        inputs[`p${i}`] = params[n]!;
        inputs[`g${i}`] = grads[n]!;
      });
      const outs = tf.engine().runKernel(SAM_PERTURB_KERNEL, inputs, { count: names.length, rho, eps: 1e-12, adaptive } as never) as unknown as tf.Tensor[];
      outs[names.length]!.dispose(); // the norm
      const fresh = new Map(names.map((n, i) => [n, outs[i]!]));
      return gradientThenRelease(info.gradAt, Object.fromEntries(Object.entries(params).map(([n, p]) => [n, fresh.get(n) ?? p])), params);
    }
    // One elementwise program per parameter: the squares of the norm in one pass,
    // the perturbed point in another (the norm is a reduction between them).
    const programs = new Map(names.map((n) => [n, new ElementwiseProgram(params[n]!.shape)]));
    // ASAM measures the gradient in the |w|-scaled coordinates.
    const scaled = (n: string): Expr => {
      const b = programs.get(n)!;
      return adaptive ? b.mul(b.abs(params[n]!), grads[n]!) : b.value(grads[n]!);
    };
    // Σg² of a plain gradient by the dots kernel (one native read); ASAM's |w|·g in its program.
    const squares = (n: string): tf.Tensor => (adaptive ? sumOfSquares(scaled(n)) : tf.reshape(dots([grads[n]!], [[0, 0]])[0]!, []));
    const norm = tf.sqrt(tf.addN(names.map(squares)));
    const factor = tf.div(rho, tf.add(norm, 1e-12));
    const perturbed = materialize<TensorMap>(
      Object.fromEntries(
        Object.entries(params).map(([n, p]) => {
          const b = programs.get(n);
          const g = grads[n];
          if (b === undefined || g === undefined) return [n, p];
          return [n, b.add(p, b.mul(adaptive ? b.mul(b.square(p), g) : g, factor))];
        }),
      ),
    );
    return gradientThenRelease(info.gradAt, perturbed, params);
  };
  const sharpness: GradientTransformation<S> = {
    init: (params) => base.init(params),
    update: (grads, state, params, info) => base.update(sharpGradients(grads, params, info), state, params, info),
    // Donation passes through: once the sharp gradients exist, nothing here reads the
    // old params or state again (the perturbed point is its own tensors).
    updateAndApply: (grads, state, params, info, donate = false) =>
      updateAndApply(base, sharpGradients(grads, params, info), state, params, info, donate),
  };
  return base.prepareForEval === undefined
    ? sharpness
    : { ...sharpness, prepareForEval: (params, state) => base.prepareForEval!(params, state) };
}

/**
 * The gradient at the perturbed point, then that point's own tensors disposed (those
 * not also among the gradients): nothing reads them after the gradient, and freed now
 * their memory can hold the base optimizer's new state, where held to the end of the
 * step they were one more parameter-sized buffer in the cache the base step works in
 * (at 1M parameters, SAM's AdamW step ran 0.43 ms against AdamW's own 0.32).
 */
function gradientThenRelease(gradAt: (at: TensorMap) => TensorMap, point: TensorMap, params: TensorMap): TensorMap {
  const sharp = gradAt(point);
  const held = new Set(Object.values(sharp));
  for (const [n, t] of Object.entries(point)) if (t !== params[n] && !held.has(t)) t.dispose();
  return sharp;
}

function kernelAvailable(inputs: readonly tf.Tensor[]): boolean {
  return fusedOpsEnabled() && inputs.every((x) => x.dtype === 'float32') && tf.getKernel(SAM_PERTURB_KERNEL, tf.getBackend()) !== undefined;
}
