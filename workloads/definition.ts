/**
 * How a workload folder presents itself to the harness, and `defineWorkload`, the one
 * way to write it.
 *
 * A workload folder has one shape:
 * - `index.ts`: the definition, `defineWorkload({...})`: names, budget, metric, the
 *   variants table, and the wiring of the three modules below;
 * - `model.ts`: parameter init and the per-example loss for a variant's config
 *   (`WorkloadModel`);
 * - `data.ts`: the fixed split, batches and the training split for a trial's process
 *   (`WorkloadData`);
 * - `evaluate.ts`: metrics on a held-out split (`WorkloadEvaluation`).
 * Stated subsets: the MNIST workloads (mnist_mlp, mnist_cnn, mnist_autoencoder)
 * share their data.ts in workloads/mnist/, and the two classifiers also share their
 * loss and evaluate.ts there, so their folders hold index.ts and model.ts (and the
 * autoencoder its own evaluate.ts). A module may be split into files it imports
 * (spam_bow/parse.ts, g2p_gru/cells.ts).
 *
 * Variants are declared in one place, the `variants` table (base first), and an
 * unknown one is refused in one place, `create` (E_UNKNOWN_VARIANT, one line naming
 * the variant, the workload and the known variants). test/workloads/conformance.test.ts
 * runs every workload and variant of the registry through the same checks.
 */
import type * as tf from '@tensorflow/tfjs';
import { AlgobenchError } from '../harness/core/errors.ts';
import type { Batch, Budget, Metrics, MetricSpec, ModelInit, Split, TensorMap, TrainData, VariantInfo, Workload } from '../harness/spec.ts';
import { notInTrialProcess } from './common/train_only.ts';

/**
 * Which units of the corpus each split draws on (example positions in the corpus;
 * character positions for a text). The split is part of the workload's definition.
 */
export type SplitIndices = Readonly<Record<Split, Int32Array>>;

/**
 * A batch tensor's declared shape and dtype. A dimension is a size, `'batch'` (the
 * number of examples in the batch) or `null` (varies with the examples, e.g. the
 * words of a bag of words).
 */
export interface TensorSpec {
  readonly shape: readonly (number | 'batch' | null)[];
  readonly dtype: tf.DataType;
}

export interface BatchSpec {
  readonly inputs: TensorSpec;
  readonly targets: TensorSpec;
}

/** What a workload's data.ts provides (the same for every variant). */
export interface WorkloadData {
  /** Examples in the training split (known before anything is loaded). */
  readonly trainSize: number;
  readonly batch: BatchSpec;
  /**
   * The fixed split, computed afresh on every call from the workload's split seed
   * (not read from a cache), so that a test can see it is a function of that seed.
   * Not in a trial's process.
   */
  splits(): SplitIndices;
  getBatch(indices: Int32Array): Batch;
  /** Whether this process holds the training split only (`loadTrain` was called). */
  trainOnly(): boolean;
  trainData(): TrainData;
  loadTrain(data: TrainData): void;
}

/** What a workload's model.ts provides, for the config of one variant. */
export interface WorkloadModel<C> {
  init(config: C, seed: number): ModelInit;
  loss(config: C, params: TensorMap, batch: Batch, mode: 'train' | 'eval'): tf.Tensor1D;
}

/** What a workload's evaluate.ts provides. */
export interface WorkloadEvaluation<C> {
  /** Loads and tensorises the held-out splits (off the clock); never in a trial's process. */
  prepare(): void;
  evaluate(config: C, params: TensorMap, split: Split): Metrics;
  /** Frees what `prepare` made, when `loadTrain` turns this into a trial's process. */
  release?(): void;
}

export interface VariantSpec<V> {
  readonly description: string;
  readonly config: V;
}

/** Variants by name; `base` (the unmodified model) comes first. */
export type Variants<V> = Readonly<{ base: VariantSpec<V> } & Record<string, VariantSpec<V>>>;

export interface WorkloadSpec<V, C> {
  readonly name: string;
  /** One line for `algobench list` and the reports. */
  readonly description: string;
  /** The Workload's own description: model, data and split in a sentence. */
  readonly details: string;
  readonly metric: MetricSpec;
  readonly lossType: Workload['lossType'];
  readonly budget: Budget;
  readonly variants: Variants<V>;
  /**
   * Completes a variant's config with what the data decides (a vocabulary's size),
   * once per Workload and only when first needed, after the data is loaded.
   */
  readonly configure: (variant: V) => C;
  readonly data: WorkloadData;
  readonly model: WorkloadModel<C>;
  readonly evaluation: WorkloadEvaluation<C>;
}

export interface WorkloadDefinition {
  readonly name: string;
  readonly description: string;
  /** The first one is `base`. */
  readonly variants: readonly VariantInfo[];
  /** The data every variant shares, for the conformance suite. */
  readonly data: Pick<WorkloadData, 'splits' | 'batch'>;
  /** The Workload of one variant; throws E_UNKNOWN_VARIANT for a name not in `variants`. */
  create(variant: string): Workload;
}

/** The one refusal of an unknown variant. */
export function unknownVariant(workload: string, variant: string, known: readonly string[]): AlgobenchError {
  return new AlgobenchError('E_UNKNOWN_VARIANT', `workload "${workload}" has no variant "${variant}"; its variants are: ${known.join(', ')}`);
}

export function defineWorkload<V, C = V>(spec: WorkloadSpec<V, C>): WorkloadDefinition {
  const { name, data, model, evaluation } = spec;
  const names = Object.keys(spec.variants);
  if (names[0] !== 'base') throw new Error(`${name}: the variants table must list base first`);
  const create = (variant: string): Workload => {
    if (!Object.hasOwn(spec.variants, variant)) throw unknownVariant(name, variant, names);
    const declared = spec.variants[variant]!.config;
    let config: C | undefined;
    const configOf = () => (config ??= spec.configure(declared));
    return {
      name,
      variant,
      description: spec.details,
      metric: spec.metric,
      lossType: spec.lossType,
      budget: spec.budget,
      trainSize: data.trainSize,
      load: async () => {
        if (data.trainOnly()) return; // a trial's process: loadTrain loaded all it may hold
        evaluation.prepare();
      },
      initParams: (seed) => model.init(configOf(), seed),
      getBatch: (indices) => data.getBatch(indices),
      loss: (params, batch, mode) => model.loss(configOf(), params, batch, mode),
      evaluate: (params, split) => {
        if (data.trainOnly()) throw notInTrialProcess(name, split);
        return evaluation.evaluate(configOf(), params, split);
      },
      trainData: () => data.trainData(),
      loadTrain: (train) => {
        data.loadTrain(train);
        evaluation.release?.();
      },
    };
  };
  return {
    name,
    description: spec.description,
    variants: names.map((v) => ({ name: v, description: spec.variants[v]!.description })),
    data: { splits: () => data.splits(), batch: data.batch },
    create,
  };
}

/** `configure` for a workload whose variants' configs are complete as declared. */
export const asDeclared = <V>(variant: V): V => variant;
