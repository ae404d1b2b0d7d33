/**
 * Shared by train_only.test.ts and the trial-like child process it starts
 * (_train_only_child.ts): a digest of what a workload's batches and losses hold, so
 * the test process (after `load()`) and the child (after `loadTrain`, in a fresh
 * module state) can be compared bit for bit.
 */
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import type { TrainData } from '../../harness/spec.ts';
import { createRng, deriveSeed } from '../../harness/core/rng.ts';
import { getWorkload, WORKLOADS } from '../../workloads/registry.ts';

/** Every registered workload's refs, base first: `name` and `name:variant`. */
export function variantRefs(name: string): string[] {
  return WORKLOADS[name]!.variants.map((v) => (v.name === 'base' ? name : `${name}:${v.name}`));
}

/** Training indices a digest covers: both ends, a few fixed points and seeded picks, plus `extra`. */
export function picksFor(trainSize: number, extra: readonly number[] = []): Int32Array {
  const rng = createRng(deriveSeed('train-only-test-picks', trainSize));
  const fixed = [0, 1, 2, Math.floor(trainSize / 3), Math.floor(trainSize / 2), trainSize - 2, trainSize - 1];
  return Int32Array.from([...fixed, ...Array.from({ length: 9 }, () => rng.int(trainSize)), ...extra]);
}

/** sha256 of a tensor's dtype, shape and bytes. */
export function tensorHash(t: tf.Tensor): string {
  const values = t.dataSync() as Float32Array | Int32Array | Uint8Array;
  return createHash('sha256')
    .update(`${t.dtype}[${t.shape.join(',')}]`)
    .update(Buffer.from(values.buffer, values.byteOffset, values.byteLength))
    .digest('hex');
}

export interface VariantDigest {
  readonly trainSize: number;
  readonly inputs: string;
  readonly targets: string;
  readonly size: number;
  /** The batch hands back the very index array it was given. */
  readonly sameIndices: boolean;
  /** Per-example loss of initParams(7) on the batch, hashed, and its first values (for a readable diff). */
  readonly loss: string;
  readonly firstLosses: readonly number[];
}

/**
 * Digest of every variant of workload `name` on batch `picks`. With `data`, each
 * variant is loaded by `loadTrain(data)` first; without, by `load()`.
 */
export async function digestWorkload(name: string, picks: Int32Array, data?: TrainData): Promise<Record<string, VariantDigest>> {
  const out: Record<string, VariantDigest> = {};
  for (const ref of variantRefs(name)) {
    const w = getWorkload(ref);
    if (data === undefined) await w.load();
    else w.loadTrain(data);
    const batch = w.getBatch(picks);
    const { params } = w.initParams(7);
    const losses = w.loss(params, batch, 'train');
    out[ref] = {
      trainSize: w.trainSize,
      inputs: tensorHash(batch.inputs),
      targets: tensorHash(batch.targets),
      size: batch.size,
      sameIndices: batch.indices === picks,
      loss: tensorHash(losses),
      firstLosses: Array.from(losses.dataSync().subarray(0, 3)),
    };
    tf.dispose([batch.inputs, batch.targets, losses, ...Object.values(params)]);
  }
  return out;
}

/** Throws unless `value` is made only of what structured clone carries as plain data. */
export function assertPlainData(value: unknown, path = 'trainData'): void {
  if (value === null || ['number', 'string', 'boolean'].includes(typeof value)) return;
  if (ArrayBuffer.isView(value)) {
    if (!(value instanceof Float32Array || value instanceof Int32Array || value instanceof Uint8Array)) {
      throw new Error(`${path} is a ${value.constructor.name}; use Float32Array, Int32Array or Uint8Array`);
    }
    return;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value)) assertPlainData(v, `${path}.${k}`);
    return;
  }
  throw new Error(`${path} is not plain data (${Array.isArray(value) ? 'an Array: use a typed array' : typeof value})`);
}
