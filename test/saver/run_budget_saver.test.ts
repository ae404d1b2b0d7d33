/**
 * `run --budget-saver` end to end, as a user runs it: a submission whose curve is flat
 * (it never changes the parameters) on mnist_mlp with a 2 s budget (× 0.2). The saver
 * must stop it as `stopped_predicted_miss` once 20 % of the budget is spent, mark it in
 * the store with its settings and the probability at the stop, and `score` must not
 * count it. The same command without the saver is another trial (it runs afresh and is
 * the one scored). No assertion depends on the machine's speed: a flat curve is
 * stopped at the first eval past 20 % of the budget, however fast it gets there.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_TEST_TIMEOUT_MS, cli, type CliResult, describeResult, tempDir } from '../cli/cli_helpers.ts';

const FROZEN = 'test/fixtures/submissions/frozen/submission.ts';

interface Row {
  status: string;
  budget_sec: number;
  submission_time_sec: number;
  budget_saver_json: string | null;
  saver_probability: number | null;
  code_key: string;
  error: string | null;
}

function trials(db: string): Row[] {
  const handle = new Database(db, { readonly: true });
  try {
    return handle.prepare('SELECT * FROM trials ORDER BY id').all() as Row[];
  } finally {
    handle.close();
  }
}

describe('run --budget-saver', () => {
  let dir: string;
  let db: string;
  let args: string[];
  let saved: CliResult;

  beforeAll(async () => {
    dir = tempDir('algobench-saver-');
    db = join(dir, 's.sqlite');
    args = ['run', '-w', 'mnist_mlp', '-s', FROZEN, '--budget-scale', '0.2', '--backend', 'wasm', '--db', db];
    saved = await cli([...args, '--budget-saver']);
  }, CLI_TEST_TIMEOUT_MS);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stops the flat trial past 20 % of its budget and marks it in the store', () => {
    expect(saved.status, describeResult(saved)).toBe(0);
    const [row, ...more] = trials(db);
    expect(more).toEqual([]);
    expect(row!.status, row!.error ?? '').toBe('stopped_predicted_miss');
    expect(JSON.parse(row!.budget_saver_json!)).toEqual({ threshold: 0.05, minFraction: 0.2, sigmaFloor: 0.01 });
    expect(row!.saver_probability).toBeGreaterThanOrEqual(0);
    expect(row!.saver_probability).toBeLessThan(0.05);
    expect(row!.submission_time_sec).toBeGreaterThanOrEqual(0.2 * row!.budget_sec);
    expect(row!.submission_time_sec).toBeLessThan(row!.budget_sec);
  });

  it('score counts nothing and says why', async () => {
    const json = await cli(['score', '--db', db, '--json']);
    expect(json.status, describeResult(json)).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([]);
    const text = await cli(['score', '--db', db]);
    expect(text.status, describeResult(text)).toBe(0);
    expect(text.stderr).toContain('1 trial ran with the budget saver (run --budget-saver): exploratory, never scored');
  }, CLI_TEST_TIMEOUT_MS);

  it('the same run without the saver is a new trial, and the only one scored', async () => {
    const plain = await cli(args);
    expect(plain.status, describeResult(plain)).toBe(0);
    expect(plain.stdout).toMatch(/ran 1 trial\(s\), skipped 0/);
    const [first, second] = trials(db);
    expect(second).toMatchObject({ status: 'budget_exhausted', budget_saver_json: null, saver_probability: null });
    expect(second!.code_key).not.toBe(first!.code_key);
    const json = await cli(['score', '--db', db, '--json']);
    const boards = JSON.parse(json.stdout) as Array<{ submissions: Record<string, { workloadTimes: Record<string, number | null> }> }>;
    expect(boards).toHaveLength(1);
    expect(boards[0]!.submissions['frozen']!.workloadTimes).toEqual({ mnist_mlp: null });
  }, CLI_TEST_TIMEOUT_MS);
});
