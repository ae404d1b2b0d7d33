/**
 * The CLI end to end, as a user runs it: a tiny benchmark (budgets × 0.05: half a
 * second of submission time per mnist_mlp trial, on wasm) into a fresh SQLite file,
 * then the report, the scores, a resumed re-run, and what ended up in the database.
 * Real processes, a real file; no assertion depends on how fast the machine is.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getWorkload } from '../../workloads/registry.ts';
import { CLI_TEST_TIMEOUT_MS, cli, type CliResult, describeResult, tempDir } from './cli_helpers.ts';

/** mnist_mlp's budget as trials run it (targets.json may override the default). */
const MLP_BUDGET_SEC = getWorkload('mnist_mlp').budget.maxRuntimeSec;

const SUBMISSIONS = ['adamw', 'nesterov'];
const SHIPPED_SUBMISSIONS = ['adamw', 'nesterov', 'sgd_momentum'];
const MNIST_MLP_VARIANTS = ['base', 'tanh', 'gelu_small_init'];

describe('algobench run → report → score → resume', () => {
  let dir: string;
  let db: string;
  let runArgs: string[];
  let first: CliResult;

  beforeAll(async () => {
    dir = tempDir('algobench-e2e-');
    db = join(dir, 'a.sqlite');
    runArgs = ['run', '-w', 'mnist_mlp', '-s', SUBMISSIONS.join(','), '--budget-scale', '0.05', '--backend', 'wasm', '--db', db];
    first = await cli(runArgs);
  }, CLI_TEST_TIMEOUT_MS);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('run exits 0, runs both trials and creates the database', () => {
    expect(first.status, describeResult(first)).toBe(0);
    expect(first.stdout).toMatch(/ran 2 trial\(s\), skipped 0/);
    expect(existsSync(db)).toBe(true);
  });

  // Both only read the database: run them side by side.
  describe.concurrent('reading the results', () => {
    it('report writes index.html, prints its path, and the page names both submissions and mnist_mlp', async ({ expect }) => {
      const site = join(dir, 'site');
      const r = await cli(['report', '--db', db, '--out', site]);
      expect(r.status, describeResult(r)).toBe(0);
      const page = join(site, 'index.html');
      expect(r.stdout.trim().split('\n')).toContain(page);
      expect(existsSync(page)).toBe(true);
      const html = readFileSync(page, 'utf8');
      for (const s of SUBMISSIONS) expect(html).toContain(s);
      expect(html).toContain('mnist_mlp');
    }, CLI_TEST_TIMEOUT_MS);

    it('score --json prints valid JSON with both submissions', async ({ expect }) => {
      const r = await cli(['score', '--db', db, '--json']);
      expect(r.status, describeResult(r)).toBe(0);
      const boards = JSON.parse(r.stdout) as Array<{
        hardware: string;
        ruleset: string;
        budgetScale: number;
        scoredWorkloads: string[];
        submissions: Record<string, { score: number; workloadTimes: Record<string, number | null> }>;
      }>;
      expect(Array.isArray(boards)).toBe(true);
      expect(boards).toHaveLength(1);
      const board = boards[0]!;
      expect(board.ruleset).toBe('external');
      expect(board.budgetScale).toBe(0.05);
      expect(board.scoredWorkloads).toEqual(['mnist_mlp']);
      expect(Object.keys(board.submissions).sort()).toEqual([...SUBMISSIONS].sort());
      for (const s of SUBMISSIONS) {
        const scored = board.submissions[s]!;
        expect(scored.score).toBeGreaterThanOrEqual(0);
        expect(scored.score).toBeLessThanOrEqual(1);
        expect(Object.keys(scored.workloadTimes)).toEqual(['mnist_mlp']);
      }
    }, CLI_TEST_TIMEOUT_MS);
  });

  it('re-running the same command resumes: exit 0, 2 skipped, nothing re-run', async () => {
    const r = await cli(runArgs);
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout).toMatch(/ran 0 trial\(s\), skipped 2 already finished/);
  }, CLI_TEST_TIMEOUT_MS);

  it('the database holds 2 finished wasm trials, one hardware row and increasing evals per trial', () => {
    const sqlite = new Database(db, { readonly: true, fileMustExist: true });
    try {
      const hardware = sqlite.prepare('SELECT * FROM hardware').all() as Array<{ id: number; fingerprint: string; backend: string }>;
      expect(hardware).toHaveLength(1);
      expect(hardware[0]!.fingerprint).toMatch(/^[0-9a-f]{16}$/);
      expect(hardware[0]!.backend).toContain('wasm');

      // Two invocations (the first run and the resumed one), both finished.
      const runs = sqlite.prepare('SELECT status, hardware_id FROM runs ORDER BY id').all() as Array<{ status: string; hardware_id: number }>;
      expect(runs.map((r) => r.status)).toEqual(['finished', 'finished']);

      const trials = sqlite.prepare('SELECT * FROM trials ORDER BY id').all() as Array<{
        id: number;
        hardware_id: number;
        workload: string;
        variant: string;
        submission: string;
        backend: string;
        status: string;
        budget_sec: number;
        budget_scale: number;
        steps: number;
        submission_time_sec: number;
        time_to_target_sec: number | null;
        hparams_json: string;
      }>;
      expect(trials).toHaveLength(2);
      expect(trials.map((t) => t.submission).sort()).toEqual([...SUBMISSIONS].sort());
      for (const t of trials) {
        expect(t.backend).toBe('wasm');
        expect(t.hardware_id).toBe(hardware[0]!.id);
        expect(t.workload).toBe('mnist_mlp');
        expect(t.variant).toBe('base');
        expect(t.budget_scale).toBe(0.05);
        expect(t.budget_sec).toBeCloseTo(0.05 * MLP_BUDGET_SEC, 10);
        expect(['reached', 'budget_exhausted']).toContain(t.status);
        expect(t.steps).toBeGreaterThan(0);
        expect(Object.keys(JSON.parse(t.hparams_json) as object).length).toBeGreaterThan(0);

        const evals = sqlite
          .prepare('SELECT step, submission_time_sec, validation_json, test_json FROM evals WHERE trial_id = ? ORDER BY id')
          .all(t.id) as Array<{ step: number; submission_time_sec: number; validation_json: string; test_json: string }>;
        expect(evals.length, `evals of trial ${t.id}`).toBeGreaterThanOrEqual(1);
        for (let i = 1; i < evals.length; i++) {
          expect(evals[i]!.submission_time_sec).toBeGreaterThan(evals[i - 1]!.submission_time_sec);
          expect(evals[i]!.step).toBeGreaterThanOrEqual(evals[i - 1]!.step);
        }
        for (const e of evals) {
          expect(e.submission_time_sec).toBeGreaterThan(0);
          const validation = JSON.parse(e.validation_json) as Record<string, number>;
          const test = JSON.parse(e.test_json) as Record<string, number>;
          expect(typeof validation['accuracy']).toBe('number');
          expect(typeof test['accuracy']).toBe('number');
        }
        // The trial ends with an eval (DESIGN: evals every period "and at the end").
        const last = evals[evals.length - 1]!;
        expect(last.step).toBe(t.steps);
        expect(last.submission_time_sec).toBe(t.submission_time_sec);
      }
    } finally {
      sqlite.close();
    }
  });
});

describe.concurrent('algobench list and --help', () => {
  it('list exits 0 and shows mnist_mlp, its variants and the shipped submissions', async ({ expect }) => {
    const r = await cli(['list']);
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout).toContain('mnist_mlp');
    for (const v of MNIST_MLP_VARIANTS) expect(r.stdout).toContain(`:${v}`);
    const submissionsSection = r.stdout.slice(r.stdout.indexOf('Submissions'));
    for (const s of SHIPPED_SUBMISSIONS) expect(submissionsSection).toMatch(new RegExp(`^\\s+${s}\\s*$`, 'm'));
  }, CLI_TEST_TIMEOUT_MS);

  it('--help prints the usage and names every command', async ({ expect }) => {
    const r = await cli(['--help']);
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout).toContain('Usage: algobench');
    for (const c of ['list', 'run', 'quick', 'score', 'report']) expect(r.stdout).toMatch(new RegExp(`^\\s+${c} `, 'm'));
  }, CLI_TEST_TIMEOUT_MS);

  const OPTION_OF: Record<string, string[]> = {
    list: ['--json'],
    run: ['--workload', '--submission', '--budget-scale', '--backend', '--db', '--trials'],
    quick: ['--db', '--out', '--backend'],
    score: ['--db', '--times', '--json'],
    report: ['--db', '--out'],
  };
  for (const [command, options] of Object.entries(OPTION_OF)) {
    it(`${command} --help exits 0 and documents its options`, async ({ expect }) => {
      const r = await cli([command, '--help']);
      expect(r.status, describeResult(r)).toBe(0);
      expect(r.stdout).toContain(`Usage: algobench ${command}`);
      for (const o of options) expect(r.stdout).toContain(o);
      expect(r.stderr).toBe('');
    }, CLI_TEST_TIMEOUT_MS);
  }
});
