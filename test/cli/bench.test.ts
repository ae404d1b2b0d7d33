/**
 * `algobench bench --json` as a user runs it (short blocks): one row per workload with
 * a step time, an eval time, the runner's step and the overhead, all measured.
 * Timings are printed, never asserted (shared machines are noisy).
 */
import { describe, expect, it } from 'vitest';
import { cli, CLI_TEST_TIMEOUT_MS } from './cli_helpers.ts';

describe('algobench bench', () => {
  it('reports step, eval and harness overhead per workload as JSON', async () => {
    const r = await cli(['bench', '-w', 'spam_bow,mnist_mlp', '--time', '150', '--rounds', '2', '--block-sec', '0.3', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { backend: { name: string }; submission: string; rows: Array<Record<string, number | string>> };
    expect(out.submission).toBe('adamw');
    expect(out.rows.map((row) => row['workload'])).toEqual(['spam_bow', 'mnist_mlp']);
    for (const row of out.rows) {
      for (const key of ['stepMs', 'evalMs', 'runnerStepMs', 'bareStepMs']) expect(row[key], key).toBeGreaterThan(0);
      expect(Number.isFinite(row['overheadPct'])).toBe(true);
      expect(row['steps']).toBeGreaterThan(0);
      expect(row['batchSize']).toBe(128);
    }
  }, CLI_TEST_TIMEOUT_MS);

  it('rejects an unknown workload with one line naming the fix', async () => {
    const r = await cli(['bench', '-w', 'nope']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/unknown workload "nope".*algobench list/);
  }, CLI_TEST_TIMEOUT_MS);
});
