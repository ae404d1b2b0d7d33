/**
 * The pace of a process on a workload's own fixed work: the fastest of a few forward
 * and backward passes of the model on one batch of 128, from its initial parameters,
 * off the clock.
 *
 * Why: on the 2-core development VM the same trial, seed and configuration run in
 * fresh processes settles into speeds up to 1.6× apart for its whole life (char_lm:
 * 9.8 to 17.5 s to the same target step), while the calibration in the runner's process
 * before and after it moves by a few per cent. The slowness belongs to the trial's
 * process, so it is measured there: the trial process times these passes after its
 * warm-up, before any submission code runs in it, and a trial whose process ran them
 * much slower than the fastest earlier trial process of the run did is flagged noisy
 * (identity/calibration.ts, PACE_TOLERANCE). A process can also slow down mid-trial, so
 * the trial process times a short sample of the same passes again at each eval, off the
 * clock, and a trial whose samples' median is much slower than the fastest start is
 * flagged too. The runner times the same passes with one meter per trial: before and
 * after it (for the record) and at each eval while the trial waits (run_isolated.ts).
 * In six fresh processes this pace (64–127 ms) ranked their time-to-target (9.8–17.5 s)
 * all but once.
 */
import { performance } from 'node:perf_hooks';
import type { PaceReading } from '../identity/calibration.ts';
import type { Workload } from '../spec.ts';
import { disposeAll } from './tensors.ts';
import { lossAndGrads } from './trial.ts';

/** At start: 3 to 8 timed passes, stopping once they have taken 300 ms (char_lm's pass is ~60 ms). */
export const START_PACE = { minPasses: 3, maxPasses: 8, budgetMs: 300 } as const;
/** At an eval: up to 3 passes within this long (one for char_lm, three for mnist_mlp's ~2 ms pass). */
const SAMPLE_BUDGET_MS = 30;
const SAMPLE_PASSES = 3;
const BATCH = 128;

/** The workload's fixed pass, ready to time again and again in this process; dispose() frees it. */
export interface PaceMeter {
  /** The fastest of `min..max` passes, stopping once `budgetMs` is spent. */
  time(minPasses: number, maxPasses: number, budgetMs: number): PaceReading;
  /** A short reading, for the evals of a trial: see SAMPLE_BUDGET_MS. */
  sample(): PaceReading;
  dispose(): void;
}

/** Prepares the workload's fixed pass (initial parameters of seed 0, the first 128 training examples); the training split must be loaded. */
export function paceMeter(workload: Workload): PaceMeter {
  const init = workload.initParams(0);
  const batch = workload.getBatch(Int32Array.from({ length: Math.min(BATCH, workload.trainSize) }, (_, i) => i));
  const pass = () => {
    const { loss, grads } = lossAndGrads(workload, init.params, batch);
    loss.dataSync();
    disposeAll([loss, grads]);
  };
  try {
    // One untimed pass: kernels and memory this process has not used yet.
    pass();
  } catch (err) {
    disposeAll([init.params, batch]);
    throw err;
  }
  const time = (minPasses: number, maxPasses: number, budgetMs: number): PaceReading => {
    const times: number[] = [];
    const start = performance.now();
    while (times.length < maxPasses && (times.length < minPasses || performance.now() - start < budgetMs)) {
      const t0 = performance.now();
      pass();
      times.push(performance.now() - t0);
    }
    return { fastestMs: Math.min(...times), passes: times.length };
  };
  return {
    time,
    sample: () => time(1, SAMPLE_PASSES, SAMPLE_BUDGET_MS),
    dispose: () => disposeAll([init.params, batch]),
  };
}
