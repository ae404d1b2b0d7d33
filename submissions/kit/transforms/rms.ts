/**
 * RMSProp's scalings (Tieleman & Hinton 2012; the centred form is Graves 2013), as
 * optax's `scale_by_rms` and `scale_by_stddev` (no bias correction):
 *   ν ← d·ν + (1−d)·g²;  update = g / √(ν + eps)
 *   centred, also μ ← d·μ + (1−d)·g;  update = g / √(ν − μ² + eps)
 * eps sits inside the root by default (optax's `eps_in_sqrt=True`); `epsInSqrt: false`
 * puts it outside, g / (√ν + eps) and g / (√(ν − μ²) + eps), which is PyTorch's RMSprop.
 * The two differ where ν is small against eps: inside, √eps bounds the denominator
 * from below (1e-4 for eps 1e-8); outside, eps itself does.
 */
import * as tf from '@tensorflow/tfjs';
import type { TensorMap } from '../../../harness/spec.ts';
import { type Expr, mapExprs } from '../elementwise.ts';
import { elementwiseTransformation, type GradientTransformation, mapTensors, zerosLike } from '../transform.ts';

export interface RmsOptions {
  /** Decay of the moving averages. @default 0.9 */
  readonly decay?: number;
  /** @default 1e-8 */
  readonly eps?: number;
  /** Starting value of ν. @default 0 */
  readonly initialScale?: number;
  /** eps inside the root (optax) or added to it (PyTorch). @default true */
  readonly epsInSqrt?: boolean;
}

export interface RmsState {
  nu: TensorMap;
  [key: string]: TensorMap;
}

export interface StddevState {
  mu: TensorMap;
  nu: TensorMap;
  [key: string]: TensorMap;
}

const resolve = (o: RmsOptions) => ({
  decay: o.decay ?? 0.9,
  eps: o.eps ?? 1e-8,
  initialScale: o.initialScale ?? 0,
  epsInSqrt: o.epsInSqrt ?? true,
});

/** g / √(s + eps) or g / (√s + eps), in g's program. */
const divideByRoot = (g: Expr, s: Expr, eps: number, epsInSqrt: boolean): Expr => {
  const { add, div, mul, rsqrt, sqrt } = g.program;
  return epsInSqrt ? mul(g, rsqrt(add(s, eps))) : div(g, add(sqrt(s), eps));
};

export function scaleByRms(options: RmsOptions = {}): GradientTransformation<RmsState> {
  const { decay, eps, initialScale, epsInSqrt } = resolve(options);
  return elementwiseTransformation<RmsState>({
    init: (params) => ({ nu: mapTensors(params, (p) => tf.fill(p.shape, initialScale, p.dtype)) }),
    updateElementwise: (grads, state) => {
      const nu = mapExprs(grads, (g, n) => g.program.average(state.nu[n]!, g.program.square(g), decay));
      const updates = mapExprs(grads, (g, n) => divideByRoot(g, nu[n]!, eps, epsInSqrt));
      return { updates, state: { nu } };
    },
  });
}

/** The centred form: divides by an estimate of the gradient's standard deviation. */
export function scaleByStddev(options: RmsOptions = {}): GradientTransformation<StddevState> {
  const { decay, eps, initialScale, epsInSqrt } = resolve(options);
  return elementwiseTransformation<StddevState>({
    init: (params) => ({
      mu: zerosLike(params),
      nu: mapTensors(params, (p) => tf.fill(p.shape, initialScale, p.dtype)),
    }),
    updateElementwise: (grads, state) => {
      const mu = mapExprs(grads, (g, n) => g.program.average(state.mu[n]!, g, decay));
      const nu = mapExprs(grads, (g, n) => g.program.average(state.nu[n]!, g.program.square(g), decay));
      // ν − μ² ≥ 0 in exact arithmetic; the relu keeps float32 rounding from taking the
      // root of a tiny negative number when the gradient is nearly constant.
      const updates = mapExprs(grads, (g, n) => {
        const { relu, square, sub } = g.program;
        return divideByRoot(g, relu(sub(nu[n]!, square(mu[n]!))), eps, epsInSqrt);
      });
      return { updates, state: { mu, nu } };
    },
  });
}
