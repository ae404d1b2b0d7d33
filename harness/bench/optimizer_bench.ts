/**
 * `algobench bench --optimizers`: what one update of each kit optimizer costs (its
 * `updateAndApply`, as defineSubmission steps it: the update and the new parameters,
 * in one pass where the last work is an elementwise program) on 1M and 10M float32
 * parameters fed fixed random gradients — gradient computation is not timed — next to
 * PyTorch's foreach implementation of the same rule (harness/bench/optimizers_torch.py,
 * 2 threads, timed before and after; the faster counts) and to the kit's fused AdamW.
 */
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { type UpdateInfo, updateAndApply } from '../../submissions/kit/transform.ts';
import type { OptState, ParamTypes, TensorMap } from '../spec.ts';
import { median } from '../scoring/aggregate.ts';
import { PythonWorker } from './python_worker.ts';
import { OPTIMIZER_CASES, REFERENCE_CASE, type OptimizerCase } from './optimizer_cases.ts';

const SCRIPT = fileURLToPath(new URL('./optimizers_torch.py', import.meta.url));
// A slow update (seconds at 10M before it was fused) is still timed a few times, and a
// run of every case on both sizes stays within a few minutes: 2 + 3 updates at least.
const WARMUP_UPDATES = 2;
const MIN_TIMED_UPDATES = 3;
/** Seconds each measurement (kit, or PyTorch before or after) runs at least. */
export const DEFAULT_OPTIMIZER_SECONDS = 1;

export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly type: ParamTypes[string];
}

/**
 * Parameter sets of a realistic mix: a big matrix, a smaller one, a 256×256 one
 * (small enough for Shampoo's two-sided preconditioner) and their vectors.
 */
export const PARAM_SETS: Readonly<Record<string, readonly ParamSpec[]>> = {
  '1M': [
    { name: 'w1', shape: [1024, 768], type: 'weight' },
    { name: 'b1', shape: [768], type: 'bias' },
    { name: 'norm', shape: [768], type: 'norm_scale' },
    { name: 'w2', shape: [768, 256], type: 'weight' },
    { name: 'b2', shape: [256], type: 'bias' },
    { name: 'w3', shape: [256, 64], type: 'weight' },
    { name: 'b3', shape: [64], type: 'bias' },
  ],
  '10M': [
    { name: 'w1', shape: [4096, 2048], type: 'weight' },
    { name: 'b1', shape: [2048], type: 'bias' },
    { name: 'norm', shape: [2048], type: 'norm_scale' },
    { name: 'w2', shape: [2048, 768], type: 'weight' },
    { name: 'b2', shape: [768], type: 'bias' },
    { name: 'w3', shape: [256, 256], type: 'weight' },
    { name: 'b3', shape: [256], type: 'bias' },
  ],
};

export const paramCount = (specs: readonly ParamSpec[]): number => specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);

export interface OptimizerRow {
  readonly optimizer: string;
  readonly about: string;
  readonly size: string;
  readonly params: number;
  readonly kitMs?: number;
  readonly torchMs?: number;
  /** kit / torch */
  readonly ratioTorch?: number;
  /** kit / the kit's AdamW on the same parameters */
  readonly ratioKitAdam?: number;
  readonly error?: string;
  readonly torchError?: string;
}

/** Old tensors the update replaced: dispose those not carried into the new ones. */
function disposeReplaced(old: tf.TensorContainer, next: tf.TensorContainer): void {
  const keep = new Set<number>();
  const walk = (c: unknown, visit: (t: tf.Tensor) => void): void => {
    if (c instanceof tf.Tensor) visit(c);
    else if (Array.isArray(c)) for (const x of c) walk(x, visit);
    else if (c !== null && typeof c === 'object') for (const x of Object.values(c)) walk(x, visit);
  };
  walk(next, (t) => keep.add(t.id));
  walk(old, (t) => {
    if (!keep.has(t.id) && !t.isDisposed) t.dispose();
  });
}

/** Median update of one kit optimizer on fresh parameters and fixed random gradients. */
export function timeKitUpdate(c: OptimizerCase, specs: readonly ParamSpec[], seconds: number, minUpdates = MIN_TIMED_UPDATES): { medianMs: number; updates: number; moved: boolean } {
  const types: ParamTypes = Object.fromEntries(specs.map((s) => [s.name, s.type]));
  let params: TensorMap = Object.fromEntries(specs.map((s, i) => [s.name, tf.randomNormal([...s.shape], 0, 0.02, 'float32', i + 1)]));
  const grads: TensorMap = Object.fromEntries(specs.map((s, i) => [s.name, tf.randomNormal([...s.shape], 0, 1e-3, 'float32', 100 + i)]));
  // SAM asks for the gradient at its perturbed point: the same fixed gradients, so no forward or backward pass is timed.
  const info: UpdateInfo = { types, gradAt: () => grads };
  const optimizer = c.make();
  let state: OptState = tf.tidy(() => optimizer.init(params));
  const smallest = specs.reduce((a, b) => (paramCount([a]) <= paramCount([b]) ? a : b)).name;
  const update = () => {
    const next = tf.tidy(() => {
      const out = updateAndApply(optimizer, grads, state, params, info);
      return { params: out.params, state: out.state };
    });
    disposeReplaced({ params, state } as unknown as tf.TensorContainer, next as unknown as tf.TensorContainer);
    params = next.params;
    state = next.state;
    // Backends that queue work finish it here; the wasm backend already has.
    params[smallest]!.dataSync();
  };
  const first = params[smallest]!.dataSync().slice();
  try {
    for (let i = 0; i < WARMUP_UPDATES; i++) update();
    const times: number[] = [];
    const until = performance.now() + seconds * 1000;
    while (performance.now() < until || times.length < minUpdates) {
      const t0 = performance.now();
      update();
      times.push(performance.now() - t0);
    }
    // Whether the rule reached the parameters at all: a bench of a no-op would flatter it.
    const last = params[smallest]!.dataSync();
    return { medianMs: median(times), updates: times.length, moved: last.some((v, i) => v !== first[i]) };
  } finally {
    tf.dispose([params as unknown as tf.TensorContainer, state as tf.TensorContainer, grads as unknown as tf.TensorContainer]);
  }
}

/** The same rule's median update from the serving PyTorch process, or why there is none. */
async function torchUpdate(torch: PythonWorker, rule: string, specs: readonly ParamSpec[], seconds: number): Promise<{ medianMs: number } | { error: string }> {
  const reply = await torch.request({ rule, shapes: specs.map((s) => s.shape), seconds });
  return reply.ok ? { medianMs: reply.value['median_ms'] as number } : { error: reply.error };
}

export interface OptimizerBenchOptions {
  readonly python: string;
  readonly seconds: number;
  readonly torch: boolean;
  readonly sizes: readonly string[];
  readonly onCase?: (index: number, total: number, c: OptimizerCase, size: string, phase: 'torch before' | 'kit' | 'torch after') => void;
}

export async function benchOptimizers(cases: readonly OptimizerCase[], options: OptimizerBenchOptions): Promise<OptimizerRow[]> {
  const reference = OPTIMIZER_CASES.find((c) => c.factory === REFERENCE_CASE)!;
  const ordered = [reference, ...cases.filter((c) => c !== reference)];
  const rows: OptimizerRow[] = [];
  let index = 0;
  const total = ordered.length * options.sizes.length;
  // One PyTorch process for the whole run: torch is imported once.
  const torch = options.torch ? new PythonWorker(options.python, SCRIPT, ['--serve', '--threads', '2']) : undefined;
  try {
    for (const size of options.sizes) {
      const specs = PARAM_SETS[size]!;
      let referenceMs: number | undefined;
      for (const c of ordered) {
        const torchTime = async (phase: 'torch before' | 'torch after') => {
          // The reference is timed for its ratio even when not shown; its torch column is not needed then.
          if (torch === undefined || (c === reference && !cases.includes(reference))) return undefined;
          options.onCase?.(index, total, c, size, phase);
          return torchUpdate(torch, c.torch, specs, options.seconds);
        };
        const before = await torchTime('torch before');
        options.onCase?.(index, total, c, size, 'kit');
        let kit: { medianMs: number } | { error: string };
        try {
          kit = timeKitUpdate(c, specs, options.seconds);
        } catch (e) {
          kit = { error: (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 200) };
        }
        const after = await torchTime('torch after');
        index += 1;
        if (c === reference && 'medianMs' in kit) referenceMs = kit.medianMs;
        const torchTimes = [before, after].flatMap((t) => (t !== undefined && 'medianMs' in t ? [t.medianMs] : []));
        const torchMs = torchTimes.length > 0 ? Math.min(...torchTimes) : undefined;
        const torchError = options.torch && torchMs === undefined ? [before, after].map((t) => (t && 'error' in t ? t.error : '')).find((e) => e) : undefined;
        const kitMs = 'medianMs' in kit ? kit.medianMs : undefined;
        if (c === reference && !cases.includes(reference)) continue;
        rows.push({
          optimizer: c.factory,
          about: c.about,
          size,
          params: paramCount(specs),
          ...(kitMs !== undefined ? { kitMs } : { error: (kit as { error: string }).error }),
          ...(torchMs !== undefined ? { torchMs } : {}),
          ...(kitMs !== undefined && torchMs !== undefined ? { ratioTorch: kitMs / torchMs } : {}),
          ...(kitMs !== undefined && referenceMs !== undefined ? { ratioKitAdam: kitMs / referenceMs } : {}),
          ...(torchError ? { torchError } : {}),
        });
      }
    }
  } finally {
    torch?.close();
  }
  return rows;
}
