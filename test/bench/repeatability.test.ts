/**
 * `bench --repeat` runs each repeat the way a scored trial runs: in a trial process of
 * its own, so no repeat inherits another's warm state, with the noise calibration
 * around it timing the trial's backend. The fixture submission fails any trial after
 * the first in its process, which makes inherited state visible as a status. Targets
 * any eval meets (accuracy ≥ 0) keep each repeat to a few steps. No timing is
 * asserted: only which process ran what, and that the report adds up.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, type BackendChoice } from '../../harness/backends/select.ts';
import { attemptUntilQuiet, repeatTrial, summarizeRepeats, type Repeat, type RepeatRow } from '../../harness/bench/repeatability.ts';
import { getWorkload } from '../../workloads/registry.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/submissions/one_trial_per_process/submission.ts', import.meta.url));
const REPEATS = 3;
let row: RepeatRow;
let backend: string;

beforeAll(async () => {
  backend = (await selectBackend('auto')).name;
  const workload = getWorkload('mnist_mlp');
  row = await repeatTrial(workload, { validation: 0, test: 0 }, { name: 'one_trial_per_process', modulePath: FIXTURE }, { lr: 0.05 }, {
    repeats: REPEATS, seed: 1, backend: backend as BackendChoice, budgetScale: 0.05,
  });
}, 240_000);

/** Sample CV the long way round: √(n/(n−1) · (E[x²] − E[x]²)) / E[x]. */
function cvOf(xs: readonly number[]): number {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const meanSq = xs.reduce((a, b) => a + b * b, 0) / n;
  return Math.sqrt((n / (n - 1)) * (meanSq - mean * mean)) / mean;
}

describe('bench --repeat', () => {
  it('runs every repeat in a trial process of its own, none of them this one', () => {
    const pids = row.repeats.map((r) => r.pid);
    expect(pids.every((p) => typeof p === 'number')).toBe(true);
    expect(new Set(pids).size).toBe(REPEATS);
    expect(pids).not.toContain(process.pid);
  });

  it('no repeat inherits another: each is the first trial of its process and meets the target at the same step', () => {
    expect(row.repeats.map((r) => [r.result.status, r.result.error ?? null])).toEqual(Array(REPEATS).fill(['reached', null]));
    expect(row.targetSteps).toHaveLength(1);
    expect(row.timesSec.every((t) => t !== null && t > 0)).toBe(true);
  });

  it("times the calibration on the trials' backend and reports its spread, the time-to-target CV and the flagged repeats", () => {
    for (const r of row.repeats) expect(r.noise.backend).toBe(backend);
    const readings = (kernel: 'matmulMs' | 'elementwiseMs') => row.repeats.flatMap((r) => [r.noise.before[kernel], r.noise.after[kernel]]);
    expect(row.calibrationCv.matmul).toBeCloseTo(cvOf(readings('matmulMs')), 10);
    expect(row.calibrationCv.elementwise).toBeCloseTo(cvOf(readings('elementwiseMs')), 10);
    // The CV is over the repeats not flagged noisy; the other CV over all of them.
    const quietTimes = row.repeats.filter((r) => r.noise.reasons.length === 0).map((r) => r.result.timeToTargetSec as number);
    expect(row.timesSec).toEqual(quietTimes);
    if (quietTimes.length >= 2) expect(row.cv).toBeCloseTo(cvOf(quietTimes), 10);
    else expect(row.cv).toBeNull();
    expect(row.cvAll).toBeCloseTo(cvOf(row.repeats.map((r) => r.result.timeToTargetSec as number)), 10);
    const flagged: Array<{ repeat: number; reasons: readonly string[] }> = [];
    row.repeats.forEach((r, i) => {
      if (r.noise.reasons.length > 0) flagged.push({ repeat: i + 1, reasons: r.noise.reasons });
    });
    expect(row.flagged).toEqual(flagged);
  });

  it("times the workload's step in each trial's process and in the runner's, and holds each to the fastest trial process of all", () => {
    const paces = row.repeats.map((r) => r.noise.pace!.trial!.fastestMs);
    for (const r of row.repeats) {
      const pace = r.noise.pace!;
      expect(pace.trial!.fastestMs).toBeGreaterThan(0);
      expect(pace.trial!.passes).toBeGreaterThanOrEqual(3);
      expect(pace.runner.before.fastestMs).toBeGreaterThan(0);
      expect(pace.runner.after.fastestMs).toBeGreaterThan(0);
      expect(pace.fastestTrialMs).toBe(Math.min(...paces));
      // Timed again at each of its evals (targets any eval meets: at least one eval).
      expect(pace.during?.samples).toBe(r.result.evals);
      expect(pace.during!.medianMs).toBeGreaterThan(0);
      // Judged by its eval-time median against the faster of its own start and the fastest start of all.
      const slow = pace.during!.medianMs > 1.2 * Math.min(pace.trial!.fastestMs, ...paces);
      expect(r.noise.reasons.some((x) => x.includes('slowed during training'))).toBe(slow);
    }
  });

  it("times the workload's step in the runner at each eval too, and holds each attempt to the fastest such median of all", () => {
    const medians = row.repeats.map((r) => r.noise.pace!.runnerDuring!.medianMs);
    for (const r of row.repeats) {
      const pace = r.noise.pace!;
      // One runner sample per eval the trial asked for, each a positive time.
      expect(pace.runnerDuring!.samples).toBe(r.result.evals);
      expect(pace.runnerDuring!.medianMs).toBeGreaterThan(0);
      expect(pace.fastestRunnerDuringMs).toBe(Math.min(...medians));
      const slow = pace.runnerDuring!.medianMs > 1.2 * Math.min(...medians);
      expect(r.noise.reasons.some((x) => x.includes('the machine was slow during the trial'))).toBe(slow);
    }
  });
});

describe('bench --repeat statistics', () => {
  const attempt = (timeToTargetSec: number | null, reasons: string[]): Repeat =>
    ({
      result: { status: timeToTargetSec === null ? 'budget_exhausted' : 'reached', timeToTargetSec, targetStep: timeToTargetSec === null ? null : 100 },
      noise: { before: { matmulMs: 2, elementwiseMs: 3 }, after: { matmulMs: 2, elementwiseMs: 3 }, loadAvg: [0, 0], cpu: null, reasons },
      wallSec: 1,
    }) as unknown as Repeat;

  it('reports the CV of the quiet attempts as the figure, and of every attempt beside it', () => {
    const row = summarizeRepeats([attempt(10, []), attempt(14, ['noisy']), attempt(11, []), attempt(12, [])], { workload: 'w', submission: 's', seed: 1, backend: 'wasm' });
    // Quiet: 10, 11, 12: mean 11, sample sd 1, CV 1/11. All: 10, 14, 11, 12: mean 11.75, sample sd √(8.75/3).
    expect(row.timesSec).toEqual([10, 11, 12]);
    expect(row.meanSec).toBeCloseTo(11, 12);
    expect(row.cv).toBeCloseTo(1 / 11, 12);
    expect(row.cvAll).toBeCloseTo(Math.sqrt(8.75 / 3) / 11.75, 12);
    expect(row.flagged).toEqual([{ repeat: 2, reasons: ['noisy'] }]);
    expect(row.targetSteps).toEqual([100]);
  });

  it("divides each time by the runner's eval-time pace for the CV at pace, over every attempt that reached, noisy ones included", () => {
    const at = (t: number | null, paceMs: number | undefined, reasons: string[] = []): Repeat => {
      const a = attempt(t, reasons);
      const pace = paceMs === undefined ? undefined : { runner: { before: { fastestMs: 1, passes: 3 }, after: { fastestMs: 1, passes: 3 } }, runnerDuring: { medianMs: paceMs, samples: 5 } };
      return { ...a, noise: { ...a.noise, ...(pace === undefined ? {} : { pace }) } } as Repeat;
    };
    // 10 s at 2 ms, 15 s at 3 ms (noisy), 12 s at 2 ms: ratios 5, 5, 6 (a miss and an attempt without a runner pace are left out).
    // Mean 16/3, sample sd √((1/9 + 1/9 + 4/9)/2) = √(1/3).
    const row = summarizeRepeats([at(10, 2), at(15, 3, ['noisy']), at(12, 2), at(null, 2), at(11, undefined)], { workload: 'w', submission: 's', seed: 1, backend: 'wasm' });
    expect(row.cvAtPace).toBeCloseTo(Math.sqrt(1 / 3) / (16 / 3), 12);
    // Raw, the same attempts (and the one without a pace) scatter much more: 10, 15, 12, 11.
    expect(row.cvAll).toBeGreaterThan(row.cvAtPace!);
    expect(summarizeRepeats([at(10, 2)], { workload: 'w', submission: 's', seed: 1, backend: 'wasm' }).cvAtPace).toBeNull();
  });

  describe('retries (bench --repeat N --retries M)', () => {
    // An attempt as it comes from its trial: quiet on its calibration, with the runner's
    // median pass at its evals. Whether it is slow is for the judgement against all.
    const timed = (runnerMs: number): Repeat => {
      const a = attempt(10, []);
      const pace = { runner: { before: { fastestMs: 1, passes: 3 }, after: { fastestMs: 1, passes: 3 } }, runnerDuring: { medianMs: runnerMs, samples: 5 } };
      return { ...a, noise: { ...a.noise, pace } } as Repeat;
    };
    const runAll = async (paces: number[], repeats: number, attempts: number) => {
      let asked = 0;
      const done = await attemptUntilQuiet(repeats, attempts, async (i) => {
        asked += 1;
        return timed(paces[i]!);
      });
      return { asked, quiet: done.filter((r) => r.noise.reasons.length === 0).length, done };
    };

    it('runs until N attempts are quiet against the fastest of all, and no further', async () => {
      // 10 ms, then 7 ms: the first is 43 % over the fastest (the bar is 20 %) and turns
      // noisy, so a third is run; 7.5 ms is within 20 % of 7: two quiet, stop.
      const { asked, quiet, done } = await runAll([10, 7, 7.5, 7, 7], 2, 5);
      expect(asked).toBe(3);
      expect(quiet).toBe(2);
      expect(done[0]!.noise.reasons.join()).toMatch(/the machine was slow during the trial/);
    });

    it('reports each attempt as the loop judged it: against every attempt so far', async () => {
      // 7 ms, then 10 ms: the second is 43 % over the first when it ends.
      const seen: Array<[number, number]> = [];
      await attemptUntilQuiet(2, 3, async (i) => timed([7, 10, 7.2][i]!), (i, r) => seen.push([i, r.noise.reasons.length]));
      expect(seen).toEqual([[0, 0], [1, 1], [2, 0]]);
    });

    it('stops at N + M attempts however noisy they are, and at N when all are quiet', async () => {
      expect((await runAll([10, 7, 12, 13, 14], 2, 4)).asked).toBe(4);
      expect((await runAll([7, 7.1, 7.2], 2, 3)).asked).toBe(2);
    });
  });

  it('leaves misses out of both CVs and has none from fewer than two times', () => {
    const row = summarizeRepeats([attempt(10, []), attempt(null, []), attempt(9, ['noisy'])], { workload: 'w', submission: 's', seed: 1, backend: 'wasm' });
    expect(row.timesSec).toEqual([10, null]);
    expect(row.cv).toBeNull();
    // All reached: 10 and 9: mean 9.5, sample sd √0.5.
    expect(row.cvAll).toBeCloseTo(Math.sqrt(0.5) / 9.5, 12);
    expect(row.targetSteps).toEqual([100, null]);
  });
});
