/**
 * The replay's counting on a hand-made corpus of three trials whose figures were
 * worked out by hand (budget 10 s, target accuracy 0.95, evals every 0.5 s, the
 * saver's minimum share 20 %, so its first chance to stop is the eval at 2 s):
 * - A, a miss: accuracy flat at 0.50 for the whole budget (spent 10 s). Its gap is 10×
 *   the target's: P(reach) is vanishingly small (< 1e-6) from the first chance, so any
 *   threshold here stops it at 2 s, saving 8 s.
 * - B, a hit: gap 0.1/√t, accuracy 0.951 at 4 s where it stops (spent 4 s). Its
 *   extrapolation passes the target before the budget: P > 0.6 at every eval, so no
 *   threshold here stops it.
 * - C, a hit: flat at 0.945 (a gap just 1.1× the target's) until it jumps to 0.96 at
 *   5 s (spent 5 s). A flat curve 10 % short of the target with 0.5-8× the budget left
 *   to extrapolate: 0.2 < P < 0.5, so a threshold of 0.6 stops it at 2 s (a wrong stop,
 *   3 s "saved"), one of 1e-6 never does.
 * Threshold 0.6: stopped A and C, saved 8 + 3 = 11 of 10 + 4 + 5 = 19 s; 1 wrong stop
 * of 2 reached. Threshold 1e-6: stopped A only, saved 8 of 19 s; no wrong stop.
 */
import { describe, expect, it } from 'vitest';
import type { CurveTrial } from '../../harness/saver/corpus.ts';
import { calibrate, crossValidate, replayCorpus } from '../../harness/saver/replay.ts';

function trial(name: string, workload: string, status: string, spent: number, value: (t: number) => number): CurveTrial {
  const evals: Array<[number, number, number]> = [];
  for (let k = 1; k * 0.5 <= spent + 1e-9; k++) evals.push([k * 10, k * 0.5, value(k * 0.5)]);
  return {
    workload, variant: 'base', submission: name, study: 0, trial: 0, seed: 1, hparams: {}, budgetSec: 10, metric: 'accuracy',
    direction: 'max', target: 0.95, status, timeToTargetSec: status === 'reached' ? spent : null, submissionTimeSec: spent, evals,
  };
}

const A = trial('a', 'x', 'budget_exhausted', 10, () => 0.5);
const B = trial('b', 'y', 'reached', 4, (t) => (t >= 4 ? 0.951 : 1 - 0.1 / Math.sqrt(t)));
const C = trial('c', 'y', 'reached', 5, (t) => (t >= 5 ? 0.96 : 0.945));
const CORPUS = [A, B, C];
const MIN_FRACTION = 0.2;
/** The model's spread floor for this corpus (the worked figures above assume 0.1). */
const FLOOR = 0.1;

describe('replayCorpus counts compute saved and wrong stops', () => {
  it('threshold 0.6: A and C stopped at 2 s, 11 of 19 s saved, 1 wrong stop of 2 reached', () => {
    expect(replayCorpus(CORPUS, { threshold: 0.6, minFraction: MIN_FRACTION, sigmaFloor: FLOOR })).toEqual({
      trials: 3, reached: 2, stopped: 2, wrongStops: 1, spentSec: 19, savedSec: 11, savedShare: 11 / 19, wrongStopShare: 0.5,
    });
  });

  it('threshold 1e-6: only A stopped, 8 of 19 s saved, no wrong stop', () => {
    expect(replayCorpus(CORPUS, { threshold: 1e-6, minFraction: MIN_FRACTION, sigmaFloor: FLOOR })).toEqual({
      trials: 3, reached: 2, stopped: 1, wrongStops: 0, spentSec: 19, savedSec: 8, savedShare: 8 / 19, wrongStopShare: 0,
    });
  });
});

describe('calibration and leave-one-out', () => {
  it('picks the threshold that saves most within the wrong-stop limit', () => {
    // 0.6 saves more (11 s) but makes 50 % wrong stops: over a 2 % limit, under a 60 % one.
    expect(calibrate(CORPUS, MIN_FRACTION, [1e-6, 0.6], 0.02, [FLOOR])).toEqual({ threshold: 1e-6, sigmaFloor: FLOOR });
    expect(calibrate(CORPUS, MIN_FRACTION, [1e-6, 0.6], 0.6, [FLOOR])).toEqual({ threshold: 0.6, sigmaFloor: FLOOR });
  });

  it('chooses the spread floor with the threshold: the one that lets it stop a smooth near miss', () => {
    // D, a miss: accuracy flat at 1 − 1.05·0.05 for the whole budget (a gap 5 % over the
    // target's, no noise). With floor 0.1 the spread is ≥ 0.1 and z ≥ ln(1/1.05)/0.1·k⁻¹
    // ≥ −0.49 (k ≥ 1), so P ≥ 0.31 at every eval: never under 0.05. With floor 0.01,
    // z = −4.88/k, and late in the budget k ≈ 1.2: P ~ 1e-4, so it is stopped before the
    // end and saves compute; B (a hit, on course) is stopped by neither.
    const D = trial('d', 'x', 'budget_exhausted', 10, () => 1 - 1.05 * 0.05);
    expect(calibrate([D, B], MIN_FRACTION, [0.05], 0.02, [0.1, 0.01])).toEqual({ threshold: 0.05, sigmaFloor: 0.01 });
    expect(replayCorpus([D, B], { threshold: 0.05, minFraction: MIN_FRACTION, sigmaFloor: 0.1 }).stopped).toBe(0);
  });

  it('leave one workload out: each workload is replayed with the threshold calibrated on the other', () => {
    const cv = crossValidate(CORPUS, 'workload', MIN_FRACTION, [1e-6, 0.6], 0.02, [FLOOR]);
    // Held out x (A): on y (B, C) 1e-6 saves nothing and makes no wrong stop, 0.6 makes one: 1e-6; A is stopped, 8 of 10 s saved.
    // Held out y (B, C): on x (A) both save 8 s: the smaller, 1e-6; B and C run on.
    expect(cv.groups.map((g) => [g.group, g.threshold, g.figures.savedSec, g.figures.wrongStops])).toEqual([
      ['x', 1e-6, 8, 0],
      ['y', 1e-6, 0, 0],
    ]);
    expect(cv.pooled).toMatchObject({ trials: 3, reached: 2, stopped: 1, wrongStops: 0, spentSec: 19, savedSec: 8 });
  });

  it('calibrates each fold on the other workloads only, never on the one it reports', () => {
    // With a 60 % limit: held out x (A), calibrated on y (B, C), where 0.6 saves 3 of 9 s at 50 % wrong stops: 0.6.
    // Held out y, calibrated on x (A), where both save 8 s: 1e-6, so C runs on. Calibrated on y itself, C would be stopped.
    const cv = crossValidate(CORPUS, 'workload', MIN_FRACTION, [1e-6, 0.6], 0.6, [FLOOR]);
    expect(cv.groups.map((g) => [g.group, g.threshold, g.figures.savedSec, g.figures.wrongStops])).toEqual([
      ['x', 0.6, 8, 0],
      ['y', 1e-6, 0, 0],
    ]);
  });
});
