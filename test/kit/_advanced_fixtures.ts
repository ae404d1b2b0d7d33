/**
 * Shared inputs of the advanced-optimizer tests (AdamP, SAM, Shampoo, schedule-free):
 * small deterministic parameter maps, per-step gradients, a driver that runs a
 * kit optimizer step by step inside `tf.tidy` and frees what each step replaced, one
 * that runs it beside a float64 reference, and a toy trial to call a defineSubmission
 * by hand. Nothing here computes an update rule: each test writes its own float64
 * reference, and each judges what the drivers return itself.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch, Hparams, OptState, ParamTypes, Rng, TensorMap, WorkloadInfo } from '../../harness/spec.ts';
import { applyUpdates, type GradientTransformation, type UpdateInfo } from '../../submissions/kit/transform.ts';

export type Shapes = Readonly<Record<string, readonly number[]>>;
export type Values = Record<string, Float64Array>;

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Float32-rounded so that the kit and a reference start from the same numbers. */
export function initialValues(shapes: Shapes): Values {
  const out: Values = {};
  Object.entries(shapes).forEach(([name, shape], ni) => {
    const v = new Float64Array(sizeOf(shape));
    for (let k = 0; k < v.length; k++) v[k] = Math.fround(0.8 * Math.sin(1.7 * (k + 1) + 0.9 * ni));
    out[name] = v;
  });
  return out;
}

/** A different, deterministic gradient every step (independent of the parameters). */
export function stepGradients(shapes: Shapes, step: number): Values {
  const out: Values = {};
  Object.entries(shapes).forEach(([name, shape], ni) => {
    const v = new Float64Array(sizeOf(shape));
    for (let k = 0; k < v.length; k++) {
      v[k] = Math.fround(Math.sin(0.37 * (k + 1) * (ni + 1) + 1.3 * step) + 0.3 * Math.cos(2.1 * step + k));
    }
    out[name] = v;
  });
  return out;
}

export const copyValues = (values: Values): Values =>
  Object.fromEntries(Object.entries(values).map(([n, v]) => [n, Float64Array.from(v)]));

export const toTensors = (shapes: Shapes, values: Values): TensorMap =>
  Object.fromEntries(Object.entries(shapes).map(([n, s]) => [n, tf.tensor(Float32Array.from(values[n]!), [...s])]));

/** Disposes the tensors of `old` that `kept` does not hold (what the harness does). */
export function disposeReplaced(old: tf.TensorContainer, kept: tf.TensorContainer): void {
  const keep = new Set(tf.tensor_util.getTensorsInContainer(kept).map((t) => t.id));
  for (const t of tf.tensor_util.getTensorsInContainer(old)) if (!keep.has(t.id) && !t.isDisposed) t.dispose();
}

/** The worst relative error |a−b| / max(1, |b|) seen, and where. */
export class WorstError {
  err = 0;
  where = 'nowhere';
  compare(got: ArrayLike<number>, want: ArrayLike<number>, where: string): void {
    for (let k = 0; k < want.length; k++) {
      const err = Math.abs(got[k]! - want[k]!) / Math.max(1, Math.abs(want[k]!));
      if (!(err <= this.err)) {
        this.err = err;
        this.where = `${where}[${k}]: kit ${got[k]} vs reference ${want[k]}`;
      }
    }
  }
}

/**
 * One kit step as the harness makes it: update and apply inside a tidy scope, then
 * free the old params, state and gradients that the new ones do not hold.
 */
export function kitStep<S extends OptState>(
  opt: GradientTransformation<S>,
  params: TensorMap,
  state: S,
  grads: TensorMap,
  info: { types: ParamTypes; gradAt?: UpdateInfo['gradAt'] },
): { params: TensorMap; state: S } {
  const next = tf.tidy(() => {
    const out = opt.update(grads, state, params, info);
    return { params: applyUpdates(params, out.updates), state: out.state } as unknown as tf.TensorContainer;
  }) as unknown as { params: TensorMap; state: S };
  disposeReplaced({ params, state, grads } as unknown as tf.TensorContainer, next as unknown as tf.TensorContainer);
  return next;
}

/** The largest distance any parameter moved: a test that moved nothing proves nothing. */
export function largestMove(now: Values, start: Values): number {
  let most = 0;
  for (const [n, v] of Object.entries(now)) v.forEach((x, k) => (most = Math.max(most, Math.abs(x - start[n]![k]!))));
  return most;
}

/** What `runBesideReference` leaves for a test to judge; it asserts nothing itself. */
export interface BesideReference {
  /** The worst relative error of any parameter after any step. */
  readonly worst: WorstError;
  /** How far the reference's parameters moved from the start (`largestMove`). */
  readonly moved: number;
  /** Tensors alive after the run beyond those of the start (the kit's leak, if any). */
  readonly leaked: number;
  /** The kit's last params and state, for the test to inspect and dispose. */
  readonly params: TensorMap;
  readonly state: OptState;
}

/**
 * Runs a kit optimizer and a float64 reference from the same start on the same
 * gradients for `steps` steps (each step's gradient from `gradients(refParams, t)`),
 * comparing every parameter after every step.
 */
export function runBesideReference(
  opt: GradientTransformation,
  reference: { step(params: Values, grad: (at: Values) => Values, t: number): void },
  problem: { shapes: Shapes; types: ParamTypes; steps: number; gradients: (refParams: Values, t: number) => Values },
): BesideReference {
  const { shapes, types, steps, gradients } = problem;
  const start = initialValues(shapes);
  const refParams = copyValues(start);
  let params = toTensors(shapes, start);
  let state: OptState = opt.init(params);
  const before = tf.memory().numTensors;
  const worst = new WorstError();
  for (let t = 0; t < steps; t++) {
    const g = gradients(refParams, t);
    ({ params, state } = kitStep(opt, params, state, toTensors(shapes, g), { types }));
    reference.step(refParams, () => g, t);
    for (const name of Object.keys(shapes)) worst.compare(params[name]!.dataSync(), refParams[name]!, `step ${t} ${name}`);
  }
  return { worst, moved: largestMove(refParams, start), leaked: tf.memory().numTensors - before, params, state };
}

/**
 * What a test needs to call a defineSubmission's init and update by hand: a workload
 * with one weight w of shape [2], no hyperparameters, a fixed rng and a 2-example batch
 * (the test's own lossAndGrads decides the loss, so the batch's values do not matter).
 */
export function toyTrial(): { workload: WorkloadInfo; hparams: Hparams; rng: Rng; batch: Batch } {
  return {
    workload: {
      name: 'toy',
      metric: { name: 'loss', direction: 'min' },
      lossType: 'mean_squared_error',
      trainSize: 10,
      budget: { maxRuntimeSec: 1, stepHint: 10 },
      paramTypes: { w: 'weight' },
      paramShapes: { w: [2] },
    },
    hparams: {},
    rng: { next: () => 0.5, int: () => 0, seed: () => 1 },
    batch: { inputs: tf.zeros([2, 1]), targets: tf.zeros([2]), size: 2, indices: Int32Array.from([0, 1]) },
  };
}
