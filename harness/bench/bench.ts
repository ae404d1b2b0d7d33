/**
 * `algobench bench`: per workload, how long a training step and an eval take on this
 * machine's backend, and what the harness adds to a step. The step is the reference
 * baseline's (AdamW from the kit); the "bare loop" runs exactly that step — batch
 * assembly, loss and gradients, update, backend sync — with nothing around it, and
 * the runner's step is timed between consecutive steps of a real trial.
 */
import { formatWorkloadRef } from '../core/workload_ref.ts';
import * as tf from '@tensorflow/tfjs';
import { Bench } from 'tinybench';
import { createRng, deriveSeed } from '../core/rng.ts';
import { EpochShuffler } from '../runner/default_selector.ts';
import { realClock } from '../runner/clock.ts';
import { disposeAll, disposeReplaced, tidyStep } from '../runner/tensors.ts';
import { noEvalSchedule } from '../runner/eval_schedule.ts';
import { lossAndGrads, runTrial } from '../runner/trial.ts';
import { workloadInfo } from '../runner/workload_info.ts';
import type { OptState, Submission, TensorMap, Workload } from '../spec.ts';
import { median } from '../scoring/aggregate.ts';

export interface BenchRow {
  readonly workload: string;
  readonly batchSize: number;
  /** Median of the bare training step, ms. */
  readonly stepMs: number;
  /** Median of one eval (validation and test splits), ms. */
  readonly evalMs: number;
  /** Median time between consecutive steps of a real trial, ms. */
  readonly runnerStepMs: number;
  /** Median time between consecutive steps of the bare loop, ms (same blocks). */
  readonly bareStepMs: number;
  /** (runner − bare) / bare in percent: the median over alternating rounds. */
  readonly overheadPct: number;
  readonly steps: number;
}

export interface BenchOptions {
  /** Milliseconds tinybench spends on each measured task. @default 3000 */
  readonly timeMs?: number;
  /** Seconds of each bare and each runner block of the overhead measurement. @default 1.5 */
  readonly runnerSec?: number;
  /** Rounds of (bare, runner) blocks. @default 6 */
  readonly rounds?: number;
}


/** The bare step: what the runner does per step, minus the runner. */
function bareStepper(workload: Workload, submission: Submission, batchSize: number) {
  const init = workload.initParams(1);
  const info = workloadInfo(workload, init);
  const hparams = Object.freeze({});
  let params: TensorMap = init.params;
  let state: OptState = tf.tidy(() => submission.init({ params, workload: info, hparams, rng: createRng(1) }));
  const shuffler = new EpochShuffler(workload.trainSize, deriveSeed(1, 'data'));
  let step = 0;
  const run = () => {
    const batch = workload.getBatch(shuffler.next(batchSize));
    let loss: tf.Scalar | undefined;
    const result = tidyStep(() =>
      submission.update({
        params, state, batch, step, hparams, rng: createRng(step), workload: info, elapsedSec: 0, evals: [],
        lossAndGrads: (at?: TensorMap) => {
          const out = lossAndGrads(workload, at ?? params, batch);
          loss ??= tf.keep(out.loss.clone());
          return out;
        },
      }),
    );
    loss?.dataSync();
    loss?.dispose();
    disposeAll(batch);
    disposeReplaced({ params, state }, result);
    params = result.params;
    state = result.state;
    step += 1;
  };
  const dispose = () => disposeAll([params, state]);
  return { run, params: () => params, dispose };
}

/** The batch size the submission picks for the workload (self-tuning defaults). */
export function benchBatchSize(workload: Workload, submission: Submission): number {
  const probe = workload.initParams(0);
  try {
    return submission.getBatchSize(workloadInfo(workload, probe), {});
  } finally {
    disposeAll(probe.params);
  }
}

export async function benchWorkload(workload: Workload, submission: Submission, options: BenchOptions = {}): Promise<BenchRow> {
  await workload.load();
  const batchSize = benchBatchSize(workload, submission);

  const bare = bareStepper(workload, submission, batchSize);
  const bench = new Bench({ time: options.timeMs ?? 3000, warmupIterations: 5, iterations: 10 });
  bench.add('step', bare.run);
  bench.add('eval', () => {
    workload.evaluate(bare.params(), 'validation');
    workload.evaluate(bare.params(), 'test');
  });
  await bench.run();
  bare.dispose();
  const [stepTask, evalTask] = bench.tasks;
  const stepMs = stepTask?.result?.latency?.p50 ?? Number.NaN;
  const evalMs = evalTask?.result?.latency?.p50 ?? Number.NaN;

  // Overhead: the bare step and the same step inside a real trial, timed the same way
  // (median gap between consecutive steps) in alternating blocks, bare first in even
  // rounds and runner first in odd ones, so that drift in the machine's speed hits
  // both alike; the overhead is the median over rounds of the per-round difference.
  const runnerSec = options.runnerSec ?? 1.5;
  const rounds = options.rounds ?? 6;
  const bareGaps: number[] = [];
  const runnerGaps: number[] = [];
  const perRound: number[] = [];
  let steps = 0;
  for (let round = 0; round < rounds; round++) {
    let bareRound: number[] = [];
    let runnerRound: number[] = [];
    for (const which of round % 2 === 0 ? ['bare', 'runner'] : ['runner', 'bare']) {
      if (which === 'bare') {
        bareRound = await bareGapsOf(workload, submission, batchSize, runnerSec);
      } else {
        const trial = await runnerGapsOf(workload, submission, runnerSec);
        runnerRound = trial.gaps;
        steps += trial.steps;
      }
    }
    bareGaps.push(...bareRound);
    runnerGaps.push(...runnerRound);
    perRound.push((median(runnerRound) - median(bareRound)) / median(bareRound));
  }
  const bareMs = median(bareGaps);
  const runnerStepMs = median(runnerGaps);
  return {
    workload: formatWorkloadRef(workload),
    batchSize,
    stepMs,
    evalMs,
    runnerStepMs,
    bareStepMs: bareMs,
    overheadPct: median(perRound) * 100,
    steps,
  };
}

/** Gaps between consecutive bare steps over `seconds` (the first few warm caches up). */
async function bareGapsOf(workload: Workload, submission: Submission, batchSize: number, seconds: number): Promise<number[]> {
  const block = bareStepper(workload, submission, batchSize);
  const gaps: number[] = [];
  let last = performance.now();
  const until = last + seconds * 1000;
  for (let i = 0; performance.now() < until; i++) {
    // The runner yields to the event loop between steps (so Ctrl-C can land); the
    // bare loop does too, or it would measure the cost of never yielding.
    await new Promise<void>((resolve) => setImmediate(resolve));
    block.run();
    const now = performance.now();
    if (i >= 3) gaps.push(now - last);
    last = now;
  }
  block.dispose();
  return gaps;
}

/** Gaps between consecutive steps of a real trial (evals only at the end, target out of reach). */
async function runnerGapsOf(workload: Workload, submission: Submission, seconds: number): Promise<{ gaps: number[]; steps: number }> {
  const timed: Workload = { ...workload, budget: { ...workload.budget, maxRuntimeSec: seconds } };
  const unreachable = workload.metric.direction === 'max' ? Infinity : -Infinity;
  const stamps: number[] = [];
  const result = await runTrial(
    { workload: timed, targets: { validation: unreachable, test: unreachable }, submission, hparams: {}, seed: 1, budgetScale: 1, evalSchedule: noEvalSchedule },
    { clock: realClock, observer: { onStep: () => stamps.push(performance.now()) } },
  );
  if (result.status === 'error') throw new Error(`bench of ${workload.name}: ${result.error}`);
  // The first few steps warm caches up; the last one is followed by the final eval.
  return { gaps: stamps.slice(4).map((t, i) => t - stamps[i + 3]!), steps: result.steps };
}
