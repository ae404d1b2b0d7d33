/**
 * `algobench bench --zoo` as a user runs it: a bad model name is one line naming the
 * valid ones; a one-model run prints JSON with both parameter counts and the step
 * times (the torch half where /usr/bin/python3 has torch), timed for 0.1 s. Timings
 * are never asserted.
 */
import { describe, expect, it } from 'vitest';
import { ZOO } from '../../harness/bench/zoo/index.ts';
import { HAS_TORCH } from '../bench/_torch.ts';
import { cli, CLI_TEST_TIMEOUT_MS } from './cli_helpers.ts';

/**
 * Opt-in (ALGOBENCH_BENCH_TESTS=1) until a run of these bounded tests is measured
 * under 60 s with the bench CLI test (the first, unbounded version did not end within
 * 15 minutes on a loaded machine); then the gate goes.
 */
const BENCH_TESTS = process.env['ALGOBENCH_BENCH_TESTS'] === '1';
if (!BENCH_TESTS) console.warn('bench tests skipped: set ALGOBENCH_BENCH_TESTS=1 to run them');

describe.skipIf(!BENCH_TESTS)('algobench bench --zoo', () => {
  it('rejects an unknown zoo model with one line naming the valid ones', async () => {
    const r = await cli(['bench', '--zoo', '--zoo-model', 'mlp,nope']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('unknown zoo model "nope"');
    for (const m of ZOO) expect(r.stderr).toContain(m.name);
  }, CLI_TEST_TIMEOUT_MS);

  it('times one model and prints its row as JSON', async () => {
    const r = await cli(['bench', '--zoo-model', 'mlp', '--time', '100', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { rows: Array<Record<string, unknown>>; geometricMeanRatio: number | null };
    expect(out.rows).toHaveLength(1);
    const row = out.rows[0]!;
    expect(row['model']).toBe('mlp');
    expect(row['batch']).toBe(128);
    expect(row['params']).toBe(669_706);
    expect(row['tfjsMs']).toBeGreaterThan(0);
    expect(row['tfjsSpread']).toBeGreaterThanOrEqual(0);
    if (HAS_TORCH) {
      expect(row['torchParams']).toBe(669_706);
      expect(row['torchMs']).toBeGreaterThan(0);
      expect(row['torchSpread']).toBeGreaterThanOrEqual(0);
      expect(out.geometricMeanRatio).toBeCloseTo((row['tfjsMs'] as number) / (row['torchMs'] as number), 10);
    } else {
      expect(row['torchError']).toMatch(/torch/);
    }
  }, CLI_TEST_TIMEOUT_MS);
});
