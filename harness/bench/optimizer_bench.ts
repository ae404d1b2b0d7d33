/**
 * `algobench bench --optimizers`: what one update of each kit optimizer costs (its
 * `updateAndApply`, as defineSubmission steps it: the update and the new parameters,
 * in one pass where the last work is an elementwise program) on 1M and 10M float32
 * parameters fed fixed random gradients — gradient computation is not timed — next to
 * PyTorch's foreach implementation of the same rule (harness/bench/optimizers_torch.py,
 * 2 threads) and to the kit's fused AdamW. Kit and PyTorch are timed interleaved, in
 * OPTIMIZER_ROUNDS rounds (PyTorch, kit, PyTorch, kit, …) on parameters that each side
 * keeps between its rounds; each side's figure is its fastest round's median update,
 * with the spread of its round medians (as bench --zoo does). A rule whose work repeats
 * over a period (Shampoo's roots every 100 steps) is timed over whole periods and its
 * figure is the mean update, on both sides: the periodic work counts, amortized, as in
 * a trial's time-to-target.
 */
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { type UpdateInfo, updateAndApply } from '../../submissions/kit/transform.ts';
import type { OptState, ParamTypes, TensorMap } from '../spec.ts';
import { median } from '../scoring/aggregate.ts';
import { PythonWorker } from './python_worker.ts';
import { fastestRound } from './rounds.ts';
import { OPTIMIZER_CASES, REFERENCE_CASE, type OptimizerCase } from './optimizer_cases.ts';

const SCRIPT = fileURLToPath(new URL('./optimizers_torch.py', import.meta.url));
// A slow update (seconds at 10M before it was fused) is still timed a few times, and a
// run of every case on both sizes stays within a few minutes: 2 + 3 updates at least.
const WARMUP_UPDATES = 2;
const MIN_TIMED_UPDATES = 3;
/** Seconds each side (kit, PyTorch) is timed per case and size, over all its rounds. */
export const DEFAULT_OPTIMIZER_SECONDS = 1;
/** Rounds of (PyTorch, kit, kit AdamW) per case and size: five, as bench --zoo has, so that the fastest round sheds a burst of the host lasting a round or two (with three, one 1M run here had spreads up to 125 %). */
export const OPTIMIZER_ROUNDS = 5;

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
  /** The fastest round's median update (mean over whole periods for a rule with a period), ms, and the spread of the round figures (slowest / fastest − 1). */
  readonly kitMs?: number;
  readonly kitSpread?: number;
  readonly torchMs?: number;
  readonly torchSpread?: number;
  /** kit / torch */
  readonly ratioTorch?: number;
  /**
   * kit / the kit's AdamW on the same parameters, AdamW timed in the same rounds
   * (torch, kit, AdamW, each round): a ratio measured side by side, so a machine that
   * speeds up or slows down between rows moves both sides of it.
   */
  readonly ratioKitAdam?: number;
  readonly error?: string;
  readonly torchError?: string;
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 200);

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

/** One kit optimizer on fresh parameters and fixed random gradients, warmed up, timed a round at a time. */
export class KitUpdates {
  private params: TensorMap;
  private state: OptState;
  private readonly grads: TensorMap;
  private readonly smallest: string;
  private readonly first: Float32Array;
  private readonly update: () => void;
  updates = 0;

  constructor(c: OptimizerCase, specs: readonly ParamSpec[]) {
    const types: ParamTypes = Object.fromEntries(specs.map((s) => [s.name, s.type]));
    this.params = Object.fromEntries(specs.map((s, i) => [s.name, tf.randomNormal([...s.shape], 0, 0.02, 'float32', i + 1)]));
    const grads: TensorMap = Object.fromEntries(specs.map((s, i) => [s.name, tf.randomNormal([...s.shape], 0, 1e-3, 'float32', 100 + i)]));
    this.grads = grads;
    // SAM asks for the gradient at its perturbed point: the same fixed gradients, so no forward or backward pass is timed.
    const info: UpdateInfo = { types, gradAt: () => grads };
    const optimizer = c.make();
    this.state = tf.tidy(() => optimizer.init(this.params));
    this.smallest = specs.reduce((a, b) => (paramCount([a]) <= paramCount([b]) ? a : b)).name;
    this.update = () => {
      const next = tf.tidy(() => {
        // Donated, as defineSubmission donates them under the harness: the old params and
        // state are disposed below (those the result does not hold) and read no more.
        const out = updateAndApply(optimizer, grads, this.state, this.params, info, true);
        return { params: out.params, state: out.state };
      });
      disposeReplaced({ params: this.params, state: this.state } as unknown as tf.TensorContainer, next as unknown as tf.TensorContainer);
      this.params = next.params;
      this.state = next.state;
      // Backends that queue work finish it here; the wasm backend already has.
      this.params[this.smallest]!.dataSync();
    };
    this.first = (this.params[this.smallest]!.dataSync() as Float32Array).slice();
  }

  warmUp(): void {
    for (let i = 0; i < WARMUP_UPDATES; i++) this.update();
  }

  /**
   * One round of `seconds` (at least minUpdates updates): the median update; with a
   * `period` (OptimizerCase.period), whole periods only and their mean update, so the
   * periodic work is in it once per period whatever step the round starts at.
   */
  round(seconds: number, minUpdates = MIN_TIMED_UPDATES, period = 1): number {
    const times: number[] = [];
    const until = performance.now() + seconds * 1000;
    while (performance.now() < until || times.length < minUpdates || times.length % period !== 0) {
      const t0 = performance.now();
      this.update();
      times.push(performance.now() - t0);
    }
    this.updates += times.length;
    return period > 1 ? times.reduce((a, b) => a + b, 0) / times.length : median(times);
  }

  /** Whether the rule reached the parameters at all: a bench of a no-op would flatter it. */
  moved(): boolean {
    const last = this.params[this.smallest]!.dataSync();
    return last.some((v, i) => v !== this.first[i]);
  }

  dispose(): void {
    tf.dispose([this.params as unknown as tf.TensorContainer, this.state as tf.TensorContainer, this.grads as unknown as tf.TensorContainer]);
  }
}

/** Median update of one kit optimizer on fresh parameters and fixed random gradients (one round, no PyTorch). */
export function timeKitUpdate(c: OptimizerCase, specs: readonly ParamSpec[], seconds: number, minUpdates = MIN_TIMED_UPDATES): { medianMs: number; updates: number; moved: boolean } {
  const kit = new KitUpdates(c, specs);
  try {
    kit.warmUp();
    const medianMs = kit.round(seconds, minUpdates);
    return { medianMs, updates: kit.updates, moved: kit.moved() };
  } finally {
    kit.dispose();
  }
}

/**
 * One round of the same rule's updates in the serving PyTorch process (going on from the
 * last round when `keep`): its median update, or with a period its mean over whole
 * periods (as KitUpdates.round); or why there is none.
 */
async function torchRound(torch: PythonWorker, rule: string, specs: readonly ParamSpec[], seconds: number, keep: boolean, period: number): Promise<{ ms: number } | { error: string }> {
  const reply = await torch.request({ rule, shapes: specs.map((s) => s.shape), seconds, keep, period });
  if (!reply.ok) return { error: reply.error };
  return { ms: (period > 1 ? reply.value['mean_ms'] : reply.value['median_ms']) as number };
}

export interface OptimizerBenchOptions {
  readonly python: string;
  readonly seconds: number;
  readonly torch: boolean;
  readonly sizes: readonly string[];
  /** Rounds per case and size (default OPTIMIZER_ROUNDS). */
  readonly rounds?: number;
  readonly onCase?: (index: number, total: number, c: OptimizerCase, size: string, phase: 'torch' | 'kit', round: number) => void;
}

export async function benchOptimizers(cases: readonly OptimizerCase[], options: OptimizerBenchOptions): Promise<OptimizerRow[]> {
  const reference = OPTIMIZER_CASES.find((c) => c.factory === REFERENCE_CASE)!;
  const ordered = [reference, ...cases.filter((c) => c !== reference)];
  const rows: OptimizerRow[] = [];
  let index = 0;
  const total = ordered.length * options.sizes.length;
  const rounds = options.rounds ?? OPTIMIZER_ROUNDS;
  const chunk = options.seconds / rounds;
  // One PyTorch process for the whole run: torch is imported once.
  const torch = options.torch ? new PythonWorker(options.python, SCRIPT, ['--serve', '--threads', '2']) : undefined;
  try {
    for (const size of options.sizes) {
      const specs = PARAM_SETS[size]!;
      let referenceMs: number | undefined;
      for (const c of ordered) {
        // The reference is timed for its ratio even when not shown; its torch column is not needed then.
        const withTorch = torch !== undefined && !(c === reference && !cases.includes(reference));
        const kitRounds: number[] = [];
        const torchRounds: number[] = [];
        let kitError: string | undefined;
        let torchError: string | undefined;
        let kit: KitUpdates | undefined;
        // AdamW beside every other rule, in the same rounds (see ratioKitAdam).
        let beside: KitUpdates | undefined;
        const besideRounds: number[] = [];
        try {
          kit = new KitUpdates(c, specs);
          kit.warmUp();
          if (c !== reference) {
            beside = new KitUpdates(reference, specs);
            beside.warmUp();
          }
        } catch (e) {
          kitError = firstLine(e);
        }
        for (let r = 0; r < rounds; r++) {
          if (torch !== undefined && withTorch && torchError === undefined) {
            options.onCase?.(index, total, c, size, 'torch', r);
            const t = await torchRound(torch, c.torch, specs, chunk, r > 0, c.period ?? 1);
            if ('ms' in t) torchRounds.push(t.ms);
            else torchError = t.error;
          }
          if (kit && kitError === undefined) {
            options.onCase?.(index, total, c, size, 'kit', r);
            try {
              kitRounds.push(kit.round(chunk, MIN_TIMED_UPDATES, c.period ?? 1));
            } catch (e) {
              kitError = firstLine(e);
            }
          }
          if (beside && kitError === undefined) besideRounds.push(beside.round(chunk));
        }
        kit?.dispose();
        beside?.dispose();
        index += 1;
        const kitFigure = kitError === undefined ? fastestRound(kitRounds) : undefined;
        const torchFigure = torchError === undefined ? fastestRound(torchRounds) : undefined;
        if (c === reference && kitFigure) referenceMs = kitFigure.ms;
        const besideMs = c === reference ? referenceMs : fastestRound(besideRounds)?.ms;
        const kitMs = kitFigure?.ms;
        const torchMs = torchFigure?.ms;
        if (c === reference && !cases.includes(reference)) continue;
        rows.push({
          optimizer: c.factory,
          about: c.about,
          size,
          params: paramCount(specs),
          ...(kitFigure ? { kitMs: kitFigure.ms, kitSpread: kitFigure.spread } : { error: kitError ?? 'not timed' }),
          ...(torchFigure ? { torchMs: torchFigure.ms, torchSpread: torchFigure.spread } : {}),
          ...(kitMs !== undefined && torchMs !== undefined ? { ratioTorch: kitMs / torchMs } : {}),
          ...(kitMs !== undefined && besideMs !== undefined ? { ratioKitAdam: kitMs / besideMs } : {}),
          ...(torchError ? { torchError } : {}),
        });
      }
    }
  } finally {
    torch?.close();
  }
  return rows;
}
