/**
 * The contract checks the runner makes after every step, off the clock: the
 * parameters a submission returns are the model's parameters (same names, shapes and
 * dtypes as they came in), and all of them are finite. A breach caught here names
 * the parameter and the step, instead of training on to the end of the budget with a
 * broadcast-shaped parameter or reporting a divergence at the next eval.
 */
import * as tf from '@tensorflow/tfjs';
import type { StepResult, TensorMap } from '../spec.ts';

/** The names, shapes and dtypes of a set of parameters. */
export type ParamSignature = ReadonlyMap<string, { readonly shape: readonly number[]; readonly dtype: string }>;

export function paramSignature(params: TensorMap): ParamSignature {
  return new Map(Object.entries(params).map(([name, t]) => [name, { shape: [...t.shape], dtype: t.dtype }]));
}

const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/**
 * A one-line description of how `result.params` breaks the signature, or undefined.
 * `stepIndex` is the 0-based step whose `hook` returned them.
 */
export function contractBreach(signature: ParamSignature, result: StepResult | undefined, hook: string, stepIndex: number): string | undefined {
  const params = (result as { params?: unknown } | undefined)?.params;
  if (params === null || typeof params !== 'object') return `${hook} returned no params object at step ${stepIndex}; return { params, state }`;
  const got = params as Record<string, unknown>;
  for (const [name, want] of signature) {
    const t = got[name];
    if (!(t instanceof tf.Tensor)) return `${hook} returned no tensor for parameter "${name}" at step ${stepIndex}; return every parameter it was given`;
    if (t.isDisposed) return `${hook} returned a disposed tensor for parameter "${name}" at step ${stepIndex}`;
    if (t.shape.length !== want.shape.length || t.shape.some((d: number, i: number) => d !== want.shape[i])) {
      return `${hook} returned parameter "${name}" with shape ${shapeText(t.shape)} at step ${stepIndex}; expected ${shapeText(want.shape)}, the shape it came in with`;
    }
    if (t.dtype !== want.dtype) {
      return `${hook} returned parameter "${name}" as ${t.dtype} at step ${stepIndex}; expected ${want.dtype}`;
    }
  }
  const extra = Object.keys(got).filter((name) => !signature.has(name));
  if (extra.length > 0) return `${hook} returned unknown parameter${extra.length > 1 ? 's' : ''} ${extra.map((n) => `"${n}"`).join(', ')} at step ${stepIndex}; the model's parameters are fixed`;
  return undefined;
}

/** Captured when the runner loads, before any submission code: a submission cannot blind it. */
const isFiniteNumber = Number.isFinite;

/**
 * The name of the first parameter holding a NaN or an infinity, or undefined. One
 * backend sync for all parameters: Σ(0·p) is 0 when p is finite and NaN otherwise
 * (0·±∞ = NaN), with no overflow however large the finite values are.
 */
export function firstNonFinite(params: TensorMap): string | undefined {
  const names = Object.keys(params);
  if (names.length === 0) return undefined;
  const flags = tf.tidy(() => tf.stack(names.map((n) => tf.sum(tf.mul(params[n]!, 0)))).dataSync());
  const index = flags.findIndex((x) => !isFiniteNumber(x));
  return index < 0 ? undefined : names[index];
}
