/**
 * The contract between algobench, its workloads and the submissions run on them.
 *
 * Everything a workload must provide and everything a submission may see or must
 * provide is declared here, with the rule that governs it written beside it. Nothing
 * outside this file is part of the submission API (the kit in submissions/kit builds
 * on it). Change it deliberately, and update docs/submitting.md with it.
 */
import type * as tf from '@tensorflow/tfjs';

// ---------------------------------------------------------------------------
// Values shared by workloads and submissions
// ---------------------------------------------------------------------------

/** A named set of tensors: model parameters, gradients or updates, keyed alike. */
export type TensorMap = Readonly<Record<string, tf.Tensor>>;

/**
 * What a parameter is, so that an optimizer may treat kinds differently (no weight
 * decay on biases and norms, projection for scale-invariant conv weights...) without
 * knowing which workload it is on.
 */
export type ParamType =
  | 'weight'
  | 'bias'
  | 'conv_weight'
  | 'norm_scale'
  | 'norm_bias'
  | 'embedding'
  | 'attention_qkv'
  | 'attention_out';

export type ParamTypes = Readonly<Record<string, ParamType>>;

/** Freshly initialised model parameters and the type of each. */
export interface ModelInit {
  readonly params: TensorMap;
  readonly types: ParamTypes;
}

/** One hyperparameter value, as a search space JSON can hold it. */
export type HparamValue = number | string | boolean;
export type Hparams = Readonly<Record<string, HparamValue>>;

/** Whether a larger or a smaller metric value is better. */
export interface MetricSpec {
  readonly name: string;
  readonly direction: 'max' | 'min';
}

/** Metric values measured on one split, e.g. `{ accuracy: 0.97, loss: 0.1 }`. */
export type Metrics = Readonly<Record<string, number>>;

/** The targets a trial must meet; they live in workloads/targets.json, not in code. */
export interface Targets {
  readonly validation: number;
  readonly test: number;
}

/**
 * The time a workload grants, for the reference hardware.
 * - maxRuntimeSec: submission-time budget; checked after every step.
 * - stepHint: the number of steps the reference baselines need; schedules may use it.
 * Evals follow a step-based schedule fixed by the harness from the step hint
 * (harness/runner/eval_schedule.ts), not the clock: the same seed and configuration
 * are evaluated at the same steps on every run.
 */
export interface Budget {
  readonly maxRuntimeSec: number;
  readonly stepHint: number;
}

export type Split = 'train' | 'validation' | 'test';

/**
 * A training batch. Its tensors belong to the harness, which disposes them after
 * the step; submissions pass a batch back to `lossAndGrads` and may read `size`.
 */
export interface Batch {
  readonly inputs: tf.Tensor;
  readonly targets: tf.Tensor;
  /** Number of examples in the batch. */
  readonly size: number;
  /** Positions of these examples in the training split. */
  readonly indices: Int32Array;
}

// ---------------------------------------------------------------------------
// Workloads
// ---------------------------------------------------------------------------

/**
 * A named change to a workload's model (activation, normalisation, init scale,
 * width...). Each variant has its own targets in the targets file.
 */
export interface VariantInfo {
  readonly name: string;
  readonly description: string;
}

/**
 * A workload definition: fixed, not tunable by submissions. One instance is built
 * per variant (`base` is the unmodified model).
 */
export interface Workload {
  readonly name: string;
  readonly variant: string;
  readonly description: string;
  readonly metric: MetricSpec;
  readonly lossType: 'softmax_cross_entropy' | 'sigmoid_cross_entropy' | 'mean_squared_error';
  readonly budget: Budget;
  /** Number of examples in the training split (known before `load`). */
  readonly trainSize: number;
  /**
   * Loads and tensorises the data. Untimed; called once per process per workload,
   * so implementations cache across trials and variants.
   */
  load(): Promise<void>;
  /** Deterministic in `seed`: same seed, same backend → same parameters. */
  initParams(seed: number): ModelInit;
  /** Assembles the batch of the given training examples (on the clock). */
  getBatch(indices: Int32Array): Batch;
  /**
   * The loss of each example of the batch (differentiable in `params`); training
   * minimises their mean. Per-example so that data selectors can rank examples.
   */
  loss(params: TensorMap, batch: Batch, mode: 'train' | 'eval'): tf.Tensor1D;
  /** Metrics on a whole split (off the clock). Must include `metric.name`. */
  evaluate(params: TensorMap, split: Split): Metrics;
  /**
   * The training split as plain arrays (after `load`), for a trial's process: the
   * process that runs a submission gets the training split only, never validation or
   * test data. Structured-cloneable (typed arrays, numbers, strings, plain objects).
   */
  trainData(): TrainData;
  /**
   * Loads only the training split from `trainData()`'s output, instead of `load()`:
   * `getBatch`, `loss` and `initParams` work as after `load()`; `evaluate` throws.
   */
  loadTrain(data: TrainData): void;
}

/** A workload's training split, as `Workload.trainData()` hands it over. */
export type TrainData = Readonly<Record<string, unknown>>;

/** What a submission learns of the workload: enough to size a batch, nothing to branch on. */
export interface WorkloadInfo {
  /**
   * For logging only. Rule: a submission must not pick anything — batch size,
   * hyperparameters, updates — by workload identity (the name, or an exact budget or
   * step hint). `validate` dry-runs it with the identity hidden and rejects any
   * difference; tune a per-workload batch size through the search space instead.
   */
  readonly name: string;
  readonly metric: MetricSpec;
  readonly lossType: Workload['lossType'];
  readonly trainSize: number;
  readonly budget: Budget;
  readonly paramTypes: ParamTypes;
  /** Shapes of the parameters, by name. */
  readonly paramShapes: Readonly<Record<string, readonly number[]>>;
}

// ---------------------------------------------------------------------------
// Submissions
// ---------------------------------------------------------------------------

/** A seeded random source. Same trial seed and step → same numbers. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** A 32-bit seed for tfjs ops that take one (dropout, random perturbations). */
  seed(): number;
}

/** One eval the harness ran; submissions see the past ones (validation only). */
export interface EvalResult {
  readonly step: number;
  readonly submissionTimeSec: number;
  readonly validation: Metrics;
}

/**
 * The optimizer state a submission keeps between steps: any nesting of plain
 * objects, arrays, numbers and tensors. The harness owns tensor lifetimes: after a
 * step, tensors of the old params and state that the new ones do not hold are
 * disposed, and so is every intermediate tensor made during the step.
 */
export type OptState = tf.TensorContainer;

export interface InitContext {
  readonly params: TensorMap;
  readonly workload: WorkloadInfo;
  readonly hparams: Hparams;
  readonly rng: Rng;
}

export interface LossAndGrads {
  readonly loss: tf.Scalar;
  readonly grads: TensorMap;
}

export interface UpdateContext<S extends OptState = OptState> {
  readonly params: TensorMap;
  readonly state: S;
  readonly batch: Batch;
  /** 0 for the first step. */
  readonly step: number;
  readonly hparams: Hparams;
  readonly rng: Rng;
  readonly workload: WorkloadInfo;
  /** Submission time spent so far in this trial, in seconds. */
  readonly elapsedSec: number;
  readonly evals: readonly EvalResult[];
  /**
   * Mean training loss of a batch (default: this step's) and its gradients at the
   * given parameters (default: the current ones). May be called more than once per
   * step (SAM). The first loss computed in a step is the one checked for divergence.
   */
  lossAndGrads(params?: TensorMap, batch?: Batch): LossAndGrads;
}

/** What `update` and `prepareForEval` return: the parameters and state to continue with. */
export interface StepResult<S extends OptState = OptState> {
  readonly params: TensorMap;
  readonly state: S;
}

export interface SelectContext {
  readonly step: number;
  /**
   * The trial's data seed, the same at every step: for selectors that keep an order
   * across steps (epochs). The harness's default shuffle uses it too.
   */
  readonly seed: number;
  readonly batchSize: number;
  readonly trainSize: number;
  readonly rng: Rng;
  readonly hparams: Hparams;
  /** Per-example training loss at the current parameters (for loss-based selection). */
  perExampleLoss(indices: Int32Array): Float32Array;
}

export interface EvalPrepContext<S extends OptState = OptState> {
  readonly params: TensorMap;
  readonly state: S;
  readonly step: number;
  readonly hparams: Hparams;
  readonly workload: WorkloadInfo;
}

/**
 * A training algorithm. Rules (docs/architecture.md §2, docs/submitting.md): it must not identify the workload to pick
 * special logic, read validation or test data, change the model, or touch the store;
 * the harness never hands it those.
 */
export interface Submission<S extends OptState = OptState> {
  readonly name: string;
  /** Batch size for this workload; untimed, called once per trial. */
  getBatchSize(workload: WorkloadInfo, hparams: Hparams): number;
  /** Optimizer state before the first step; untimed. */
  init(ctx: InitContext): S;
  /** One training step; on the clock. */
  update(ctx: UpdateContext<S>): StepResult<S>;
  /**
   * Training examples for this step; on the clock. Without it the harness
   * shuffles the training set each epoch and walks through it.
   */
  selectData?(ctx: SelectContext): Int32Array;
  /**
   * Runs before every eval, on the clock (weight averaging, schedule-free): the
   * returned params are evaluated and training continues from them.
   */
  prepareForEval?(ctx: EvalPrepContext<S>): StepResult<S>;
}

// ---------------------------------------------------------------------------
// Trials
// ---------------------------------------------------------------------------

export type Ruleset = 'external' | 'self';

/**
 * How a trial ended.
 * - reached: the validation target was met within the budget.
 * - budget_exhausted: the budget was spent first.
 * - diverged: a NaN/Inf loss or eval metric.
 * - error: the submission threw or broke the contract; the message is kept.
 * - interrupted: the user stopped the run (Ctrl-C, SIGTERM), or a fault of the machine
 *   kept the trial from running (its process could not start, its training split could
 *   not be written); re-running resumes it.
 * Statuses set by the watchdog of the trial's process (the submission's code runs in
 * a process of its own; see docs/submitting.md, "Isolation"):
 * - timeout: the trial ran past its budget by the grace margin, or stopped answering.
 * - crashed: the trial's process exited or died on its own (process.exit, a fatal error).
 * - killed: the watchdog killed the process for going over the memory cap.
 * - forbidden: the submission tried something trials may not do (read files outside
 *   its own code, write files, open the store, start processes, open sockets).
 * Set by the run's budget saver, only in runs that opt in to it (`run --budget-saver`),
 * whose trials are exploratory and never scored:
 * - stopped_predicted_miss: the saver predicted, from the evals so far, that the trial
 *   would miss the target within its budget, and stopped it (docs/budget_saver.md).
 */
export type TrialStatus =
  | 'reached'
  | 'budget_exhausted'
  | 'diverged'
  | 'error'
  | 'interrupted'
  | 'timeout'
  | 'crashed'
  | 'killed'
  | 'forbidden'
  | 'stopped_predicted_miss';

// ---------------------------------------------------------------------------
// Backend capabilities
// ---------------------------------------------------------------------------

/**
 * A fused Adam step that a backend may register in TensorFlow.js's kernel registry
 * (algobench's native kernels on wasm do). It is a capability, not a promise: code
 * looks it up with `tf.getKernel(ADAM_MOMENTS_KERNEL, tf.getBackend())` and, where it
 * is absent, composes the same float32 arithmetic from ordinary ops (the kit's
 * `scaleByAdam` does both). Called through `tf.engine().runKernel`:
 * - inputs `{ g, m, v }`: float32 gradient, first and second moment, one shape;
 * - attrs `{ coefficients }`: numbers in the order of `ADAM_MOMENTS_COEFFICIENTS`;
 * - outputs `[m', v', update]`: m' = b1·m + (1−b1)·g, v' = b2·v + (1−b2)·g²,
 *   update = m̂ / (√(v'/c2) + eps), with m̂ = m'/c1, or m̂ = lookM·m' + lookG·g when
 *   `nesterov` is 1 (NAdam's look-ahead).
 */
export const ADAM_MOMENTS_KERNEL = 'AlgobenchAdamMoments';

/**
 * The layout of the fused Adam kernel's `coefficients` attribute: b1, 1−b1, b2, 1−b2,
 * eps, the bias corrections c1 = 1 − b1ᵗ and c2 = 1 − b2ᵗ (t the 1-based step),
 * nesterov (1 or 0), and NAdam's lookM and lookG (0 without nesterov).
 */
export const ADAM_MOMENTS_COEFFICIENTS = [
  'b1', 'oneMinusB1', 'b2', 'oneMinusB2', 'eps', 'c1', 'c2', 'nesterov', 'lookM', 'lookG',
] as const;

export type AdamMomentsCoefficient = (typeof ADAM_MOMENTS_COEFFICIENTS)[number];

/**
 * Several dot products in one pass that a backend may register (algobench's native
 * kernels on wasm do): the norms and inner products an optimizer rule needs per tensor
 * (LAMB's trust ratio) or per column (AdamP's per-channel cosines), each input read
 * once for all of them. Like ADAM_MOMENTS_KERNEL it is a capability: the kit's
 * `submissions/kit/dots.ts` looks it up and otherwise takes tf.sum(tf.mul(a, b)).
 * Called through `tf.engine().runKernel`:
 * - inputs `{ x0, x1, … }`: float32 tensors of one size n;
 * - attrs `{ pairs, columns, rowSums? }`: `pairs` lists input indices two by two;
 *   `columns` divides n, and every input is read as a [n / columns, columns] matrix;
 * - outputs: one float32 tensor of shape [columns] per pair (a, b), the column sums
 *   Σ_r x_a[r, c]·x_b[r, c] (columns 1: the whole sum); with `rowSums` true, then one
 *   of shape [n / columns] per pair, the row sums Σ_c, in the same pass. Each product is rounded to
 *   float32, the sum taken in float64 in an order fixed by the shape alone (not by the
 *   thread count) and rounded once, so it agrees with tf.sum(tf.mul(a, b)) to float32
 *   rounding of the sum, not bit for bit.
 */
export const DOTS_KERNEL = 'AlgobenchDots';

/**
 * Schedule-free AdamW's per-parameter step (Defazio et al. 2024) in one pass, that a
 * backend may register (algobench's native kernels on wasm do); the kit's
 * `scheduleFreeAdamw` looks it up and otherwise runs the same float32 ops as an
 * elementwise program, in the same order, so the two agree bit for bit. Called through
 * `tf.engine().runKernel`:
 * - inputs `{ g, v, z, x, p }`: float32, one shape;
 * - attrs `{ coefficients }`: b1, 1−b1, b2, 1−b2, eps, c2 = 1−b2ᵗ, lr, c (the average's
 *   weight), 1−c, wd (0: no decay) and apply (1 or 0);
 * - outputs `[v', z', x', out]`: v' = b2·v + (1−b2)·g²; s = g/(√(v'/c2) + eps), plus
 *   wd·((1−b1)·z + b1·x) where wd ≠ 0; z' = z − lr·s; x' = (1−c)·x + c·z';
 *   y = (1−b1)·z' + b1·x'; out = y − p, or with apply p + (y − p).
 */
export const SCHEDULE_FREE_KERNEL = 'AlgobenchScheduleFreeStep';

/**
 * A fused elementwise program that a backend may register (algobench's native kernels
 * on wasm do): any optimizer's per-parameter arithmetic in one pass over memory, so
 * that every rule pays what Adam pays for its update. Like ADAM_MOMENTS_KERNEL it is a
 * capability: the kit's `submissions/kit/elementwise.ts` looks it up with
 * `tf.getKernel` and otherwise runs the same program as ordinary tfjs ops. Called
 * through `tf.engine().runKernel`:
 * - inputs `{ x0, x1, … }`: float32 tensors, each of `shape`'s size or of size 1 (a
 *   scalar broadcast to every element), or, where `inputAxes` names an axis for it, of
 *   `shape` without that axis, repeated along it (as `tf.expandDims(x, axis)` broadcasts);
 * - attrs `{ shape, code, constants, outputs, inputAxes?, sums?, inPlace? }`: registers 0…N−1 hold
 *   the inputs, and instruction i (4 numbers in `code`: op, a, b, c, with op an index
 *   into `ELEMENTWISE_PROGRAM_OPS` and a, b, c earlier registers) writes register N+i;
 *   the op 'const' writes `constants[a]` (rounded to float32) instead. `outputs` lists
 *   the registers returned, each a float32 tensor of `shape`. `inputAxes` (optional)
 *   gives one axis per input, −1 for none. `sums` (optional) lists (register, axis)
 *   pairs: after the outputs come, in order, the sum of each register over that axis
 *   (a tensor of `shape` without it) or, for axis −1, over every element (a scalar),
 *   taken in the same pass. A sum is accumulated in float64 and rounded once to
 *   float32, in an order fixed by the shape alone (not by the thread count); so it
 *   agrees with `tf.sum` to float32 rounding, not bit for bit. `inPlace` (optional)
 *   gives per output the index of an input the caller donates (it will not read that
 *   tensor again), or −1: a backend may return the output in that input's memory (the
 *   output and the input then share it, as Identity's do) where no other tensor holds
 *   that memory, computing every read of the input's old values first. Same bits.
 * Every op is float32 and rounds as TensorFlow.js's cpu backend does (so the two
 * agree bit for bit): 'mulAdd' is a·b then + c, two roundings; 'rsqrt' is 1/√x
 * computed in float64 then rounded; 'sign' is 0 at 0 and NaN; 'max', 'min' and 'relu'
 * propagate NaN; 'divNoNan' is 0 where b is 0; comparisons give 1 or 0 and 'select'
 * takes b where a ≠ 0, else c. Each element depends on its own inputs only, so the
 * result does not depend on how a backend splits the work.
 */
export const ELEMENTWISE_PROGRAM_KERNEL = 'AlgobenchElementwiseProgram';

/**
 * ELEMENTWISE_PROGRAM_KERNEL's program over several tensors in one call, that a backend
 * may register (algobench's native kernels on wasm do): a rule's per-parameter program
 * is the same for every parameter of the same kind, and one call for all of them pays
 * the call's own cost (dispatch, and waking the threads) once per step, not once per
 * parameter, as PyTorch's foreach optimizers do. The kit's `materialize` groups the
 * programs it runs by what they compute and looks this kernel up with `tf.getKernel`;
 * without it, one ELEMENTWISE_PROGRAM_KERNEL call per program. Called through
 * `tf.engine().runKernel`:
 * - inputs `{ x0, x1, … }`: N inputs per tensor, tensor t's input i being x(t·N + i),
 *   each of that tensor's size or of size 1 (no axis views);
 * - attrs `{ shapes, code, constants, outputs, inPlace? }`: `shapes` the T tensors'
 *   shapes; `code` and `outputs` as ELEMENTWISE_PROGRAM_KERNEL's, the same for every
 *   tensor; `constants` C per tensor (tensor t's at t·C…, so that programs differing
 *   only in their constants, such as a mean's 1/n, share a call); `inPlace` (optional)
 *   as ELEMENTWISE_PROGRAM_KERNEL's for each tensor in turn (K entries per tensor, each
 *   an index among that tensor's N inputs);
 * - outputs: K per tensor, tensor t's output j at t·K + j, of shape `shapes[t]`.
 * Each tensor's outputs have the bits of ELEMENTWISE_PROGRAM_KERNEL on that tensor alone.
 */
export const ELEMENTWISE_PROGRAMS_KERNEL = 'AlgobenchElementwisePrograms';

/** The ops of an elementwise program, by opcode (their index), and how many operands each reads. */
export const ELEMENTWISE_PROGRAM_OPS = [
  ['const', 0], ['add', 2], ['sub', 2], ['mul', 2], ['div', 2], ['divNoNan', 2], ['max', 2], ['min', 2],
  ['neg', 1], ['abs', 1], ['sign', 1], ['sqrt', 1], ['rsqrt', 1], ['square', 1], ['relu', 1],
  ['mulAdd', 3], ['greater', 2], ['less', 2], ['equal', 2], ['select', 3],
] as const;

export type ElementwiseProgramOp = (typeof ELEMENTWISE_PROGRAM_OPS)[number][0];

/**
 * ADAM_MOMENTS_KERNEL with the three per-tensor sums of LAMB's trust ratio taken in the
 * same pass, that a backend may register (algobench's native kernels on wasm do; the
 * kit's `lamb` looks it up and otherwise runs Adam's kernel and DOTS_KERNEL). Called
 * through `tf.engine().runKernel`:
 * - inputs `{ g, m, v, p }`: float32, one size (p the parameter, only read);
 * - attrs `{ coefficients }`: as ADAM_MOMENTS_KERNEL's (`ADAM_MOMENTS_COEFFICIENTS`);
 * - outputs `[m', v', update, uu, up, pp]`: the first three as ADAM_MOMENTS_KERNEL's, then
 *   three scalars Σu², Σu·p, Σp² (u the update), each product rounded to float32, the sums
 *   taken in float64 in an order fixed by the size alone and rounded once, as DOTS_KERNEL's.
 * With attrs `{ coefficients, columns, pairs }` (AdamP's form): `pairs` lists indices of
 * (0 g, 1 p, 2 the update) two by two, `columns` divides the size, and after m', v' and
 * the update come one float32 tensor of shape [columns] per pair, the column sums over
 * the [n / columns, columns] view, with DOTS_KERNEL's bits for the same three tensors.
 * With attrs `{ coefficients, trustRatioDecay: r }` (LAMB's form with its trust ratio):
 * outputs `[m', v', update, ratio]`, ratio a scalar: from those three sums rounded to
 * float32, in float32 ops in this order, dd = uu where r = 0, else (uu + up·(2r)) + pp·(r²)
 * (the constants 2r and r² rounded to float32), dd' = max(dd, 0), ratio = 1 where √pp or
 * √dd' is 0, else √pp / √dd' — the trust ratio ‖p‖/‖u + r·p‖ of the decayed update.
 * With attrs `{ coefficients, count: N, trustRatioDecays: [r0, …] }` (that form for N
 * tensors in one call): inputs `{ g0, m0, v0, p0, g1, … }` (each tensor's four of one
 * size), outputs `[m0', v0', update0, ratio0, m1', …]`, each tensor's four as its own
 * call with `trustRatioDecay: ri` gives them, bit for bit.
 */
export const ADAM_MOMENTS_DOTS_KERNEL = 'AlgobenchAdamMomentsDots';

/**
 * AdamP's step of a projectable weight, up to the final elementwise pass, that a backend
 * may register (algobench's native kernels on wasm do; the kit's `scaleByAdamP` looks it
 * up and otherwise runs ADAM_MOMENTS_DOTS_KERNEL's per-column form and two elementwise
 * programs over the channels). Called through `tf.engine().runKernel`:
 * - inputs `{ g, m, v, p }`: float32, one size (p the weight, only read);
 * - attrs `{ coefficients, columns, projection }`: `coefficients` as ADAM_MOMENTS_KERNEL's;
 *   `columns` (dividing the size) the channels, the columns of the [n / columns, columns]
 *   view; `projection` = [channel threshold, layer threshold, eps, wdRatio, wd];
 * - outputs `[m', v', update, factor]`: the first three as ADAM_MOMENTS_KERNEL's, then
 *   float32 [columns]: with ADAM_MOMENTS_DOTS_KERNEL's per-column sums pg = ⟨g, p⟩,
 *   gg = ‖g‖², pp = ‖p‖², pu = ⟨p, u⟩ and cos(x, y, z) = |x / (max(√y, eps)·max(√z, eps))|,
 *   in float32 ops in this order: k_c = pu_c / (√pp_c + eps)²; the channel view projects
 *   where no channel has cos(pg_c, gg_c, pp_c) ≥ the channel threshold, else the layer
 *   view where cos(Σpg, Σgg, Σpp) < the layer threshold (k_c = Σpu / (√Σpp + eps)² for
 *   every c), else none (k_c = 0); the Σ over channels in float64, rounded once; ratio =
 *   wdRatio where either view projects, else 1; factor_c = ratio·wd − k_c (−k_c where
 *   wd = 0). AdamP's step is then update + p·factor (factor repeated along the rows).
 * - attr `step: true` (optional): the third output is that step itself, update + p·factor
 *   per element (the product, then the sum, each a float32 op), not Adam's update.
 */
export const ADAMP_KERNEL = 'AlgobenchAdamP';

/**
 * Adafactor's factored second moment of one matrix (Shazeer & Stern 2018), that a
 * backend may register (algobench's native kernels on wasm do; the kit's
 * `scaleByFactoredRms` looks it up and otherwise runs the same float32 ops as
 * elementwise programs and DOTS_KERNEL). Called through `tf.engine().runKernel`:
 * - inputs `{ g, row, col, p? }`: float32; g of rank 2; `row` the row average, g's shape
 *   without axis d0, `col` the column average, without the other axis; p (g's shape) only
 *   where `sumP`;
 * - attrs `{ d0, beta, eps, sumU, sumP }`: d0 is 0 or 1;
 * - outputs `[row', col', rowFactor, colFactor, u, uu, pp]`: with R = Σ of g² over axis d0
 *   and C = Σ over the other axis (n0, n1 the sizes of those axes), in float32 and in
 *   this order: row' = row·beta + ((R + n0·eps)/n0)·(1−beta), col' likewise with C and n1;
 *   rowFactor = rsqrt(row'/(Σrow'/|row'|)), colFactor = rsqrt(col') (rsqrt as the
 *   elementwise program's); u = (g·rowFactor)·colFactor (each repeated along its
 *   missing axis, two float32 products in that order); uu = Σu² where `sumU`, else 0; pp = Σp² where `sumP`, else 0. R, C,
 *   uu and pp sum float32 products in float64 in an order fixed by the shape alone; the
 *   mean Σrow' is the elementwise program's sum, so the factors match the kit's program
 *   path given the same R and C.
 */
export const FACTORED_RMS_KERNEL = 'AlgobenchFactoredRms';

/**
 * `scaleByFactoredRms`'s whole step (Adafactor's scaling, with its update clipping and
 * relative step size) for every parameter of a step in one call, that a backend may
 * register (algobench's native kernels on wasm do; without it the kit takes
 * FACTORED_RMS_KERNEL per matrix and an elementwise program per other parameter).
 * Called through `tf.engine().runKernel`:
 * - inputs, for each parameter i < count: `g{i}`; `p{i}` (g's size) where `paramScale`
 *   is set; `r{i}` and `c{i}` (the row and column averages, as FACTORED_RMS_KERNEL's row
 *   and col) where d0s[i] is 0 or 1, g then of rank 2; `v{i}` (g's size, the full average)
 *   where d0s[i] is −1. All float32;
 * - attrs `{ count, d0s, beta, eps, clip, paramScale? }`: clip Infinity for no clipping;
 * - outputs, parameter after parameter: `[row', col', u, factor]` (factored, as
 *   FACTORED_RMS_KERNEL computes them) or `[v', u, factor]` (v' = v·beta + ((g·g) + eps)·(1−beta),
 *   u = g·rsqrt(v'), the elementwise program's float32 ops); factor is the float32
 *   scalar the kit multiplies u by: with mean(x) = Σx²/size in float32 and Σ as above
 *   (the full average's sums as the elementwise program's whole sums),
 *   scale = max(√mean(p), paramScale) and den = max(√mean(u)/clip, 1), it is scale/den,
 *   1/den (no paramScale), scale (clip Infinity) or 1, each op a float32 op.
 */
export const FACTORED_RMS_STEP_KERNEL = 'AlgobenchFactoredRmsStep';

/**
 * SAM's perturbed point (Foret et al. 2021, as davda54/sam computes it) of every
 * parameter in one call, that a backend may register (algobench's native kernels on
 * wasm do; the kit's `sam` looks it up and otherwise runs DOTS_KERNEL, tfjs scalar ops
 * and an elementwise program per parameter). Called through `tf.engine().runKernel`:
 * - inputs `{ p0, g0, p1, g1, … }`: float32, each gᵢ of pᵢ's size;
 * - attrs `{ count, rho, eps, adaptive }`: count the number of (pᵢ, gᵢ), adaptive ASAM;
 * - outputs: p′ᵢ of pᵢ's shape, then the norm, a float32 scalar. With s = g (SAM) or
 *   |p|·g (ASAM, elementwise): norm = √(Σ s² over every element of every gᵢ),
 *   f = rho / (norm + eps), p′ = p + g·f, or for ASAM p + ((p·p)·g)·f. Every op is a
 *   float32 op in that order; each s² is rounded to float32 and the squares summed in
 *   float64 in an order fixed by the sizes alone (not by the thread count) and rounded
 *   once, so the norm agrees with the per-tensor sums added in float32 to float32
 *   rounding, not bit for bit.
 */
export const SAM_PERTURB_KERNEL = 'AlgobenchSamPerturb';

/**
 * The damped inverse p-th root of a symmetric positive semi-definite matrix, that a
 * backend may register (algobench's native kernels on wasm do, src/eigh.cc; the kit's
 * Shampoo looks it up and otherwise runs its float64 JavaScript Jacobi solver,
 * submissions/kit/transforms/_eigh.ts). Called through `tf.engine().runKernel`:
 * - inputs `{ s }`: float32 [n, n], symmetric (its symmetric part (s + sᵀ)/2 is taken);
 * - attrs `{ p, eps }`: p > 0, eps ≥ 0;
 * - output: float32 [n, n], V·diag((max(λ, 0) + eps)^(−1/p))·Vᵀ with s = V·diag(λ)·Vᵀ,
 *   computed in float64 from s and rounded once. Eigenvalues below 0 by roundoff count
 *   as 0. The eigenvalues are accurate to about 1e-16·‖s‖ (absolute), so the root
 *   agrees with an exact one to about 1e-16·‖s‖/eps relative, then float32 rounding.
 *   A non-finite entry of s gives an all-NaN root (as would the QR iteration failing to
 *   converge in 30 steps for an eigenvalue, which its Wilkinson shift makes unheard of).
 */
export const DAMPED_INVERSE_ROOT_KERNEL = 'AlgobenchDampedInverseRoot';
