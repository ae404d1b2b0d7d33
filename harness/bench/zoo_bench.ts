/**
 * `algobench bench --zoo`: each zoo model's Adam training step in TensorFlow.js on this
 * machine's backend, next to its PyTorch twin (harness/bench/zoo_torch.py, 2 threads)
 * timed just before and just after it — the faster of the two counts, so drift in a
 * shared machine's speed cannot flatter the ratio — as `bench --torch` does.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { AlgobenchError } from '../core/errors.ts';
import { median } from '../scoring/aggregate.ts';
import { PythonWorker } from './python_worker.ts';
import type { ZooModel } from './zoo/index.ts';

const SCRIPT = fileURLToPath(new URL('./zoo_torch.py', import.meta.url));
/** Steps before timing: the first ones compile, allocate and warm caches. */
const WARMUP_STEPS = 3;
const MIN_TIMED_STEPS = 5;

export interface ZooRow {
  readonly model: string;
  readonly about: string;
  readonly batch: number;
  readonly params: number;
  /** The twin's count; equal to `params` (a mismatch is refused) or absent without torch. */
  readonly torchParams?: number;
  /** Median tfjs step, ms. */
  readonly tfjsMs?: number;
  readonly tfjsSteps?: number;
  /** The faster of the twin's medians before and after. */
  readonly torchMs?: number;
  readonly ratio?: number;
  /** Why the tfjs step could not run (e.g. a kernel the backend lacks). */
  readonly error?: string;
  readonly torchError?: string;
}

export type ZooPhase = 'torch before' | 'tfjs' | 'torch after';

export interface ZooBenchOptions {
  readonly python: string;
  /** Seconds of each measured loop (tfjs, and each torch run). */
  readonly seconds: number;
  /** Time the PyTorch twins too (else tfjs only). */
  readonly torch: boolean;
  readonly onPhase?: (index: number, model: ZooModel, phase: ZooPhase) => void;
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

/** The twin's median Adam step from the serving twin process, or why there is none. */
async function twinStep(twins: PythonWorker, model: string, batch: number, seconds: number): Promise<{ medianMs: number } | { error: string }> {
  const reply = await twins.request({ model, batch, seconds });
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

/** Median of the model's training step over `seconds` after a warm-up. */
export async function timeZooStep(model: ZooModel, seconds: number): Promise<{ medianMs: number; steps: number }> {
  const instance = model.build();
  try {
    for (let i = 0; i < WARMUP_STEPS; i++) await instance.step();
    const times: number[] = [];
    const until = performance.now() + seconds * 1000;
    while (performance.now() < until || times.length < MIN_TIMED_STEPS) {
      const t0 = performance.now();
      const loss = await instance.step();
      times.push(performance.now() - t0);
      if (!Number.isFinite(loss)) throw new Error(`loss became ${loss}`);
    }
    return { medianMs: median(times), steps: times.length };
  } finally {
    instance.dispose();
  }
}

export async function benchZoo(models: readonly ZooModel[], options: ZooBenchOptions): Promise<ZooRow[]> {
  const counts = zooParamCounts(models);
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
      const withTorch = twinCounts !== undefined;
      if (withTorch) options.onPhase?.(index, m, 'torch before');
      const before = twins ? await twinStep(twins, m.name, m.batch, options.seconds) : undefined;
      options.onPhase?.(index, m, 'tfjs');
      let tfjs: { medianMs: number; steps: number } | { error: string };
      try {
        tfjs = await timeZooStep(m, options.seconds);
      } catch (e) {
        tfjs = { error: (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 200) };
      }
      // Whatever a failed step left behind must not slow the models after it.
      tf.disposeVariables();
      if (withTorch) options.onPhase?.(index, m, 'torch after');
      const after = twins ? await twinStep(twins, m.name, m.batch, options.seconds) : undefined;
      const torchTimes = [before, after].flatMap((t) => (t !== undefined && 'medianMs' in t ? [t.medianMs] : []));
      const torchMs = torchTimes.length > 0 ? Math.min(...torchTimes) : undefined;
      const torchError = !withTorch ? noTorch : torchMs === undefined ? [before, after].map((t) => (t && 'error' in t ? t.error : '')).find((e) => e) : undefined;
      const tfjsPart = 'error' in tfjs ? { error: tfjs.error } : { tfjsMs: tfjs.medianMs, tfjsSteps: tfjs.steps };
      const ratio = 'medianMs' in tfjs && torchMs !== undefined ? tfjs.medianMs / torchMs : undefined;
      rows.push({ ...base, ...tfjsPart, ...(torchMs !== undefined ? { torchMs } : {}), ...(ratio !== undefined ? { ratio } : {}), ...(torchError ? { torchError } : {}) });
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
