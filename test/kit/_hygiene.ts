/**
 * The state-hygiene checks run over every optimizer of the conformance table, after
 * optax's contract for gradient transformations: `init` and `update` are pure
 * functions of explicit state. Each helper drives a kit optimizer on the least-squares
 * problem of _least_squares.ts and returns what the test asserts, so that a failing
 * check says which step and which tensor broke the rule.
 */
import * as tf from '@tensorflow/tfjs';
import type { OptState, TensorMap } from '../../harness/spec.ts';
import { applyUpdates, type GradientTransformation } from '../../submissions/kit/transform.ts';
import { disposeReplaced } from './_advanced_fixtures.ts';
import { gradient, initialValues, SPECS, TYPES } from './_least_squares.ts';
import type { Values } from './_references/common.ts';

const NAMES = Object.keys(SPECS);
const tensorsIn = (c: unknown): tf.Tensor[] => tf.tensor_util.getTensorsInContainer(c as tf.TensorContainer);

const read = (m: TensorMap): Values => Object.fromEntries(NAMES.map((n) => [n, Float64Array.from(m[n]!.dataSync())]));
const toTensors = (v: Values): TensorMap =>
  Object.fromEntries(NAMES.map((n) => [n, tf.tensor(Float32Array.from(v[n]!), [...SPECS[n]!.shape])]));

export const freshParams = (): TensorMap => toTensors(initialValues());

/**
 * A tree's form: tensors as dtype and shape (with their values and ids when
 * `withValues`), other leaves as their type (or value). Two states of the same
 * optimizer must have the same form at every step.
 */
export function formOf(x: unknown, withValues = false): unknown {
  if (x instanceof tf.Tensor) {
    return withValues
      ? { dtype: x.dtype, shape: x.shape, id: x.id, disposed: x.isDisposed, values: x.isDisposed ? null : Array.from(x.dataSync()) }
      : { dtype: x.dtype, shape: x.shape };
  }
  if (Array.isArray(x)) return x.map((v) => formOf(v, withValues));
  if (x !== null && typeof x === 'object') {
    return Object.fromEntries(Object.keys(x).sort().map((k) => [k, formOf((x as Record<string, unknown>)[k], withValues)]));
  }
  return withValues ? x : typeof x;
}

export interface StepRecord {
  readonly updates: TensorMap;
  /** Tensors alive after the tidy step minus before, minus the new tensors it returned. */
  readonly leaked: number;
  /** The given params, state and gradients, as `formOf(…, true)` before and after the update. */
  readonly inputsBefore: unknown;
  readonly inputsAfter: unknown;
}

/**
 * One step as the harness makes it (update and apply inside `tf.tidy`, then the old
 * tensors the new ones do not hold are freed), recording what a check needs. The
 * returned updates are copies that the caller disposes.
 */
export function recordedStep(
  opt: GradientTransformation,
  params: TensorMap,
  state: OptState,
  t: number,
): { params: TensorMap; state: OptState; record: StepRecord } {
  const grads = toTensors(gradient(read(params), t));
  const gradAt = (at: TensorMap): TensorMap => toTensors(gradient(read(at), t));
  const inputs = { params, state, grads };
  const inputsBefore = formOf(inputs, true);
  const known = new Set(tensorsIn(inputs).map((x) => x.id));
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => {
    const r = opt.update(grads, state, params, { types: TYPES, gradAt });
    return { updates: r.updates, state: r.state, params: applyUpdates(params, r.updates) } as unknown as tf.TensorContainer;
  }) as unknown as { updates: TensorMap; state: OptState; params: TensorMap };
  const fresh = new Set(tensorsIn(out).filter((x) => !known.has(x.id)).map((x) => x.id));
  const leaked = tf.memory().numTensors - before - fresh.size;
  const inputsAfter = formOf(inputs, true);
  const updates = Object.fromEntries(Object.entries(out.updates).map(([n, u]) => [n, u.clone()]));
  disposeReplaced({ params, state, grads, updates: out.updates } as unknown as tf.TensorContainer, {
    params: out.params,
    state: out.state,
  } as unknown as tf.TensorContainer);
  return { params: out.params, state: out.state, record: { updates, leaked, inputsBefore, inputsAfter } };
}

/** `init` inside `tf.tidy`: the state, and the tensors it left behind besides the state's own. */
export function recordedInit(opt: GradientTransformation, params: TensorMap): { state: OptState; leaked: number; paramsAfter: unknown } {
  const known = new Set(tensorsIn(params).map((x) => x.id));
  const before = tf.memory().numTensors;
  const state = tf.tidy(() => opt.init(params) as tf.TensorContainer) as OptState;
  const fresh = new Set(tensorsIn(state).filter((x) => !known.has(x.id)).map((x) => x.id));
  return { state, leaked: tf.memory().numTensors - before - fresh.size, paramsAfter: formOf(params, true) };
}

/** The values of a map of tensors, as plain arrays (to compare bit for bit). */
export const valuesOf = (m: TensorMap): Record<string, number[]> =>
  Object.fromEntries(Object.entries(m).map(([n, x]) => [n, Array.from(x.dataSync())]));

/** A state with every tensor as { dtype, shape, values }: what survives structured clone or JSON. */
export function encodeState(state: OptState): unknown {
  const encode = (x: unknown): unknown => {
    if (x instanceof tf.Tensor) return { __tensor: true, dtype: x.dtype, shape: x.shape, values: Array.from(x.dataSync()) };
    if (Array.isArray(x)) return x.map(encode);
    if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, encode(v)]));
    return x;
  };
  return encode(state);
}

/** The inverse of `encodeState`: fresh tensors from the encoded arrays. */
export function decodeState(encoded: unknown): OptState {
  const decode = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(decode);
    if (x !== null && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      if (o['__tensor'] === true) return tf.tensor(o['values'] as number[], o['shape'] as number[], o['dtype'] as tf.DataType);
      return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, decode(v)]));
    }
    return x;
  };
  return decode(encoded) as OptState;
}

/** Runs `steps` recorded steps from fresh parameters; returns every step's updates' values. */
export function trajectory(opt: GradientTransformation, steps: number, from?: { params: TensorMap; state: OptState; t0: number }): number[][] {
  let params = from?.params ?? freshParams();
  let state = from?.state ?? opt.init(params);
  const out: number[][] = [];
  for (let t = from?.t0 ?? 0; t < (from?.t0 ?? 0) + steps; t++) {
    const step = recordedStep(opt, params, state, t);
    ({ params, state } = step);
    out.push(Object.values(valuesOf(step.record.updates)).flat());
    tf.dispose(Object.values(step.record.updates));
  }
  tf.dispose([params as unknown as tf.TensorContainer, state]);
  return out;
}
