/**
 * Shared pieces of the store tests: temporary folders, trial keys and rows, a
 * hand-built store of an older schema, hashes of files, and real tmpfs mounts (a
 * small disk to fill, a folder to remount read-only) where this process may mount
 * them (root on Linux); elsewhere the tests that need one are skipped and say why.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, rmdirSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { TrialOutcome } from '../../harness/store/rows.ts';
import { MIGRATIONS } from '../../harness/store/schema.ts';
export { hardware, key, newTrial } from './_rows.ts';

const dirs: string[] = [];

/** A fresh temporary folder, removed by cleanupDirs(). */
export function tempDir(prefix = 'algobench-store-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

export function cleanupDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}


export function reached(seconds = 1): TrialOutcome {
  return {
    status: 'reached',
    timeToTargetSec: seconds,
    targetStep: 10,
    targetResolution: 0.02,
    testReached: true,
    steps: 10,
    submissionTimeSec: seconds,
    evalTimeSec: 0.1,
    evals: 1,
  };
}

/**
 * A store of schema version 2, built with the migrations of that time: one hardware
 * row, one run, and trials with the given statuses (each with two evals).
 */
export function schemaV2Store(path: string, statuses: readonly string[]): void {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.exec(MIGRATIONS[0]!);
    db.exec(MIGRATIONS[1]!);
    db.pragma('user_version = 2');
    db.prepare(
      `INSERT INTO hardware (fingerprint, cpu_model, cpu_cores, memory_bytes, gpu, os, node_version, tfjs_version, backend, backend_version, details_json, first_seen)
       VALUES ('hw-v2', 'Old CPU', 4, 1024, 'none', 'Old OS', 'v20', '4.22.0', 'cpu', '4.22.0', '{}', '2026-01-01T00:00:00.000Z')`,
    ).run();
    db.prepare(`INSERT INTO runs (hardware_id, command, algobench_version, started_at, status) VALUES (1, 'run', '0.1.0', '2026-01-01T00:00:00.000Z', 'finished')`).run();
    statuses.forEach((status, i) => {
      const finished = status !== 'running';
      db.prepare(
        `INSERT INTO trials (run_id, hardware_id, workload, variant, submission, ruleset, study, trial, base_seed, seed, hparams_json,
           target_validation, target_test, targets_version, metric, metric_direction, budget_sec, budget_scale, status,
           time_to_target_sec, test_reached, steps, submission_time_sec, eval_time_sec, error, backend, backend_version, started_at,
           finished_at, submission_hash, search_space_hash, workload_hash, targets_hash, code_key, algobench_version, target_step,
           target_resolution, hparams_read_json, noise_json, noisy)
         VALUES (1, 1, 'w', 'base', 's', 'external', 0, ?, 0, ?, '{"lr":0.1}', 0.9, 0.9, 1, 'accuracy', 'max', 10, 1, ?,
           ?, ?, 10, 2.5, 0.5, ?, 'cpu', '4.22.0', '2026-01-01T00:00:00.000Z', ?, 'sub', NULL, 'wl', 'tg', 'code', '0.1.0', ?,
           0.02, '["lr"]', NULL, 0)`,
      ).run(
        i, 100 + i, status,
        status === 'reached' ? 1.5 + i : null, status === 'reached' ? 1 : 0,
        status === 'error' ? `boom ${i}` : null, finished ? '2026-01-01T00:01:00.000Z' : null,
        status === 'reached' ? 10 : null,
      );
      for (const step of [5, 10]) {
        db.prepare(
          `INSERT INTO evals (trial_id, step, submission_time_sec, eval_time_sec, train_loss, validation_json, test_json, recorded_at)
           VALUES (?, ?, ?, 0.25, 0.5, '{"accuracy":0.9}', '{"accuracy":0.89}', '2026-01-01T00:00:30.000Z')`,
        ).run(i + 1, step, step / 4);
      }
    });
  } finally {
    db.close();
  }
}

/** sha256 of every file in `dir` (name → hash): "the store is unchanged" means these are equal. */
export function hashFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) out[name] = createHash('sha256').update(readFileSync(join(dir, name))).digest('hex');
  return out;
}

export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

// ---------------------------------------------------------------------------
// Real mounts
// ---------------------------------------------------------------------------

function probeMount(): string | undefined {
  if (process.platform !== 'linux') return 'tmpfs mounts need Linux';
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root (these tests run as another user)';
  const dir = mkdtempSync(join(tmpdir(), 'algobench-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' });
    execFileSync('mount', ['-o', 'remount,ro', dir], { stdio: 'pipe' });
    execFileSync('umount', [dir], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `mounting a tmpfs failed here (${String((err as Error).message).split('\n')[0]})`;
  } finally {
    rmdirSync(dir);
  }
}

/** Why real mounts cannot be used here; undefined when they can. */
export const NO_MOUNT_REASON: string | undefined = probeMount();

const mounts: TmpfsMount[] = [];

/** A tmpfs of its own: a small disk that can be filled, remounted read-only and back. */
export class TmpfsMount {
  readonly dir: string;
  private mounted = true;

  constructor(sizeBytes: number) {
    this.dir = mkdtempSync(join(tmpdir(), 'algobench-tmpfs-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', this.dir], { stdio: 'pipe' });
    mounts.push(this);
  }

  readOnly(): void {
    execFileSync('mount', ['-o', 'remount,ro', this.dir], { stdio: 'pipe' });
  }

  writable(): void {
    execFileSync('mount', ['-o', 'remount,rw', this.dir], { stdio: 'pipe' });
  }

  freeBytes(): number {
    const s = statfsSync(this.dir);
    return Number(s.bavail) * Number(s.bsize);
  }

  /** Fills the disk to the last byte with `filler`; returns its path (delete it to free the space). */
  fill(name = 'filler'): string {
    const path = join(this.dir, name);
    writeFileSync(path, Buffer.alloc(Math.max(0, this.freeBytes() - 4096)));
    const chunk = Buffer.alloc(512);
    for (;;) {
      try {
        appendFileSync(path, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw err;
      }
    }
    return path;
  }

  unmount(): void {
    if (!this.mounted) return;
    this.mounted = false;
    try {
      execFileSync('umount', [this.dir], { stdio: 'pipe' });
    } catch {
      execFileSync('umount', ['-l', this.dir], { stdio: 'pipe' });
    }
    if (existsSync(this.dir)) rmdirSync(this.dir);
  }
}

/** Unmounts every tmpfs this process mounted (afterAll). */
export function unmountAll(): void {
  for (const m of mounts.splice(0)) m.unmount();
}
