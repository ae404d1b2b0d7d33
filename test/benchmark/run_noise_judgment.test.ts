/**
 * While a run goes, each trial is held to the fastest trials before it; at its end the
 * run judges every trial again against the fastest of all of them (execute.ts,
 * judgeAgainstRun), so a slow first trial is flagged too. Real trial processes, a real
 * store: what is asserted is where each stored bar comes from and that each stored flag
 * follows the rule (PACE_TOLERANCE, 20 %), never a timing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBenchmark } from '../../harness/benchmark/execute.ts';
import type { TrialNoise } from '../../harness/identity/calibration.ts';

const dir = mkdtempSync(join(tmpdir(), 'algobench-run-noise-'));
const dbPath = join(dir, 'store.sqlite');
let rows: Array<{ id: number; noisy: number; noise: TrialNoise }>;

beforeAll(async () => {
  await runBenchmark({ workloads: ['mnist_mlp'], submissions: ['adamw'], ruleset: 'self', studies: 3, trials: 1, seed: 5, dbPath, backend: 'auto', budgetScale: 0.1 });
  const db = new Database(dbPath, { readonly: true });
  try {
    const raw = db.prepare('SELECT id, noisy, noise_json FROM trials ORDER BY id').all() as Array<{ id: number; noisy: number; noise_json: string }>;
    rows = raw.map((r) => ({ id: r.id, noisy: r.noisy, noise: JSON.parse(r.noise_json) as TrialNoise }));
  } finally {
    db.close();
  }
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a run's trials judged against the fastest of the run", () => {
  it("stores the runner's eval-time pace of every trial, one sample per eval", () => {
    expect(rows).toHaveLength(3);
    for (const r of rows) {
      expect(r.noise.pace?.runnerDuring?.samples).toBeGreaterThan(0);
      expect(r.noise.pace!.runnerDuring!.medianMs).toBeGreaterThan(0);
    }
  });

  it('holds every trial, the first one too, to the fastest runner median and the fastest start of all three', () => {
    const medians = rows.map((r) => r.noise.pace!.runnerDuring!.medianMs);
    const starts = rows.map((r) => r.noise.pace!.trial!.fastestMs);
    for (const r of rows) {
      expect(r.noise.pace!.fastestRunnerDuringMs).toBe(Math.min(...medians));
      expect(r.noise.pace!.fastestTrialMs).toBe(Math.min(...starts));
    }
  });

  it('stores each flag as the rule gives it: over 20 % above the fastest median, and the noisy column with it', () => {
    const fastest = Math.min(...rows.map((r) => r.noise.pace!.runnerDuring!.medianMs));
    for (const r of rows) {
      const slow = r.noise.pace!.runnerDuring!.medianMs > 1.2 * fastest;
      expect(r.noise.reasons.some((x) => x.startsWith('the machine was slow during the trial'))).toBe(slow);
      expect(r.noisy).toBe(r.noise.reasons.length > 0 ? 1 : 0);
    }
  });
});
