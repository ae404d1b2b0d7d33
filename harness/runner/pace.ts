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
 * (identity/calibration.ts, PACE_TOLERANCE). The runner times the same passes before
 * and after, for the record. In six fresh processes this pace (64–127 ms) ranked their
 * time-to-target (9.8–17.5 s) all but once.
 */
import { performance } from 'node:perf_hooks';
import type { PaceReading } from '../identity/calibration.ts';
import type { Workload } from '../spec.ts';
import { disposeAll } from './tensors.ts';
import { lossAndGrads } from './trial.ts';

/** At most this many timed passes, and at least MIN_PASSES. */
const MAX_PASSES = 8;
const MIN_PASSES = 3;
/** Timed passes stop once they have taken this long (char_lm's pass is ~70 ms). */
const BUDGET_MS = 300;
const BATCH = 128;

/** Times the workload's training pass in this process; the workload's training split must be loaded. */
export function timePace(workload: Workload): PaceReading {
  const init = workload.initParams(0);
  const batch = workload.getBatch(Int32Array.from({ length: Math.min(BATCH, workload.trainSize) }, (_, i) => i));
  const times: number[] = [];
  try {
    // One untimed pass: kernels and memory this process has not used yet.
    const pass = () => {
      const { loss, grads } = lossAndGrads(workload, init.params, batch);
      loss.dataSync();
      disposeAll([loss, grads]);
    };
    pass();
    const start = performance.now();
    while (times.length < MAX_PASSES && (times.length < MIN_PASSES || performance.now() - start < BUDGET_MS)) {
      const t0 = performance.now();
      pass();
      times.push(performance.now() - t0);
    }
  } finally {
    disposeAll([init.params, batch]);
  }
  return { fastestMs: Math.min(...times), passes: times.length };
}
