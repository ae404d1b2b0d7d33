/**
 * Noise flags: a trial is flagged when its calibration moved by more than 15 % between
 * before and after (relative to the smaller reading), when other processes took over
 * 10 % of the CPUs, or when steal exceeded 2 %. Thresholds are from the rule; the
 * readings are made up, so nothing here depends on this machine's speed.
 */
import { describe, expect, it } from 'vitest';
import { calibrate, cpuMark, cpuSharesSince, noiseReasons } from '../../harness/identity/calibration.ts';

const quiet = { others: 0.02, steal: 0 };

describe('noise flags', () => {
  it('flags nothing on a steady calibration on a quiet machine', () => {
    expect(noiseReasons({ matmulMs: 2, elementwiseMs: 3 }, { matmulMs: 2.2, elementwiseMs: 2.7 }, quiet)).toEqual([]);
  });

  it('flags a calibration that moved more than 15 %, either way', () => {
    // 2 → 2.4 ms is 20 % of the smaller; 3 → 2.5 ms is 20 % of 2.5.
    const reasons = noiseReasons({ matmulMs: 2, elementwiseMs: 3 }, { matmulMs: 2.4, elementwiseMs: 2.5 }, quiet);
    expect(reasons).toEqual(['matmul calibration moved 20 % (2.00 → 2.40 ms)', 'elementwise calibration moved 20 % (3.00 → 2.50 ms)']);
  });

  it('flags other processes over 10 % of the CPUs and steal over 2 %', () => {
    const steady = { matmulMs: 2, elementwiseMs: 3 };
    expect(noiseReasons(steady, steady, { others: 0.11, steal: 0 })).toEqual(['other processes used 11 % of the CPUs']);
    expect(noiseReasons(steady, steady, { others: 0, steal: 0.03 })).toEqual(['3.0 % CPU steal']);
    expect(noiseReasons(steady, steady, { others: 0.1, steal: 0.02 })).toEqual([]);
  });

  it('measures positive calibration times and CPU shares within [0, 1]', () => {
    const c = calibrate();
    expect(c.matmulMs).toBeGreaterThan(0);
    expect(c.elementwiseMs).toBeGreaterThan(0);
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
