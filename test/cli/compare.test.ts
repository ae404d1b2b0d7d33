/**
 * `algobench compare` end to end on real trials, kept small: mnist_mlp on budgets × 0.05
 * (every trial is likely to miss, which the output must still say in words), two pairs,
 * then the same command again (resume: nothing re-run, the same verdict), and bad input
 * refused with one line and a non-zero exit. No assertion depends on timing.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_TEST_TIMEOUT_MS, cli, type CliResult, describeResult, tempDir } from './cli_helpers.ts';

/** Four trials and two probes per run: longer than one `run`, so a loaded machine gets more room (a hang guard, not a timing). */
const COMPARE_PROCESS_TIMEOUT_MS = 400_000;
const COMPARE_TEST_TIMEOUT_MS = COMPARE_PROCESS_TIMEOUT_MS + 20_000;

describe('algobench compare on real trials', () => {
  let dir: string;
  let args: string[];
  let first: CliResult;

  beforeAll(async () => {
    dir = tempDir('algobench-compare-');
    args = ['compare', 'sgd_momentum', 'nesterov', '-w', 'mnist_mlp', '--budget-scale', '0.05', '--max-pairs', '2', '--backend', 'wasm',
      '--db', join(dir, 'a.sqlite'), '--json', join(dir, 'a.json'), '--out', join(dir, 'page')];
    first = await cli(args, { timeoutMs: COMPARE_PROCESS_TIMEOUT_MS });
  }, COMPARE_TEST_TIMEOUT_MS);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs 2 pairs, interleaved on the same seeds, and prints a verdict in words', () => {
    expect(first.status, describeResult(first)).toBe(0);
    expect(first.stdout).toMatch(/^(nesterov is faster than sgd_momentum|sgd_momentum is faster than nesterov|no detectable difference) on mnist_mlp/m);
    expect(first.stdout).toContain('2 paired trials');
    expect(first.stdout).toContain(`Compare page: ${join(dir, 'page', 'compare.html')}`);
    const db = new Database(join(dir, 'a.sqlite'), { readonly: true });
    const rows = db.prepare('SELECT submission, study, seed FROM trials ORDER BY id').all() as Array<{ submission: string; study: number; seed: number }>;
    db.close();
    // Pair by pair, the order alternating: A B, then B A; both sides of a pair on one seed.
    expect(rows.map((r) => `${r.submission}:${r.study}`)).toEqual(['sgd_momentum:0', 'nesterov:0', 'nesterov:1', 'sgd_momentum:1']);
    expect(rows[0]!.seed).toBe(rows[1]!.seed);
    expect(rows[2]!.seed).toBe(rows[3]!.seed);
    expect(rows[0]!.seed).not.toBe(rows[2]!.seed);
  });

  it('writes the JSON: per workload the speedup, p-value, pairs, test, verdict and every pair\'s times', () => {
    const json = JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8')) as {
      a: string; b: string; alpha: number; test: string;
      workloads: Array<{ workload: string; pairs: number; pValue: number; verdict: string; stoppedBy: string; speedup: { estimate: number | null }; times: Array<{ a: number | null; b: number | null }> }>;
      overall: { verdict: string; pValue: number };
    };
    expect({ a: json.a, b: json.b, alpha: json.alpha }).toEqual({ a: 'sgd_momentum', b: 'nesterov', alpha: 0.01 });
    expect(json.test).toMatch(/sequential sign test/);
    expect(json.workloads).toHaveLength(1);
    const w = json.workloads[0]!;
    expect(w.workload).toBe('mnist_mlp');
    expect(w.pairs).toBe(2);
    expect(w.times).toHaveLength(2);
    // Two pairs can never decide at α = 0.01 (11 are needed).
    expect(w.stoppedBy).toBe('max_pairs');
    expect(w.pValue).toBeGreaterThan(0.01);
    expect(w.verdict).toMatch(/^no detectable difference on mnist_mlp/);
    expect(existsSync(join(dir, 'page', 'compare.html'))).toBe(true);
    expect(readFileSync(join(dir, 'page', 'compare.html'), 'utf8')).toContain('no detectable difference on mnist_mlp');
  });

  it('the same command again resumes: nothing is re-run and the verdict is the same', async () => {
    const again = await cli(args, { timeoutMs: COMPARE_PROCESS_TIMEOUT_MS });
    expect(again.status, describeResult(again)).toBe(0);
    expect(again.stderr).toMatch(/already finished, skipped/);
    expect(again.stderr).not.toMatch(/: running \(budget/);
    expect(again.stdout.split('\n')[0]).toBe(first.stdout.split('\n')[0]);
  }, COMPARE_TEST_TIMEOUT_MS);
});

describe.concurrent('compare refuses bad input with one line and exit 2', () => {
  const refused = async (args: string[], line: RegExp) => {
    const r = await cli(args);
    expect(r.status, describeResult(r)).toBe(2);
    expect(r.stdout, describeResult(r)).toBe('');
    expect(r.stderr.trim().split('\n'), describeResult(r)).toHaveLength(1);
    expect(r.stderr).toMatch(line);
  };

  it('an unknown submission', async () => {
    await refused(['compare', 'adamw', 'no_such_optimizer', '-w', 'mnist_mlp'], /^algobench: unknown submission "no_such_optimizer"; run "algobench list"/);
  }, CLI_TEST_TIMEOUT_MS);

  it('A and B the same submission, once by name and once by path', async () => {
    await refused(['compare', 'adamw', 'submissions/adamw/submission.ts', '-w', 'mnist_mlp'], /^algobench: A and B are the same submission \(.*submissions\/adamw\/submission\.ts\); name two different ones/);
  }, CLI_TEST_TIMEOUT_MS);

  it('--alpha 2', async () => {
    await refused(['compare', 'adamw', 'nesterov', '-w', 'mnist_mlp', '--alpha', '2'], /^algobench: --alpha must be a finite number > 0 and ≤ 0\.5 \(got "2"\); use a level such as 0\.01 or 0\.05$/m);
  }, CLI_TEST_TIMEOUT_MS);

  it('no workload', async () => {
    await refused(['compare', 'adamw', 'nesterov'], /^algobench: no workload given; pass --workload NAME\[:VARIANT\]$/m);
  }, CLI_TEST_TIMEOUT_MS);
});
