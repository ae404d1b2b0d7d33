/**
 * Schedule-Free AdamW (Defazio, Yang, Mehta, Mishchenko, Khaled & Cutkosky 2024,
 * "The Road Less Scheduled", NeurIPS), the algorithm of the official PyTorch
 * `AdamWScheduleFree` (facebookresearch/schedule_free). Why: no decay schedule and
 * no stopping time to tune; the average x is the model to evaluate at any time.
 *
 * Three sequences: z (the base AdamW iterate), x (a weighted average of the z's, what
 * is evaluated) and y = (1−b1)·z + b1·x (where gradients are taken: the training
 * params). With k the 0-based step:
 *   lr_k = lr(k)·min(1, (k+1)/warmupSteps);   lrMax = max(lrMax, lr_k)
 *   w_k = (k+1)^r · lrMax^weightLrPower;        c_k = w_k / Σ_{i≤k} w_i
 *   v ← b2·v + (1−b2)·g²;   ĝ = g/(√(v/(1−b2^{k+1})) + eps) + weightDecay·y
 *   z ← z − lr_k·ĝ;   x ← (1−c_k)·x + c_k·z;   y ← (1−b1)·z + b1·x
 * With the defaults (r = 0, power 2) and a rising-then-constant lr (the warmup),
 * c_k = lr_k²/Σ_{i≤k} lr_i²: the early, small-lr iterates weigh little in x. The
 * official code keeps y in the params and z in the state (x implicit); this keeps z
 * and x and derives y, which is the same algebra.
 *
 * Evaluation: `prepareForEval` returns x as the params (the official `.eval()`) and
 * records that the params outside are now x. The next `update` receives x, rebuilds
 * y = (1−b1)·z + b1·x from the state, and — the official `.train()` then a gradient
 * at y — takes this step's gradient at y through `info.gradAt` (defineSubmission
 * provides it; the gradient handed in, taken at x, is not used), at the cost of one
 * extra forward/backward after each eval. y is always derived from z and x (for the
 * decay too), never read back from the params, so given the same gradients a run
 * with evals interleaved has bit for bit the z, x and v of a run without. The params
 * themselves, y, are reached by `x + (y − x)` after an eval and `y' + (y − y')`
 * otherwise, which may differ in the last float32 bit.
 *
 * Kit convention: `lr` may also be a schedule of the step (warmup multiplies it, as
 * the official code multiplies a changed group lr). Weight decay applies to every
 * parameter, as in the official code and optax's `contrib.schedule_free_adamw`,
 * unless `decayMask` says otherwise. This is the form of AlgoPerf's JAX schedule-free
 * baseline (optax's); its PyTorch one (`AdamWScheduleFreeReference`-like) differs in
 * three details, documented in docs/kit.md: decay taken at x, eps not bias-corrected,
 * and r = 0.75.
 *
 * @example scheduleFreeAdamw({ lr: 2.5e-3, warmupSteps: 100, weightDecay: 1e-4 })
 */
import * as tf from '@tensorflow/tfjs';
import { SCHEDULE_FREE_KERNEL, type TensorMap } from '../../../harness/spec.ts';
import { ElementwiseProgram, type Expr, materialize } from '../elementwise.ts';
import { fusedOpsEnabled } from '../fused.ts';
import {
  type DecayMask,
  type GradientTransformation,
  type LearningRate,
  mapTensors,
  resolveDecayMask,
  type UpdateInfo,
  zerosLike,
} from '../transform.ts';

export interface ScheduleFreeAdamwOptions {
  readonly lr: LearningRate;
  /** Interpolation between z and x for y. @default 0.9 */
  readonly b1?: number;
  /** @default 0.999 */
  readonly b2?: number;
  /** @default 1e-8 */
  readonly eps?: number;
  /** Decoupled, computed at y and scaled by lr. @default 0 */
  readonly weightDecay?: number;
  /** Linear warmup of lr over this many steps. @default 0 */
  readonly warmupSteps?: number;
  /** Polynomial weighting of the average, w_k ∝ (k+1)^r. @default 0 */
  readonly r?: number;
  /** Weight of a step in the average ∝ lrMax^weightLrPower. @default 2 */
  readonly weightLrPower?: number;
  /** Which parameters decay. @default 'all' (the official code, optax) */
  readonly decayMask?: DecayMask;
}

export interface ScheduleFreeState {
  count: number;
  weightSum: number;
  /** Largest scheduled lr so far; −1 before the first step (as the official code). */
  lrMax: number;
  /** True from `prepareForEval` to the next `update`: the params outside are x, not y. */
  paramsAreX: boolean;
  z: TensorMap;
  x: TensorMap;
  /** Adam's second moment. */
  v: TensorMap;
  [key: string]: number | boolean | TensorMap;
}

export function scheduleFreeAdamw(o: ScheduleFreeAdamwOptions): GradientTransformation<ScheduleFreeState> {
  const b1 = o.b1 ?? 0.9;
  const b2 = o.b2 ?? 0.999;
  const eps = o.eps ?? 1e-8;
  const weightDecay = o.weightDecay ?? 0;
  const warmupSteps = o.warmupSteps ?? 0;
  const r = o.r ?? 0;
  const power = o.weightLrPower ?? 2;
  const decays = resolveDecayMask(o.decayMask);
  /** y = (1−b1)·z + b1·x in a program. */
  const yOf = (b: ElementwiseProgram, z: Expr | tf.Tensor, x: Expr | tf.Tensor): Expr => b.add(b.mul(z, 1 - b1), b.mul(x, b1));

  // Each parameter's step is one elementwise program: it reads z, x, v, g and the
  // params once and writes z, x, v and the update (or, with `apply`, the new
  // parameters: p + (y − p), as applyUpdates adds it), in one pass where the backend
  // has the kernel.
  const advance = (grads: TensorMap, state: ScheduleFreeState, params: TensorMap, info: UpdateInfo, apply: boolean) => {
    const programs: Record<string, ElementwiseProgram> = mapObject(state.z, (z) => new ElementwiseProgram(z.shape));
    const y = mapObject(programs, (b, n) => yOf(b, state.z[n]!, state.x[n]!));
    let g = grads;
    if (state.paramsAreX) {
      if (info.gradAt === undefined) {
        throw new Error(
          'scheduleFreeAdamw: the params are x after prepareForEval, and the step needs the gradient at y; ' +
            'info.gradAt is missing (defineSubmission provides it)',
        );
      }
      g = info.gradAt(mapObject(y, (e) => e.program.evaluate([e])[0]!));
    }
    const k = state.count;
    const base = typeof o.lr === 'number' ? o.lr : o.lr(k);
    const lr = base * (k < warmupSteps ? (k + 1) / warmupSteps : 1);
    const lrMax = Math.max(lr, state.lrMax);
    const weight = (k + 1) ** r * lrMax ** power;
    const weightSum = state.weightSum + weight;
    const c = weightSum > 0 ? weight / weightSum : 0; // the official ZeroDivisionError → 0
    const c2 = 1 - b2 ** (k + 1);

    // The whole step in one native pass where the backend has SCHEDULE_FREE_KERNEL: the
    // same float32 ops in the same order as the program below, so the same bits.
    const names = Object.keys(state.z);
    if (fusedOpsEnabled() && tf.getKernel(SCHEDULE_FREE_KERNEL, tf.getBackend()) !== undefined && names.every((n) => g[n]?.dtype === 'float32' && params[n] !== undefined)) {
      const vOut: Record<string, tf.Tensor> = {};
      const zOut: Record<string, tf.Tensor> = {};
      const xOut: Record<string, tf.Tensor> = {};
      const out: Record<string, tf.Tensor> = {};
      for (const n of names) {
        const wd = weightDecay !== 0 && decays(info.types[n] ?? 'weight', n) ? weightDecay : 0;
        const coefficients = [b1, 1 - b1, b2, 1 - b2, eps, c2, lr, c, 1 - c, wd, apply ? 1 : 0];
        const inputs = { g: g[n]!, v: state.v[n]!, z: state.z[n]!, x: state.x[n]!, p: params[n]! };
        [vOut[n], zOut[n], xOut[n], out[n]] = tf.engine().runKernel(SCHEDULE_FREE_KERNEL, inputs, { coefficients } as never) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      }
      return { out, state: { count: k + 1, weightSum, lrMax, paramsAreX: false, z: zOut, x: xOut, v: vOut } as ScheduleFreeState };
    }
    const v = mapObject(state.v, (v0, n) => {
      const b = programs[n]!;
      return b.add(b.mul(v0, b2), b.mul(b.square(g[n]!), 1 - b2));
    });
    const z = mapObject(state.z, (z0, n) => {
      const b = programs[n]!;
      let step = b.div(g[n]!, b.add(b.sqrt(b.div(v[n]!, c2)), eps));
      if (weightDecay !== 0 && decays(info.types[n] ?? 'weight', n)) step = b.add(step, b.mul(y[n]!, weightDecay));
      return b.sub(z0, b.mul(step, lr));
    });
    const x = mapObject(state.x, (x0, n) => {
      const b = programs[n]!;
      return b.add(b.mul(x0, 1 - c), b.mul(z[n]!, c));
    });
    const updates = mapObject(params, (p, n) => programs[n]!.sub(yOf(programs[n]!, z[n]!, x[n]!), p));
    const done = materialize<{ out: TensorMap; state: ScheduleFreeState }>({
      out: apply ? mapObject(updates, (u, n) => u.program.add(params[n]!, u)) : updates,
      state: { count: k + 1, weightSum, lrMax, paramsAreX: false, z, x, v },
    });
    return { out: done.out, state: done.state };
  };

  return {
    init: (params) => ({
      count: 0,
      weightSum: 0,
      lrMax: -1,
      paramsAreX: false,
      z: mapTensors(params, (p) => tf.clone(p)),
      x: mapTensors(params, (p) => tf.clone(p)),
      v: zerosLike(params),
    }),
    update: (grads, state, params, info) => {
      const { out, state: next } = advance(grads, state, params, info, false);
      return { updates: out, state: next };
    },
    updateAndApply: (grads, state, params, info) => {
      const { out, state: next } = advance(grads, state, params, info, true);
      return { params: out, state: next };
    },
    prepareForEval: (_params, state) => ({ params: state.x, state: { ...state, paramsAreX: true } }),
  };
}

function mapObject<A, B>(map: Readonly<Record<string, A>>, fn: (a: A, name: string) => B): Record<string, B> {
  const out: Record<string, B> = {};
  for (const [name, a] of Object.entries(map)) out[name] = fn(a, name);
  return out;
}
