/**
 * The shape every float64 reference optimizer of the kit's conformance tests takes,
 * and the few helpers they share. Nothing under test/kit/_references imports the kit:
 * each reference is written from a paper, PyTorch's documented pseudo-code, or the
 * published baseline it names, in plain JavaScript numbers.
 */
import type { ParamType } from '../../../harness/spec.ts';

export type Values = Record<string, Float64Array>;

export interface ParamSpec {
  readonly shape: readonly number[];
  readonly type: ParamType;
}
export type Specs = Readonly<Record<string, ParamSpec>>;

/** This step's batch gradient at any point (SAM and schedule-free ask for more than one). */
export type GradFn = (at: Values) => Values;

/** A learning rate as a plain function of the 0-based step. */
export type Lr = (step: number) => number;

export interface ReferenceOptimizer {
  /** One step at the 0-based step t, in place on `params`. */
  step(params: Values, grad: GradFn, t: number): void;
  /** The parameters to evaluate (schedule-free's x); the params themselves if absent. */
  evalParams?(params: Values): Values;
  /** The smallest |argument| a sign() has seen: how far the run was from a flip. */
  signMargin?(): number;
}

/** Which parameters weight decay applies to, by the name the kit's option uses. */
export type MaskName = 'all' | 'no_bias_norm';
export const decays = (mask: MaskName, type: ParamType): boolean =>
  mask === 'all' || (type !== 'bias' && type !== 'norm_scale' && type !== 'norm_bias');

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
export const norm = (x: ArrayLike<number>): number => Math.sqrt(Array.from(x).reduce((s, v) => s + v * v, 0));
export const rms = (x: ArrayLike<number>): number => norm(x) / Math.sqrt(x.length);

/** The options every Adam-style reference (Adam/AdamW/NAdamW, LAMB, schedule-free) takes. */
export interface AdamStyleOptions {
  lr: Lr;
  b1: number;
  b2: number;
  eps: number;
  wd: number;
  mask: MaskName;
}

/** Per-parameter buffers, created on first use and filled with `init`. */
export function buffers(init = 0): (name: string, size: number) => Float64Array {
  const all = new Map<string, Float64Array>();
  return (name, size) => {
    let b = all.get(name);
    if (b === undefined) all.set(name, (b = new Float64Array(size).fill(init)));
    return b;
  };
}

/** Adam's first and second moments of each parameter (m, v), zero until first used. */
export function adamMoments(): (name: string, size: number) => { m: Float64Array; v: Float64Array } {
  const ms = buffers();
  const vs = buffers();
  return (name, size) => ({ m: ms(name, size), v: vs(name, size) });
}

/**
 * A reference whose rule acts on each parameter by itself: the gradient is taken once,
 * at the current parameters, and `update` changes p in place.
 */
export function perParameter(
  specs: Specs,
  update: (p: Float64Array, g: Float64Array, t: number, name: string, spec: ParamSpec) => void,
): ReferenceOptimizer {
  return {
    step(params, grad, t) {
      const g = grad(params);
      for (const [name, spec] of Object.entries(specs)) update(params[name]!, g[name]!, t, name, spec);
    },
  };
}
