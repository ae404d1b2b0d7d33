/**
 * `algobench bench --zoo`: each zoo model's Adam training step in TensorFlow.js on this
 * machine's backend, next to its PyTorch twin (harness/bench/zoo_torch.py, 2 threads),
 * timed interleaved: both are built and warmed up once, then ROUNDS rounds each time the
 * twin and then the tfjs model for `seconds / ROUNDS` (A B A B …). Each side's figure is
 * its fastest round's median step, so a burst of load on a shared machine slows a
 * round, not the figure, and neither side gets a quieter stretch of time than the other;
 * each side's spread (slowest round median / fastest − 1) is reported with it, so a
 * swing shows instead of hiding in the ratio.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { AlgobenchError } from '../core/errors.ts';
import { median } from '../scoring/aggregate.ts';
import { PythonWorker } from './python_worker.ts';
import { fastestRound } from './rounds.ts';
import type { ZooInstance, ZooModel } from './zoo/index.ts';

const SCRIPT = fileURLToPath(new URL('./zoo_torch.py', import.meta.url));
/** Steps before timing: the first ones compile, allocate and warm caches. */
const WARMUP_STEPS = 3;
/** Steps each round times at least, on either side. */
const MIN_TIMED_STEPS = 5;
/** Rounds of (twin, tfjs) per model. */
export const ZOO_ROUNDS = 5;

export interface ZooRow {
  readonly model: string;
  readonly about: string;
  readonly batch: number;
  readonly params: number;
  /** The twin's count; equal to `params` (a mismatch is refused) or absent without torch. */
  readonly torchParams?: number;
  /** The fastest round's median tfjs step, ms. */
  readonly tfjsMs?: number;
  readonly tfjsSteps?: number;
  /** Slowest round median / fastest − 1, for the tfjs step. */
  readonly tfjsSpread?: number;
  /** The fastest round's median twin step, ms. */
  readonly torchMs?: number;
  readonly torchSpread?: number;
  readonly ratio?: number;
  /** Why the tfjs step could not run (e.g. a kernel the backend lacks). */
  readonly error?: string;
  readonly torchError?: string;
}

export type ZooPhase = 'torch' | 'tfjs';

export interface ZooBenchOptions {
  readonly python: string;
  /** Seconds each side is timed per model, over all its rounds. */
  readonly seconds: number;
  /** Time the PyTorch twins too (else tfjs only). */
  readonly torch: boolean;
  /** Rounds per model (default ZOO_ROUNDS). */
  readonly rounds?: number;
  readonly onPhase?: (index: number, model: ZooModel, phase: ZooPhase, round: number) => void;
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

function runTwin(python: string, args: string[], seconds: number): { ok: true; json: unknown } | { ok: false; error: string } {
  const out = spawnSync(python, [SCRIPT, ...args], { encoding: 'utf8', timeout: Math.max(120_000, seconds * 1000 * 20) });
  if (out.status !== 0) return { ok: false, error: (out.error?.message ?? (lastLine(out.stderr) || `exit ${out.status}`)).slice(0, 200) };
  return { ok: true, json: JSON.parse(out.stdout) };
}

/** Every twin's trainable parameter count, or why there are none (e.g. no torch). */
export function twinParamCounts(python: string): Record<string, number> | { error: string } {
  const out = runTwin(python, ['--count-only'], 30);
  return out.ok ? (out.json as Record<string, number>) : { error: out.error };
}

/** One round of the twin's Adam steps (going on with the twin of the last round when `keep`), or why there is none. */
async function twinRound(twins: PythonWorker, model: string, batch: number, seconds: number, keep: boolean): Promise<{ medianMs: number } | { error: string }> {
  const reply = await twins.request({ model, batch, seconds, keep });
  return reply.ok ? { medianMs: reply.value['median_ms'] as number } : { error: reply.error };
}

/** tfjs parameter count of each model (built and disposed; nothing trained). */
export function zooParamCounts(models: readonly ZooModel[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of models) {
    const instance = m.build();
    counts[m.name] = instance.paramCount;
    instance.dispose();
  }
  return counts;
}

/** A zoo model whose twin has another parameter count is not the same model: refuse it before timing anything. */
export function checkTwinCounts(tfjs: Record<string, number>, torch: Record<string, number>): void {
  const wrong = Object.entries(tfjs).filter(([name, n]) => torch[name] !== n);
  if (wrong.length === 0) return;
  const list = wrong.map(([name, n]) => `${name} (tfjs ${n}, torch ${torch[name] ?? 'no twin'})`).join(', ');
  throw new AlgobenchError('E_BENCH', `zoo models and their PyTorch twins must have the same parameter count; they differ for ${list}: fix the twin in harness/bench/zoo_torch.py or the model in harness/bench/zoo/`);
}

/** A zoo model built and warmed up, timed a round at a time. */
export class ZooTimer {
  private readonly instance: ZooInstance;
  steps = 0;

  constructor(model: ZooModel) {
    this.instance = model.build();
  }

  async warmUp(): Promise<void> {
    for (let i = 0; i < WARMUP_STEPS; i++) await this.instance.step();
  }

  /** Median step over one round of `seconds` (at least MIN_TIMED_STEPS steps). */
  async round(seconds: number): Promise<number> {
    const times: number[] = [];
    const until = performance.now() + seconds * 1000;
    while (performance.now() < until || times.length < MIN_TIMED_STEPS) {
      const t0 = performance.now();
      const loss = await this.instance.step();
      times.push(performance.now() - t0);
      if (!Number.isFinite(loss)) throw new Error(`loss became ${loss}`);
    }
    this.steps += times.length;
    return median(times);
  }

  dispose(): void {
    this.instance.dispose();
  }
}

/** Median of the model's training step over `seconds` after a warm-up (one round, no twin). */
export async function timeZooStep(model: ZooModel, seconds: number): Promise<{ medianMs: number; steps: number }> {
  const timer = new ZooTimer(model);
  try {
    await timer.warmUp();
    const medianMs = await timer.round(seconds);
    return { medianMs, steps: timer.steps };
  } finally {
    timer.dispose();
  }
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 200);

export async function benchZoo(models: readonly ZooModel[], options: ZooBenchOptions): Promise<ZooRow[]> {
  const counts = zooParamCounts(models);
  const rounds = options.rounds ?? ZOO_ROUNDS;
  let twinCounts: Record<string, number> | undefined;
  let noTorch: string | undefined;
  if (options.torch) {
    const counted = twinParamCounts(options.python);
    if ('error' in counted && typeof counted.error === 'string') noTorch = `no PyTorch twin: ${counted.error}`;
    else {
      twinCounts = counted as Record<string, number>;
      checkTwinCounts(counts, twinCounts);
    }
  }
  // One twin process for the whole run: torch is imported once.
  const twins = twinCounts === undefined ? undefined : new PythonWorker(options.python, SCRIPT, ['--serve', '--threads', '2']);
  const rows: ZooRow[] = [];
  try {
    for (const [index, m] of models.entries()) {
      const base = { model: m.name, about: m.about, batch: m.batch, params: counts[m.name]!, ...(twinCounts ? { torchParams: twinCounts[m.name]! } : {}) };
      const chunk = options.seconds / rounds;
      const tfjsRounds: number[] = [];
      const torchRounds: number[] = [];
      let tfjsError: string | undefined;
      let torchError: string | undefined;
      let timer: ZooTimer | undefined;
      try {
        timer = new ZooTimer(m);
        await timer.warmUp();
      } catch (e) {
        tfjsError = firstLine(e);
      }
      for (let r = 0; r < rounds; r++) {
        if (twins && torchError === undefined) {
          options.onPhase?.(index, m, 'torch', r);
          // The first round builds the twin and warms it up (3 steps) before timing.
          const t = await twinRound(twins, m.name, m.batch, chunk, r > 0);
          if ('medianMs' in t) torchRounds.push(t.medianMs);
          else torchError = t.error;
        }
        if (timer && tfjsError === undefined) {
          options.onPhase?.(index, m, 'tfjs', r);
          try {
            tfjsRounds.push(await timer.round(chunk));
          } catch (e) {
            tfjsError = firstLine(e);
          }
        }
      }
      timer?.dispose();
      // Whatever a failed step left behind must not slow the models after it.
      tf.disposeVariables();
      const tfjs = tfjsError === undefined ? fastestRound(tfjsRounds) : undefined;
      const torch = torchError === undefined ? fastestRound(torchRounds) : undefined;
      rows.push({
        ...base,
        ...(tfjs ? { tfjsMs: tfjs.ms, tfjsSteps: timer!.steps, tfjsSpread: tfjs.spread } : { error: tfjsError ?? 'not timed' }),
        ...(torch ? { torchMs: torch.ms, torchSpread: torch.spread } : {}),
        ...(tfjs && torch ? { ratio: tfjs.ms / torch.ms } : {}),
        ...(!twins ? (noTorch ? { torchError: noTorch } : {}) : torchError ? { torchError } : {}),
      });
    }
  } finally {
    twins?.close();
  }
  return rows;
}

/** Geometric mean of the ratios that were measured, or undefined with none. */
export function geometricMean(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  return Math.exp(values.reduce((s, v) => s + Math.log(v), 0) / values.length);
}
