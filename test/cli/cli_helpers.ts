/**
 * Helpers for the CLI tests: run `node bin/algobench.js …` as a real process from the
 * repository root and look at what it left behind. Nothing here is mocked.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/cli/cli_helpers.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Vitest timeout of one CLI test: generous, the processes start tsx and TensorFlow.js. */
export const CLI_TEST_TIMEOUT_MS = 120_000;

/** A CLI process still running after this long is hung: it is killed (SIGKILL). */
export const CLI_PROCESS_TIMEOUT_MS = 110_000;

export interface CliResult {
  /** Exit code; null when the process was killed by a signal (see `signal`). */
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The process ran past its timeout and was killed. */
  readonly timedOut: boolean;
  /** Set when the process could not be started. */
  readonly error: Error | undefined;
}

/**
 * Runs the CLI to completion (asynchronously, so that independent checks can run
 * side by side with `it.concurrent`). `timeoutMs` only guards against a hung process:
 * it is killed and `timedOut` is set; no test asserts a duration. `nodeArgs` go to node
 * before the script (e.g. an `--import`); `env` adds to this process's environment.
 */
export function cli(args: readonly string[], options: { timeoutMs?: number; nodeArgs?: readonly string[]; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    const child = spawn('node', [...(options.nodeArgs ?? []), 'bin/algobench.js', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, CI: 'true', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let spawnError: Error | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? CLI_PROCESS_TIMEOUT_MS);
    child.on('error', (err) => (spawnError = err));
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolvePromise({ status, signal, stdout, stderr, timedOut, error: spawnError });
    });
  });
}

/** A fresh, empty temporary directory. */
export function tempDir(prefix = 'algobench-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Pretty-prints a result for assertion messages. */
export function describeResult(r: CliResult): string {
  return `status=${r.status} signal=${r.signal} timedOut=${r.timedOut} error=${r.error?.message ?? 'none'}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

/** The SQLite file and its side files (WAL, shared memory, rollback journal). */
export function dbFiles(dbPath: string): string[] {
  return [dbPath, `${dbPath}-wal`, `${dbPath}-shm`, `${dbPath}-journal`];
}

/** Those of `dbFiles(dbPath)` that exist. */
export function existingDbFiles(dbPath: string): string[] {
  return dbFiles(dbPath).filter((p) => existsSync(p));
}
