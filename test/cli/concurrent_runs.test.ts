/**
 * Two `algobench run`s of one grid on one store, started together, as two real
 * processes: every trial runs exactly once between them (trials are claimed in the
 * store before they start), and both runs finish.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { cli, describeResult, tempDir } from './cli_helpers.ts';

const GRID = 4;

describe('concurrent runs on one store', () => {
  it('run every trial exactly once between them', async () => {
    const db = join(tempDir(), 'shared.sqlite');
    const args = ['run', '-w', 'mnist_mlp', '-s', 'adamw', '--ruleset', 'self', '--studies', String(GRID), '--budget-scale', '0.05', '--db', db];
    const [a, b] = await Promise.all([cli(args, { timeoutMs: 600_000 }), cli(args, { timeoutMs: 600_000 })]);
    expect(a.status, describeResult(a)).toBe(0);
    expect(b.status, describeResult(b)).toBe(0);
    const store = new Database(db, { readonly: true });
    try {
      const rows = store.prepare('SELECT study, trial, status, run_id FROM trials ORDER BY study, trial').all() as Array<{ study: number; trial: number; status: string; run_id: number }>;
      const finished = rows.filter((r) => r.status !== 'running' && r.status !== 'abandoned' && r.status !== 'interrupted');
      // Self-tuning: one run per study, so the grid is GRID studies of one trial.
      expect(finished.map((r) => [r.study, r.trial])).toEqual([...Array(GRID).keys()].map((i) => [i, 0]));
      expect(rows.length).toBe(GRID);
      // Both runs did some of the work (the second starts while the first holds its claims).
      const runs = new Set(finished.map((r) => r.run_id));
      expect(runs.size).toBeGreaterThanOrEqual(1);
    } finally {
      store.close();
    }
  }, 660_000);
});
