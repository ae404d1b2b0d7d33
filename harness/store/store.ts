/**
 * The results store: one SQLite file (better-sqlite3), WAL journal, schema versioned.
 * Every eval row is committed as soon as it is measured, and a trial row exists from
 * the moment the trial starts (status `running`), so a crash loses nothing measured
 * and a re-run can tell finished trials from cut-off ones.
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { AlgobenchError, errorMessage } from '../errors.ts';
import type { Hardware } from '../fingerprint.ts';
import type { EvalRecord } from '../runner/trial.ts';
import type { TrialStatus } from '../spec.ts';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.ts';
import type { HardwareRow, NewTrial, TrialKey, TrialOutcome, TrialRow, EvalRow } from './rows.ts';

export const DEFAULT_DB_PATH = 'results/algobench.sqlite';

const now = () => new Date().toISOString();

/** The nearest ancestor of `path` that exists. */
function existingAncestor(path: string): string {
  let dir = path;
  while (!existsSync(dir)) dir = dirname(dir);
  return dir;
}

/**
 * Creates missing directories one level at a time. (Node's recursive mkdir can spin
 * forever under pseudo-filesystems such as /proc; one level at a time just fails.)
 */
function ensureDir(dir: string): void {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new Error(`${dir} is not a directory`);
    return;
  }
  ensureDir(dirname(dir));
  mkdirSync(dir);
}

export class Store {
  private constructor(
    readonly path: string,
    private readonly db: Database.Database,
  ) {}

  /**
   * Opens (creating if needed) the database at `path`. Refuses, with one line that
   * says what to do, a path it cannot write, a file that is not SQLite, or a
   * database from a newer algobench.
   */
  /**
   * Checks, without creating or changing anything, that `open` will succeed: an
   * existing file must be an algobench database this version can read; a new one
   * must be creatable. Runs before any work so that bad input writes nothing.
   */
  static assertUsable(path: string): void {
    const full = resolve(path);
    if (existsSync(full)) {
      Store.open(path, { readonly: true, allowEmpty: true }).close();
      return;
    }
    const ancestor = existingAncestor(dirname(full));
    try {
      if (!statSync(ancestor).isDirectory()) throw new Error(`${ancestor} is not a directory`);
      accessSync(ancestor, constants.W_OK);
    } catch (err) {
      throw new AlgobenchError('E_STORE', `cannot create results database ${path}: ${errorMessage(err)}; pass --db with a writable path`);
    }
  }

  static open(path: string, options: { readonly?: boolean; allowEmpty?: boolean } = {}): Store {
    const full = resolve(path);
    let db: Database.Database;
    try {
      if (!options.readonly) ensureDir(dirname(full));
      db = new Database(full, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    } catch (err) {
      throw new AlgobenchError('E_STORE', `cannot open results database ${path}: ${errorMessage(err)}; pass --db with a writable path`);
    }
    try {
      // Reading the schema makes SQLite check the file header: a non-database fails here.
      db.prepare('SELECT COUNT(*) FROM sqlite_master').get();
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        throw new AlgobenchError(
          'E_STORE',
          `results database ${path} has schema version ${version}, newer than this algobench (${SCHEMA_VERSION}); upgrade algobench or pass --db with another file`,
        );
      }
      if (!options.readonly) {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        db.pragma('foreign_keys = ON');
        for (let v = version; v < SCHEMA_VERSION; v++) {
          db.transaction(() => {
            db.exec(MIGRATIONS[v]!);
            db.pragma(`user_version = ${v + 1}`);
          })();
        }
      } else if (version === 0 && !options.allowEmpty) {
        throw new AlgobenchError('E_STORE', `${path} holds no algobench results; run "algobench run" first or pass --db`);
      }
    } catch (err) {
      db.close();
      if (err instanceof AlgobenchError) throw err;
      throw new AlgobenchError(
        'E_STORE',
        `${path} is not a usable algobench database (${errorMessage(err)}); move it aside or pass --db with another file`,
      );
    }
    return new Store(full, db);
  }

  close(): void {
    this.db.close();
  }

  /** The id of this hardware fingerprint's row, inserting it the first time. */
  hardwareId(hw: Hardware): number {
    const found = this.db.prepare('SELECT id FROM hardware WHERE fingerprint = ?').get(hw.fingerprint) as { id: number } | undefined;
    if (found) return found.id;
    const info = this.db
      .prepare(
        `INSERT INTO hardware (fingerprint, cpu_model, cpu_cores, memory_bytes, gpu, os, node_version, tfjs_version,
           backend, backend_version, details_json, first_seen) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
      )
      .run(
        hw.fingerprint, hw.cpuModel, hw.cpuCores, hw.memoryBytes, hw.gpu, hw.os, hw.nodeVersion, hw.tfjsVersion,
        hw.backend, hw.backendVersion, JSON.stringify(hw.details), now(),
      );
    return Number(info.lastInsertRowid);
  }

  startRun(hardwareId: number, command: string, version: string): number {
    const info = this.db
      .prepare(`INSERT INTO runs (hardware_id, command, algobench_version, started_at, status) VALUES (?,?,?,?,'running')`)
      .run(hardwareId, command, version, now());
    return Number(info.lastInsertRowid);
  }

  finishRun(runId: number, status: 'finished' | 'interrupted' | 'failed'): void {
    this.db.prepare('UPDATE runs SET finished_at = ?, status = ? WHERE id = ?').run(now(), status, runId);
  }

  /** The latest finished trial under this key, code included, if any: resume skips it. */
  finishedTrial(key: TrialKey): TrialRow | undefined {
    return this.db
      .prepare(
        `SELECT * FROM trials WHERE hardware_id = @hardwareId AND workload = @workload AND variant = @variant
           AND submission = @submission AND ruleset = @ruleset AND budget_scale = @budgetScale AND base_seed = @baseSeed AND study = @study
           AND trial = @trial AND code_key = @codeKey AND status NOT IN ('running', 'interrupted') ORDER BY id DESC LIMIT 1`,
      )
      .get(key) as TrialRow | undefined;
  }

  /**
   * The latest finished trial under this key made by other code (another submission,
   * search space, workload or targets version), if any: resume says so and reruns it.
   */
  finishedByOtherCode(key: TrialKey): TrialRow | undefined {
    return this.db
      .prepare(
        `SELECT * FROM trials WHERE hardware_id = @hardwareId AND workload = @workload AND variant = @variant
           AND submission = @submission AND ruleset = @ruleset AND budget_scale = @budgetScale AND base_seed = @baseSeed AND study = @study
           AND trial = @trial AND code_key != @codeKey AND status NOT IN ('running', 'interrupted') ORDER BY id DESC LIMIT 1`,
      )
      .get(key) as TrialRow | undefined;
  }

  startTrial(t: NewTrial): number {
    const info = this.db
      .prepare(
        `INSERT INTO trials (run_id, hardware_id, workload, variant, submission, ruleset, study, trial, base_seed, seed,
           hparams_json, target_validation, target_test, targets_version, metric, metric_direction, budget_sec, budget_scale,
           status, backend, backend_version, started_at, submission_hash, search_space_hash, workload_hash, targets_hash,
           code_key, algobench_version)
         VALUES (@runId, @hardwareId, @workload, @variant, @submission, @ruleset, @study, @trial, @baseSeed, @seed,
           @hparamsJson, @targetValidation, @targetTest, @targetsVersion, @metric, @metricDirection, @budgetSec, @budgetScale,
           'running', @backend, @backendVersion, @startedAt, @submissionHash, @searchSpaceHash, @workloadHash, @targetsHash,
           @codeKey, @algobenchVersion)`,
      )
      .run({ ...t, hparamsJson: JSON.stringify(t.hparams), startedAt: now() });
    return Number(info.lastInsertRowid);
  }

  recordEval(trialId: number, e: EvalRecord): void {
    this.db
      .prepare(
        `INSERT INTO evals (trial_id, step, submission_time_sec, eval_time_sec, train_loss, validation_json, test_json, recorded_at)
         VALUES (?,?,?,?,?,?,?,?)`,
      )
      .run(
        trialId, e.step, e.submissionTimeSec, e.evalTimeSec, Number.isFinite(e.trainLoss) ? e.trainLoss : null,
        JSON.stringify(e.validation), JSON.stringify(e.test), now(),
      );
  }

  finishTrial(trialId: number, o: TrialOutcome): void {
    this.db
      .prepare(
        `UPDATE trials SET status = @status, time_to_target_sec = @timeToTargetSec, test_reached = @testReached,
           steps = @steps, submission_time_sec = @submissionTimeSec, eval_time_sec = @evalTimeSec, error = @error,
           target_step = @targetStep, target_resolution = @targetResolution, hparams_read_json = @hparamsRead,
           noise_json = @noise, noisy = @noisy, finished_at = @finishedAt WHERE id = @id`,
      )
      .run({
        status: o.status, timeToTargetSec: o.timeToTargetSec, steps: o.steps, submissionTimeSec: o.submissionTimeSec,
        evalTimeSec: o.evalTimeSec, targetStep: o.targetStep, targetResolution: o.targetResolution,
        testReached: o.testReached ? 1 : 0, error: o.error ?? null, finishedAt: now(), id: trialId,
        hparamsRead: o.hparamsRead === undefined ? null : JSON.stringify(o.hparamsRead),
        noise: o.noise === undefined ? null : JSON.stringify(o.noise),
        noisy: o.noise !== undefined && o.noise.reasons.length > 0 ? 1 : 0,
      });
  }

  hardware(): HardwareRow[] {
    return this.db.prepare('SELECT * FROM hardware ORDER BY id').all() as HardwareRow[];
  }

  /** Trials, optionally only those that finished (the ones scoring uses). */
  trials(filter: { hardwareId?: number; finishedOnly?: boolean } = {}): TrialRow[] {
    const where: string[] = [];
    if (filter.hardwareId !== undefined) where.push('hardware_id = @hardwareId');
    if (filter.finishedOnly) where.push(`status NOT IN ('running', 'interrupted')`);
    const sql = `SELECT * FROM trials ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id`;
    return this.db.prepare(sql).all(filter) as TrialRow[];
  }

  evals(trialId: number): EvalRow[] {
    return this.db.prepare('SELECT * FROM evals WHERE trial_id = ? ORDER BY step').all(trialId) as EvalRow[];
  }

  statusCounts(): Record<TrialStatus | 'running', number> {
    const rows = this.db.prepare('SELECT status, COUNT(*) AS n FROM trials GROUP BY status').all() as Array<{ status: TrialStatus; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.status, r.n])) as Record<TrialStatus | 'running', number>;
  }
}
