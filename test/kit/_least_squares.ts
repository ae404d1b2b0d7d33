/**
 * The conformance tests' problem: a small least-squares fit with a weight matrix, a
 * bias and a norm-style scale, a fresh deterministic batch every step,
 *   pred = (X·W + b) ⊙ s,   L = ‖pred − Y‖² / (2·rows),
 * and the float64 gradient both sides use (the kit's rounded to float32, taken at the
 * kit's own parameters). Then the driver that runs a kit optimizer and a float64
 * reference side by side and records the worst relative difference.
 */
import * as tf from '@tensorflow/tfjs';
import type { OptState, ParamTypes, TensorMap } from '../../harness/spec.ts';
import type { GradientTransformation } from '../../submissions/kit/transform.ts';
import { disposeReplaced, kitStep, WorstError } from './_advanced_fixtures.ts';
import type { ReferenceOptimizer, Specs, Values } from './_references/common.ts';

const IN = 4;
const OUT = 3;
const ROWS = 8;

export const SPECS: Specs = {
  weight: { shape: [IN, OUT], type: 'weight' },
  bias: { shape: [OUT], type: 'bias' },
  scale: { shape: [OUT], type: 'norm_scale' },
};
export const TYPES: ParamTypes = Object.fromEntries(Object.entries(SPECS).map(([n, s]) => [n, s.type]));
const NAMES = Object.keys(SPECS);

const f32 = (x: number): number => Math.fround(x);

/** Step t's batch: inputs in [−1, 1] and noisy targets of a fixed linear map. */
function batch(t: number): { x: Float64Array; y: Float64Array } {
  const x = Float64Array.from({ length: ROWS * IN }, (_, k) => f32(Math.sin(1.37 * k + 2.1 * t + 0.3 * t * t)));
  const y = new Float64Array(ROWS * OUT);
  for (let i = 0; i < ROWS; i++) {
    for (let o = 0; o < OUT; o++) {
      let s = 0.3 - 0.25 * o;
      for (let j = 0; j < IN; j++) s += x[i * IN + j]! * 0.6 * Math.cos(j + 2 * o);
      y[i * OUT + o] = f32(s + 0.1 * Math.sin(5.3 * i + 1.9 * o + 0.7 * t));
    }
  }
  return { x, y };
}

export function initialValues(): Values {
  return {
    weight: Float64Array.from({ length: IN * OUT }, (_, k) => f32(0.4 * Math.sin(1.7 * (k + 1)))),
    bias: Float64Array.from({ length: OUT }, (_, k) => f32(0.1 * Math.cos(2.3 * k))),
    scale: Float64Array.from({ length: OUT }, (_, k) => f32(1 + 0.2 * Math.sin(k + 1))),
  };
}

/** ∂L/∂W = Xᵀ(R⊙s)/rows, ∂L/∂b = Σᵢ(R⊙s)ᵢ/rows, ∂L/∂s = Σᵢ(Rᵢ⊙(XW + b)ᵢ)/rows. */
export function gradient(p: Values, t: number): Values {
  const { x, y } = batch(t);
  const [w, b, s] = [p['weight']!, p['bias']!, p['scale']!];
  const gw = new Float64Array(IN * OUT);
  const gb = new Float64Array(OUT);
  const gs = new Float64Array(OUT);
  for (let i = 0; i < ROWS; i++) {
    for (let o = 0; o < OUT; o++) {
      let z = b[o]!;
      for (let j = 0; j < IN; j++) z += x[i * IN + j]! * w[j * OUT + o]!;
      const r = z * s[o]! - y[i * OUT + o]!;
      gb[o] = gb[o]! + (r * s[o]!) / ROWS;
      gs[o] = gs[o]! + (r * z) / ROWS;
      for (let j = 0; j < IN; j++) gw[j * OUT + o] = gw[j * OUT + o]! + (x[i * IN + j]! * r * s[o]!) / ROWS;
    }
  }
  return { weight: gw, bias: gb, scale: gs };
}

const copy = (v: Values): Values => Object.fromEntries(Object.entries(v).map(([n, a]) => [n, Float64Array.from(a)]));
const read = (m: TensorMap): Values => Object.fromEntries(NAMES.map((n) => [n, Float64Array.from(m[n]!.dataSync())]));
const toTensors = (v: Values): TensorMap =>
  Object.fromEntries(NAMES.map((n) => [n, tf.tensor(Float32Array.from(v[n]!), [...SPECS[n]!.shape])]));

export interface RunResult {
  readonly worst: WorstError;
  /** The largest distance a reference parameter moved: a run that moved nothing proves nothing. */
  readonly moved: number;
  /** The tensors alive after the run minus before it (0: the state is held steadily). */
  readonly tensorDrift: number;
}

/**
 * `steps` steps of both, the kit given the problem's gradient at its own parameters
 * (rounded to float32, and `gradAt` for SAM and schedule-free). After each step every
 * parameter is compared; where the kit has `prepareForEval`, after the steps in
 * `evalAfter` the evaluated parameters are compared too and training goes on from
 * them, as the harness does.
 */
export function runAgainstReference(
  opt: GradientTransformation,
  ref: ReferenceOptimizer,
  { steps = 50, evalAfter = [9, 24, 39] }: { steps?: number; evalAfter?: readonly number[] } = {},
): RunResult {
  const start = initialValues();
  const refParams = copy(start);
  let params = toTensors(start);
  let state: OptState = opt.init(params);
  const before = tf.memory().numTensors;
  const worst = new WorstError();
  for (let t = 0; t < steps; t++) {
    const gradAt = (at: TensorMap): TensorMap => toTensors(gradient(read(at), t));
    ({ params, state } = kitStep(opt, params, state, gradAt(params), { types: TYPES, gradAt }));
    ref.step(refParams, (at) => gradient(at, t), t);
    for (const n of NAMES) worst.compare(params[n]!.dataSync(), refParams[n]!, `step ${t} ${n}`);
    if (opt.prepareForEval !== undefined && evalAfter.includes(t)) {
      const out = opt.prepareForEval(params, state);
      disposeReplaced({ params, state } as unknown as tf.TensorContainer, out as unknown as tf.TensorContainer);
      ({ params, state } = out);
      const want = ref.evalParams?.(refParams) ?? refParams;
      for (const n of NAMES) worst.compare(params[n]!.dataSync(), want[n]!, `eval after step ${t} ${n}`);
    }
  }
  const tensorDrift = tf.memory().numTensors - before;
  tf.dispose([params as tf.TensorContainer, state]);
  let moved = 0;
  for (const n of NAMES) refParams[n]!.forEach((v, k) => (moved = Math.max(moved, Math.abs(v - start[n]![k]!))));
  return { worst, moved, tensorDrift };
}
