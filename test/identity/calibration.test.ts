/**
 * Noise flags: a trial is flagged when the fastest repeat of a calibration kernel
 * moved by more than 10 % between before and after (relative to the smaller reading),
 * when other processes took over 10 % of the CPUs, or when steal exceeded 2 %.
 * Thresholds are from the rule; the readings are made up, so nothing here depends on
 * this machine's speed — except the loaded run, whose load is made here and whose
 * flag does not depend on how fast anything ran.
 */
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../harness/backends/select.ts';
import { busyMark, busyWarning, CALIBRATION_REPEATS, calibrate, cpuMark, cpuSharesSince, measureNoise, noiseReasons, paceReasons } from '../../harness/identity/calibration.ts';

const quiet = { others: 0.02, steal: 0 };

// The backend trials run on (built-in wasm here): the calibration times it in a fraction of a second.
beforeAll(async () => {
  await selectBackend('auto');
});

describe('noise flags', () => {
  it('flags nothing on equal readings, nor on a steady calibration on a quiet machine', () => {
    const same = { matmulMs: 2, elementwiseMs: 3 };
    expect(noiseReasons(same, { ...same }, quiet)).toEqual([]);
    // 2 → 2.18 ms is 9 % of the smaller; 3 → 2.75 ms is 9.1 % of 2.75.
    expect(noiseReasons(same, { matmulMs: 2.18, elementwiseMs: 2.75 }, quiet)).toEqual([]);
  });

  it('flags a calibration that moved more than 10 %, either way', () => {
    // 2 → 2.3 ms is 15 % of the smaller; 3 → 2.6 ms is 15.4 % of 2.6.
    const reasons = noiseReasons({ matmulMs: 2, elementwiseMs: 3 }, { matmulMs: 2.3, elementwiseMs: 2.6 }, quiet);
    expect(reasons).toEqual(['matmul calibration moved 15 % (2.00 → 2.30 ms)', 'elementwise calibration moved 15 % (3.00 → 2.60 ms)']);
  });

  it("compares the fastest repeats: slow repeats after a trial (its garbage, a daemon's wake-up) that move the medians do not flag it", () => {
    // The medians moved 60 % and 75 %; the fastest repeats 2.5 % and 1.7 %: the machine can do what it did.
    const before = { matmulMs: 2, elementwiseMs: 3, matmulMedianMs: 2.2, elementwiseMedianMs: 3.2 };
    const after = { matmulMs: 2.05, elementwiseMs: 3.05, matmulMedianMs: 3.52, elementwiseMedianMs: 5.6 };
    expect(noiseReasons(before, after, quiet)).toEqual([]);
  });

  it('flags other processes over 10 % of the CPUs and steal over 2 %', () => {
    const steady = { matmulMs: 2, elementwiseMs: 3 };
    expect(noiseReasons(steady, steady, { others: 0.11, steal: 0 })).toEqual(['other processes used 11 % of the CPUs']);
    expect(noiseReasons(steady, steady, { others: 0, steal: 0.03 })).toEqual(['3.0 % CPU steal']);
    expect(noiseReasons(steady, steady, { others: 0.1, steal: 0.02 })).toEqual([]);
  });

  it("without eval samples, flags a trial whose own process ran the workload's step more than 20 % slower at start than the run's fastest trial process", () => {
    const runner = { before: { fastestMs: 50, passes: 8 }, after: { fastestMs: 40, passes: 8 } };
    // 130 ms against the fastest earlier trial process's 90 ms: 44 % slower. The runner's (warmer) pace plays no part.
    expect(paceReasons({ runner, trial: { fastestMs: 130, passes: 4 }, fastestTrialMs: 90 })).toEqual([
      "the trial's process ran the workload's step 44 % slower than the run's fastest trial process (130.0 vs 90.0 ms)",
    ]);
    // 107 ms against 90 ms is 18.9 %: within the tolerance; so is a trial faster than the reference.
    expect(paceReasons({ runner, trial: { fastestMs: 107, passes: 4 }, fastestTrialMs: 90 })).toEqual([]);
    expect(paceReasons({ runner, trial: { fastestMs: 60, passes: 8 }, fastestTrialMs: 90 })).toEqual([]);
    // The run's first trial process has no reference; no reading (ended at start-up); no pace (run in the runner's process).
    expect(paceReasons({ runner, trial: { fastestMs: 130, passes: 4 } })).toEqual([]);
    expect(paceReasons({ runner, fastestTrialMs: 90 })).toEqual([]);
    expect(paceReasons(undefined)).toEqual([]);
  });

  it('flags a trial whose process slowed during training: the median of its eval-time passes more than 20 % over the fastest start', () => {
    const runner = { before: { fastestMs: 50, passes: 8 }, after: { fastestMs: 40, passes: 8 } };
    // Started at 60 ms (the run's fastest earlier: 64), its evals' median 75 ms: 75/60 − 1 = 25 % over its own start.
    expect(paceReasons({ runner, trial: { fastestMs: 60, passes: 5 }, fastestTrialMs: 64, during: { medianMs: 75, samples: 7 } })).toEqual([
      "the trial's process slowed during training: the workload's step took 75.0 ms at its evals (median of 7), 25 % over 60.0 ms, the fastest start of the run's trial processes",
    ]);
    // The run's first trial process is held to its own start: 70 over 60 is 16.7 %, within the tolerance.
    expect(paceReasons({ runner, trial: { fastestMs: 60, passes: 5 }, during: { medianMs: 70, samples: 3 } })).toEqual([]);
    // Held to the faster of its start and the run's: 70 over 55 is 27 %; its start (60 vs 55, 9 %) passes.
    expect(paceReasons({ runner, trial: { fastestMs: 60, passes: 5 }, fastestTrialMs: 55, during: { medianMs: 70, samples: 3 } })).toEqual([
      "the trial's process slowed during training: the workload's step took 70.0 ms at its evals (median of 3), 27 % over 55.0 ms, the fastest start of the run's trial processes",
    ]);
    // With eval samples the start alone flags nothing: 90 at start against the run's 60 (50 %),
    // but 70 at the evals against min(90, 60) = 60 is 16.7 %: quiet. 100 at the evals is 67 %: flagged, once.
    expect(paceReasons({ runner, trial: { fastestMs: 90, passes: 4 }, fastestTrialMs: 60, during: { medianMs: 70, samples: 4 } })).toEqual([]);
    expect(paceReasons({ runner, trial: { fastestMs: 90, passes: 4 }, fastestTrialMs: 60, during: { medianMs: 100, samples: 4 } })).toEqual([
      "the trial's process slowed during training: the workload's step took 100.0 ms at its evals (median of 4), 67 % over 60.0 ms, the fastest start of the run's trial processes",
    ]);
  });

  it("flags a trial during which the runner's own eval-time passes ran more than 20 % slower than the run's fastest such median", () => {
    const runner = { before: { fastestMs: 50, passes: 8 }, after: { fastestMs: 40, passes: 8 } };
    // The runner timed 1.9 ms at this trial's evals; the fastest earlier trial's median was 1.5 ms: 1.9/1.5 − 1 = 26.7 %.
    expect(paceReasons({ runner, runnerDuring: { medianMs: 1.9, samples: 20 }, fastestRunnerDuringMs: 1.5 })).toEqual([
      "the machine was slow during the trial: the runner's passes of the workload's step took 1.9 ms at its evals (median of 20), 27 % over 1.5 ms, the fastest such median of the run's trials",
    ]);
    // 1.75 over 1.5 is 16.7 %: within the tolerance; the first trial of a run has no bar.
    expect(paceReasons({ runner, runnerDuring: { medianMs: 1.75, samples: 20 }, fastestRunnerDuringMs: 1.5 })).toEqual([]);
    expect(paceReasons({ runner, runnerDuring: { medianMs: 9, samples: 20 } })).toEqual([]);
    // It stands beside the trial process's own rule: both can speak for one trial (50/40 − 1 = 25 %; 75/60 − 1 = 25 %).
    expect(paceReasons({ runner, trial: { fastestMs: 60, passes: 5 }, during: { medianMs: 75, samples: 7 }, runnerDuring: { medianMs: 50, samples: 7 }, fastestRunnerDuringMs: 40 })).toHaveLength(2);
  });

  it("records the pace a wrapped trial reports, and flags it among the noise's reasons", async () => {
    const pace = { runner: { before: { fastestMs: 10, passes: 8 }, after: { fastestMs: 10, passes: 8 } }, trial: { fastestMs: 15, passes: 8 }, fastestTrialMs: 10 };
    const { noise } = await measureNoise(async () => ({ pace }), (v) => v.pace);
    expect(noise.pace).toEqual(pace);
    expect(noise.reasons).toContain("the trial's process ran the workload's step 50 % slower than the run's fastest trial process (15.0 vs 10.0 ms)");
  });

  it('measures positive calibration times, the fastest no slower than the median, and CPU shares within [0, 1]', () => {
    const c = calibrate();
    expect(c.matmulMs).toBeGreaterThan(0);
    expect(c.elementwiseMs).toBeGreaterThan(0);
    expect(c.matmulMs).toBeLessThanOrEqual(c.matmulMedianMs!);
    expect(c.elementwiseMs).toBeLessThanOrEqual(c.elementwiseMedianMs!);
    expect(c.repeats).toBeGreaterThanOrEqual(3);
    expect(c.repeats).toBeLessThanOrEqual(CALIBRATION_REPEATS);
    const shares = cpuSharesSince(cpuMark());
    if (shares !== null) {
      expect(shares.others).toBeGreaterThanOrEqual(0);
      expect(shares.steal).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('whose CPU time is whose', () => {
  it("counts an ended child's CPU time (a trial's own process) as this run's, not another process's", async () => {
    const { execFileSync } = await import('node:child_process');
    const before = cpuMark();
    if (before === null) return; // no /proc here: nothing to account
    // The child spins until it has used one second of CPU time, whatever the machine's speed.
    execFileSync(process.execPath, ['-e', 'while (process.cpuUsage().user < 1e6) {}']);
    const after = cpuMark()!;
    // /proc/stat ticks are 1/100 s: at least 90 of them are the child's.
    expect(after.self - before.self).toBeGreaterThanOrEqual(90);
    // The same in seconds, as a trial's cost record holds it.
    expect(cpuSharesSince(before)!.ownSec).toBeGreaterThanOrEqual(0.9);
  });
});

/** Spins in 50 ms slices, checking between them whether its parent is gone or its time is up. */
const SPINNER = `
  const end = Date.now() + 30_000;
  process.stdin.on('end', () => process.exit()).on('close', () => process.exit()).resume();
  const spin = () => { const t = Date.now() + 50; while (Date.now() < t) {} if (Date.now() < end) setImmediate(spin); else process.exit(); };
  spin();`;

describe('a loaded machine', () => {
  it('flags a trial during which, and after which, other processes keep every CPU busy', async () => {
    if (cpuMark() === null) return; // no /proc here: the CPU shares cannot be read
    // One spinning process per CPU starts with the trial and is still spinning through
    // the "after" calibration; ended once the noise record is made. Each also ends by
    // itself when this process goes (its stdin closes) or after 30 s: a test that
    // times out must not leave the machine loaded.
    const spinners = cpus().map(() => spawn(process.execPath, ['-e', SPINNER], { stdio: ['pipe', 'ignore', 'ignore'] }));
    try {
      const { noise } = await measureNoise(() => new Promise((resolve) => setTimeout(resolve, 1_000)));
      expect(noise.reasons.some((r) => /^other processes used \d+ % of the CPUs$/.test(r)), noise.reasons.join('; ')).toBe(true);
      expect(noise.cpu!.others).toBeGreaterThan(0.1);
      expect(noise.backend).toBe(tf.getBackend());
    } finally {
      // Reaped before the next test: an ended child's CPU time counts as this process's when it is reaped.
      await Promise.all(spinners.map((s) => new Promise((resolve) => (s.kill('SIGKILL'), s.once('exit', resolve)))));
    }
  });

  it("warns that the machine is busy over the whole sample since the run's mark, other processes' load before the call included", async () => {
    if (cpuMark() === null) return;
    const since = busyMark();
    // One process per CPU that spins for 0.8 s after the mark (as planning would take) and
    // ends by itself, not this process's child (the shell that starts it exits at once, and
    // init reaps it): another process's load, gone by the time the run asks.
    const spin = `${JSON.stringify(process.execPath)} -e 'const t = Date.now() + 800; while (Date.now() < t) {}' &`;
    spawn('sh', ['-c', cpus().map(() => spin).join(' ')], { stdio: 'ignore' });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const warning = await busyWarning(500, since);
    expect(warning).toMatch(/^the machine is busy: other processes use \d+ % of its \d+ CPUs/);
  });
});
