/**
 * SIGTERM mid-trial, as a scheduler sends it (scancel, Slurm preemption with --requeue,
 * a deleted Kubernetes pod) to every process of the job at once: the CLI parent and the
 * trial's sandboxed process. The run must stop the trial at its next step and store it
 * as interrupted (not crashed: a crash would count against the submission, and resume
 * would skip it), close its run row, exit 143, and the same command must then resume it.
 * A real `run` process in its own process group; the signal goes to the group.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupDirs, tempDir } from '../store/_fixtures.ts';
import { cli, CLI_PROCESS_TIMEOUT_MS, REPO_ROOT } from './cli_helpers.ts';

afterAll(cleanupDirs);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Rows of the store, or [] while the run is still creating it. */
function query<T>(db: string, sql: string): T[] {
  try {
    const handle = new Database(db, { readonly: true, fileMustExist: true });
    try {
      return handle.prepare(sql).all() as T[];
    } finally {
      handle.close();
    }
  } catch {
    return [];
  }
}

describe('SIGTERM to the whole job during a trial', () => {
  it('stores the trial as interrupted, closes the run, exits 143; the same command resumes and finishes it', async () => {
    const db = join(tempDir('algobench-sigterm-'), 'a.sqlite');
    // The full budget (10 s of training) of sgd_momentum's first fixed point: long
    // enough to be cut off mid-trial after its first eval.
    const args = ['run', '-w', 'mnist_mlp', '-s', 'sgd_momentum', '--trials', '1', '--backend', 'wasm', '--db', db];
    const child = spawn('node', ['bin/algobench.js', ...args], { cwd: REPO_ROOT, env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.stdout.resume();
    const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (code, sig) => resolve([code, sig])));
    const deadline = Date.now() + CLI_PROCESS_TIMEOUT_MS;
    let training = false;
    // Training has begun once the first eval of the running trial is stored.
    while (!training && Date.now() < deadline && child.exitCode === null) {
      await sleep(200);
      training = query<{ n: number }>(db, "SELECT count(*) AS n FROM evals JOIN trials ON trials.id = evals.trial_id WHERE trials.status = 'running'")[0]?.n! > 0;
    }
    expect(training, `the trial never started training\n${stderr}`).toBe(true);
    process.kill(-child.pid!, 'SIGTERM');
    const guard = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 60_000);
    const [status, signal] = await closed;
    clearTimeout(guard);
    const info = `status=${status} signal=${signal}\n${stderr}`;
    expect(signal, info).toBeNull();
    expect(status, info).toBe(143);
    expect(stderr, info).toContain('algobench: terminated (SIGTERM): stopping after the current step');
    expect(query<{ status: string }>(db, 'SELECT status FROM trials')).toEqual([{ status: 'interrupted' }]);
    expect(query<{ status: string }>(db, 'SELECT status FROM runs')).toEqual([{ status: 'interrupted' }]);

    const again = await cli(args);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('ran 1 trial(s), skipped 0 already finished');
    const statuses = query<{ status: string }>(db, 'SELECT status FROM trials ORDER BY id').map((r) => r.status);
    expect(statuses).toHaveLength(2);
    expect(statuses[0]).toBe('interrupted');
    expect(['reached', 'budget_exhausted']).toContain(statuses[1]);
  }, 240_000);
});
