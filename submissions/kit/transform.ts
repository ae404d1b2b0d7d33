/**
 * The shape of every optimizer in the kit, after optax: a gradient transformation is
 * a pair of pure functions over explicit state. `update` turns gradients into
 * updates (what is added to the parameters) and returns the next state; nothing is
 * mutated. Small transformations compose with `chain`.
 *
 * @example
 *   const opt = chain(scaleByAdam({ b1: 0.9, b2: 0.999 }), scaleByLearningRate(1e-3));
 *   let state = opt.init(params);
 *   const { updates, state: next } = opt.update(grads, state, params, { types });
 *   params = applyUpdates(params, updates);
 */
import * as tf from '@tensorflow/tfjs';
import type { OptState, ParamType, ParamTypes, TensorMap } from '../../harness/spec.ts';
import { type ExprMap, type HandOver, materialize, symbolic } from './elementwise.ts';
import type { Schedule } from './schedules.ts';

/** A learning rate: a constant or a schedule of the step. */
export type LearningRate = number | Schedule;

/** What a transformation may know besides gradients, state and params. */
export interface UpdateInfo {
  readonly types: ParamTypes;
  /**
   * Gradients of this step's batch at other parameters (SAM's perturbed point).
   * Each call is a forward and backward pass, on the clock.
   */
  readonly gradAt?: (params: TensorMap) => TensorMap;
}

export interface GradientTransformation<S extends OptState = OptState> {
  init(params: TensorMap): S;
  update(grads: TensorMap, state: S, params: TensorMap, info: UpdateInfo): { updates: TensorMap; state: S };
  /**
   * The parameters to evaluate (schedule-free, weight averaging). The harness runs it
   * before every eval, on the clock, and training continues from what it returns, so
   * the next `update` must accept those parameters.
   */
  prepareForEval?(params: TensorMap, state: S): { params: TensorMap; state: S };
  /**
   * `update` for a transformation whose per-parameter arithmetic is elementwise: the
   * same rule over updates given (and returned) as unevaluated expressions of
   * elementwise.ts, with the new state's tensors as expressions too. `chain` runs
   * consecutive such transformations as one program per parameter, one pass over memory.
   */
  updateElementwise?(grads: ExprMap, state: S, params: TensorMap, info: UpdateInfo): { updates: ExprMap; state: unknown };
  /**
   * `update` then `applyUpdates`, in fewer passes: where the transformation's last work
   * is an elementwise program, the program adds the parameters itself and writes the
   * new parameters instead of the updates (the same float32 sums). The function
   * `updateAndApply` uses it where present; `defineSubmission` steps through it.
   *
   * `donate` true: the caller hands `params` and `state` over — it reads none of their
   * tensors after the call, and disposes those the result does not hold (the harness's
   * rule for a step, harness/spec.ts `OptState`). The last program may then write the
   * new parameters and state into the memory of the old ones (`materialize`'s
   * `handOver`), as PyTorch's optimizers update in place: the same bits, one buffer
   * less per tensor. A transformation that calls another must not pass `donate` on
   * unless it, too, reads nothing of `params` or `state` afterwards.
   */
  updateAndApply?(grads: TensorMap, state: S, params: TensorMap, info: UpdateInfo, donate?: boolean): { params: TensorMap; state: S };
}

/**
 * The new parameters and state of one step: `t.updateAndApply` where `t` has it, else
 * `applyUpdates(params, t.update(…).updates)`. The two give the same bits. `donate`:
 * see GradientTransformation.updateAndApply (only for a caller that owns `params` and
 * `state` and disposes them after the step, as `defineSubmission` under the harness).
 */
export function updateAndApply<S extends OptState>(
  t: GradientTransformation<S>,
  grads: TensorMap,
  state: S,
  params: TensorMap,
  info: UpdateInfo,
  donate = false,
): { params: TensorMap; state: S } {
  if (t.updateAndApply !== undefined) return t.updateAndApply(grads, state, params, info, donate);
  const { updates, state: next } = t.update(grads, state, params, info);
  return { params: applyUpdates(params, updates), state: next };
}

/** Each parameter's update expression with the parameter added (p + u, as applyUpdates adds them). */
function plusParams(updates: ExprMap, params: TensorMap): ExprMap {
  const out: ExprMap = {};
  for (const [name, u] of Object.entries(updates)) {
    const p = params[name];
    if (p !== undefined) out[name] = u.program.add(p, u);
  }
  return out;
}

/** The parameters with those that have a new value replaced. */
const replaced = (params: TensorMap, fresh: TensorMap): TensorMap => mapTensors(params, (p, name) => fresh[name] ?? p);

/**
 * What a step's last program may write over (materialize's `handOver`): every tensor of
 * the old params and state, when the caller donates them; the parameters without an
 * update and `kept` (states already computed) outlive the call.
 */
function handOver(donate: boolean, params: TensorMap, state: unknown, updated: ExprMap, kept: unknown): HandOver | undefined {
  if (!donate) return undefined;
  const donated = new Set(tf.tensor_util.getTensorsInContainer({ params, state } as unknown as tf.TensorContainer));
  const carried: tf.Tensor[] = [];
  for (const [name, p] of Object.entries(params)) if (updated[name] === undefined) carried.push(p);
  return { donated, kept: [carried, kept] };
}

/**
 * A transformation from its elementwise form: `update` evaluates what
 * `updateElementwise` builds, updates and state in one program per parameter.
 */
export function elementwiseTransformation<S extends OptState>(
  t: Omit<GradientTransformation<S>, 'update' | 'updateAndApply'> & Required<Pick<GradientTransformation<S>, 'updateElementwise'>>,
): GradientTransformation<S> {
  return {
    ...t,
    update: (grads, state, params, info) =>
      materialize<{ updates: TensorMap; state: S }>(t.updateElementwise(symbolic(grads), state, params, info)),
    updateAndApply: (grads, state, params, info, donate = false) => {
      const out = t.updateElementwise(symbolic(grads), state, params, info);
      const done = materialize<{ params: TensorMap; state: S }>(
        { params: plusParams(out.updates, params), state: out.state },
        handOver(donate, params, state, out.updates, []),
      );
      return { params: replaced(params, done.params), state: done.state };
    },
  };
}

/** Applies transformations in order; the state is the list of their states. */
export function chain(...transforms: GradientTransformation[]): GradientTransformation<OptState[]> {
  const withEval = transforms.some((t) => t.prepareForEval !== undefined);
  /**
   * One step: the updates, or with `apply` the new parameters. A run of elementwise
   * transformations is built as one program per parameter and evaluated once, where the
   * run ends (or a transformation needs tensors); with `apply`, the last program adds
   * the parameters in the same pass.
   */
  const step = (grads: TensorMap, state: OptState[], params: TensorMap, info: UpdateInfo, apply: boolean, donate: boolean) => {
    let updates: TensorMap = grads;
    let applied: TensorMap | undefined;
    let pending: { updates: ExprMap; states: Map<number, unknown> } | undefined;
    const next: OptState[] = [];
    const flush = (last: boolean) => {
      if (pending === undefined) return;
      const addParams = last && apply;
      // Only the step's last program may write over old tensors: earlier ones run
      // while later transformations may still read the parameters.
      const done = materialize<{ updates: TensorMap; states: Record<string, OptState> }>(
        {
          updates: addParams ? plusParams(pending.updates, params) : pending.updates,
          states: Object.fromEntries(pending.states),
        },
        addParams ? handOver(donate, params, state, pending.updates, next) : undefined,
      );
      if (addParams) applied = replaced(params, done.updates);
      else updates = done.updates;
      for (const [i, s] of Object.entries(done.states)) next[Number(i)] = s;
      pending = undefined;
    };
    transforms.forEach((t, i) => {
      if (t.updateElementwise !== undefined) {
        const out = t.updateElementwise(pending?.updates ?? symbolic(updates), state[i]!, params, info);
        pending = { updates: out.updates, states: (pending?.states ?? new Map<number, unknown>()).set(i, out.state) };
        return;
      }
      flush(false);
      if (apply && i === transforms.length - 1 && t.updateAndApply !== undefined) {
        // Not donated: it does not know which tensors the other transformations' new
        // states hold (one may keep a parameter).
        const out = t.updateAndApply(updates, state[i]!, params, info);
        applied = out.params;
        next[i] = out.state;
        return;
      }
      const out = t.update(updates, state[i]!, params, info);
      updates = out.updates;
      next[i] = out.state;
    });
    flush(true);
    return { updates, params: apply ? (applied ?? applyUpdates(params, updates)) : params, state: next };
  };
  return {
    init: (params) => transforms.map((t) => t.init(params)),
    update: (grads, state, params, info) => {
      const out = step(grads, state, params, info, false, false);
      return { updates: out.updates, state: out.state };
    },
    updateAndApply: (grads, state, params, info, donate = false) => {
      const out = step(grads, state, params, info, true, donate);
      return { params: out.params, state: out.state };
    },
    ...(withEval
      ? {
          prepareForEval: (params: TensorMap, state: OptState[]) => {
            let current = params;
            const next = transforms.map((t, i) => {
              if (t.prepareForEval === undefined) return state[i]!;
              const out = t.prepareForEval(current, state[i]!);
              current = out.params;
              return out.state;
            });
            return { params: current, state: next };
          },
        }
      : {}),
  };
}

/** params + updates, by name. */
export function applyUpdates(params: TensorMap, updates: TensorMap): TensorMap {
  return mapTensors(params, (p, name) => {
    const u = updates[name];
    return u === undefined ? p : tf.add(p, u);
  });
}

/** Applies `fn` to each tensor of a map, keeping the names. */
export function mapTensors(map: TensorMap, fn: (t: tf.Tensor, name: string) => tf.Tensor): TensorMap {
  const out: Record<string, tf.Tensor> = {};
  for (const [name, t] of Object.entries(map)) out[name] = fn(t, name);
  return out;
}

/** A map of zeros shaped like `params`: the usual first moment or trace. */
export function zerosLike(params: TensorMap): TensorMap {
  return mapTensors(params, (p) => tf.zerosLike(p));
}

/** Which parameters a transformation applies to, by type (e.g. no decay on biases). */
export type ParamMask = (type: ParamType, name: string) => boolean;

/**
 * Which parameters weight decay applies to, for every kit optimizer that decays:
 * - 'all' (the default): every parameter, as PyTorch's optimizers, optax's aliases and
 *   AlgoPerf's baselines do when given one parameter group / no mask;
 * - 'no_bias_norm': matrices and embeddings only, not biases or normalisation scales
 *   and shifts (the BERT/GPT recipe, and the kit's default before it followed PyTorch);
 * - or any mask of the parameter type and name.
 */
export type DecayMask = 'all' | 'no_bias_norm' | ParamMask;

/** Decays every parameter. */
export const decayAll: ParamMask = () => true;

/** Decays matrices and embeddings, not biases or norm parameters. */
export const decayNoBiasNorm: ParamMask = (type) => type !== 'bias' && type !== 'norm_scale' && type !== 'norm_bias';

/**
 * @deprecated The mask that used to be the default; it skips biases and norms. Pass
 * `decayMask: 'no_bias_norm'` (or `decayNoBiasNorm`) to keep that behaviour.
 */
export const decayMask: ParamMask = decayNoBiasNorm;

/** The mask a `DecayMask` option names; unset means 'all'. */
export function resolveDecayMask(mask: DecayMask = 'all'): ParamMask {
  if (mask === 'all') return decayAll;
  if (mask === 'no_bias_norm') return decayNoBiasNorm;
  return mask;
}
