/**
 * The results store: one SQLite file (better-sqlite3), WAL journal, schema versioned.
 * Every eval row is committed as soon as it is measured, and a trial row exists from
 * the moment the trial is claimed (status `running`, with the claim's host, process
 * and lease), so a crash loses nothing measured, a re-run can tell finished trials
 * from cut-off ones, and two runs on one file never run the same trial twice.
 *
 * Every SQLite failure (a full disk, a read-only file, a missing table, a foreign or
 * damaged file) leaves as one line: an AlgobenchError with code E_STORE that names the
 * file and the fix (faults.ts). Several processes may write one store: a writer waits
 * up to BUSY_TIMEOUT_MS for another's lock instead of failing.
 */
import { accessSync, constants, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { AlgobenchError, setting } from '../core/errors.ts';
import type { Hardware } from '../identity/fingerprint.ts';
import type { TrialNoise } from '../identity/calibration.ts';
import { claimIsLive, THIS_HOST } from './claims.ts';
import { ensureDir, existingAncestor } from './dirs.ts';
import { errnoText, isStoreFault, sqliteCode, storeFault } from './faults.ts';
import { MIGRATIONS, REQUIRED_TABLES, SCHEMA_VERSION } from './schema.ts';
import {
  FINISHED_STATUSES,
  type EvalRecord,
  type EvalRow,
  type HardwareRow,
  type ListedTrialStatus,
  type NewTrial,
  type TrialKey,
  type TrialOutcome,
  type TrialRow,
} from './rows.ts';

export { isStoreFault };

export { DEFAULT_DB_PATH } from './paths.ts';

/** How long a write waits for another process's lock on the store before failing. */
export const BUSY_TIMEOUT_MS = 10_000;

/** The lease of a trial started with startTrial (claimTrial takes its own). */
export const DEFAULT_LEASE_SEC = 120;

/** What claimTrial found under a trial key. */
export type ClaimResult =
  /** The trial is this process's to run: a new `running` row, claimed. */
  | { readonly kind: 'claimed'; readonly trialId: number }
  /** A finished trial under this key exists: skip it. */
  | { readonly kind: 'finished'; readonly row: TrialRow }
  /** Another process runs it under a live claim: skip it. */
  | { readonly kind: 'held'; readonly row: TrialRow };

export interface StoreOptions {
  /** Open for reading only; never creates, migrates or writes anything (not even -wal/-shm files where they cannot be created). */
  readonly readonly?: boolean;
  /** With readonly: accept a file with no algobench schema yet (an empty SQLite file). */
  readonly allowEmpty?: boolean;
  /** The wall clock of claims and leases, in epoch seconds. @default Date.now() / 1000 */
  readonly wallClock?: () => number;
}

const now = () => new Date().toISOString();
const systemWallClock = () => Date.now() / 1000;

const FINISHED_SQL = `status IN (${FINISHED_STATUSES.map((s) => `'${s}'`).join(', ')})`;

const KEY_SQL = `hardware_id = @hardwareId AND workload = @workload AND variant = @variant AND submission = @submission
  AND ruleset = @ruleset AND budget_scale = @budgetScale AND base_seed = @baseSeed AND study = @study AND trial = @trial`;

const INSERT_TRIAL_SQL = `INSERT INTO trials (run_id, hardware_id, workload, variant, submission, ruleset, study, trial, base_seed, seed,
    hparams_json, target_validation, target_test, targets_version, metric, metric_direction, budget_sec, budget_scale,
    status, backend, backend_version, started_at, submission_hash, search_space_hash, workload_hash, targets_hash,
    code_key, algobench_version, claim_host, claim_pid, claim_expires_at, budget_saver_json)
  VALUES (@runId, @hardwareId, @workload, @variant, @submission, @ruleset, @study, @trial, @baseSeed, @seed,
    @hparamsJson, @targetValidation, @targetTest, @targetsVersion, @metric, @metricDirection, @budgetSec, @budgetScale,
    'running', @backend, @backendVersion, @startedAt, @submissionHash, @searchSpaceHash, @workloadHash, @targetsHash,
    @codeKey, @algobenchVersion, @claimHost, @claimPid, @claimExpiresAt, @budgetSaverJson)`;

/** The fields of a TrialKey, whatever else the object passed as one carries. */
function keyParams(key: TrialKey): Record<string, unknown> {
  return {
    hardwareId: key.hardwareId, workload: key.workload, variant: key.variant, submission: key.submission,
    ruleset: key.ruleset, budgetScale: key.budgetScale, baseSeed: key.baseSeed, study: key.study, trial: key.trial,
    codeKey: key.codeKey,
  };
}

function assertLease(leaseSec: number): void {
  if (!(Number.isFinite(leaseSec) && leaseSec > 0)) throw new RangeError(`a claim's lease must be a positive number of seconds, got ${leaseSec}`);
}

/** Tables of the database, SQLite's own left out. */
function tableNames(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name").all() as Array<{
    name: string;
  }>).map((r) => r.name);
}

/**
 * Refuses a file that is not an algobench database: at version 0 any table makes it
 * another program's database; from version 1 on, every algobench table must be there.
 */
function checkTables(db: Database.Database, version: number, path: string): void {
  const names = tableNames(db);
  if (version === 0) {
    if (names.length > 0) {
      throw new AlgobenchError(
        'E_STORE',
        `${path} is an SQLite database of another program (tables: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}), not algobench results; pass ${setting('dbPath')} with another file`,
      );
    }
    return;
  }
  const missing = REQUIRED_TABLES.filter((t) => !names.includes(t));
  if (missing.length > 0) {
    throw new AlgobenchError(
      'E_STORE',
      `results database ${path} has no table ${missing.map((t) => `"${t}"`).join(', ')} (damaged, or not an algobench database); move it aside (it may hold results worth keeping) or pass ${setting('dbPath')} with another file`,
    );
  }
}

function newerSchema(path: string, version: number): AlgobenchError {
  return new AlgobenchError(
    'E_STORE',
    `results database ${path} has schema version ${version}, newer than this algobench (${SCHEMA_VERSION}); upgrade algobench or pass ${setting('dbPath')} with another file`,
  );
}

/** The one-line error of a failure while opening (or checking) the file at `path`. */
function openFault(path: string, err: unknown): unknown {
  if (err instanceof AlgobenchError) return err;
  const code = sqliteCode(err);
  if (code === 'SQLITE_NOTADB') {
    return new AlgobenchError(
      'E_STORE',
      `${path} is not a usable algobench database: not an SQLite database (${code}); move it aside or pass ${setting('dbPath')} with another file`,
      { cause: err },
    );
  }
  if (code !== undefined) return storeFault(path, 'opening it', err);
  return new AlgobenchError('E_STORE', `cannot open results database ${path}: ${errnoText(err)}; pass ${setting('dbPath')} with a usable path`, { cause: err });
}

/**
 * A writer needs the file and its folder (SQLite writes -wal and -shm files beside
 * it) to be writable: say so at once rather than at the first write.
 */
function assertWritable(path: string, full: string): void {
  const targets: Array<[string, string]> = [
    [full, 'the file'],
    [dirname(full), 'its folder, where SQLite writes the -wal and -shm files,'],
  ];
  for (const [target, label] of targets) {
    try {
      accessSync(target, constants.W_OK);
    } catch (err) {
      throw new AlgobenchError(
        'E_STORE',
        `results database ${path} cannot be written: ${label} ${errnoText(err)}; make it writable or pass ${setting('dbPath')} with a writable path (score, report and export can still read it)`,
      );
    }
  }
}

/**
 * A private snapshot of a database that cannot be opened in place for reading: a WAL
 * database whose -shm file cannot be created (a read-only mount or folder). Without a
 * -wal file the bytes are read into memory and opened from there (the header's WAL
 * marks set back to the rollback journal: the memory database has no WAL); with one,
 * both files are copied to a temporary folder and opened there. Nothing is written
 * beside the original.
 */
function snapshotOf(full: string, path: string): { db: Database.Database; cleanup?: () => void } {
  const wal = `${full}-wal`;
  try {
    if (existsSync(wal) && statSync(wal).size > 0) {
      const dir = mkdtempSync(join(tmpdir(), 'algobench-readonly-'));
      const cleanup = () => rmSync(dir, { recursive: true, force: true });
      try {
        const copy = join(dir, 'store.sqlite');
        copyFileSync(full, copy);
        copyFileSync(wal, `${copy}-wal`);
        const db = new Database(copy, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
        try {
          db.pragma('query_only = ON');
          db.prepare('SELECT COUNT(*) FROM sqlite_master').get();
        } catch (err) {
          db.close();
          throw err;
        }
        return { db, cleanup };
      } catch (err) {
        cleanup();
        throw err;
      }
    }
    const bytes = readFileSync(full);
    if (bytes.length >= 20 && bytes[18] === 2 && bytes[19] === 2) {
      bytes[18] = 1;
      bytes[19] = 1;
    }
    const db = new Database(bytes, { readonly: true });
    db.prepare('SELECT COUNT(*) FROM sqlite_master').get();
    return { db };
  } catch (err) {
    if (sqliteCode(err) !== undefined) throw openFault(path, err);
    throw new AlgobenchError(
      'E_STORE',
      `cannot read results database ${path}: it cannot be opened in place (read-only folder or mount) and a private copy failed: ${errnoText(err)}; copy it to a writable place and pass ${setting('dbPath')} with the copy`,
      { cause: err },
    );
  }
}

export class Store {
  private readonly statements = new Map<string, Database.Statement>();
  private readonly claimTx: Database.Transaction<(key: TrialKey, trial: NewTrial, leaseSec: number) => ClaimResult>;

  private constructor(
    /** The absolute path of the database file. */
    readonly path: string,
    private readonly db: Database.Database,
    private readonly wallClock: () => number,
    /** Read from a private snapshot (the file could not be opened in place). */
    readonly snapshot: boolean,
    private readonly cleanup: (() => void) | undefined,
  ) {
    this.claimTx = db.transaction((key: TrialKey, trial: NewTrial, leaseSec: number) => this.claimInTransaction(key, trial, leaseSec));
  }

  /**
   * Checks, without creating or changing anything, that `open` will succeed: an
   * existing file must be an algobench database this version can read and that can be
   * written; a new one must be creatable. Runs before any work so that bad input writes
   * nothing.
   */
  static assertUsable(path: string): void {
    const full = resolve(path);
    if (existsSync(full)) {
      Store.open(path, { readonly: true, allowEmpty: true }).close();
      assertWritable(path, full);
      return;
    }
    const ancestor = existingAncestor(dirname(full));
    try {
      if (!statSync(ancestor).isDirectory()) throw Object.assign(new Error(`${ancestor} is not a directory`), { code: 'ENOTDIR' });
      accessSync(ancestor, constants.W_OK);
    } catch (err) {
      throw new AlgobenchError('E_STORE', `cannot create results database ${path}: ${ancestor}: ${errnoText(err)}; pass ${setting('dbPath')} with a writable path`);
    }
  }

  /**
   * Opens (creating and migrating if needed) the database at `path`. Refuses, with one
   * line that says what to do, a path it cannot write, a file that is not SQLite,
   * another program's database, a damaged one, or one from a newer algobench. Read-only,
   * it never writes; a store on a read-only mount is read through a private snapshot.
   */
  static open(path: string, options: StoreOptions = {}): Store {
    const full = resolve(path);
    const wallClock = options.wallClock ?? systemWallClock;
    return options.readonly ? Store.openReadonly(path, full, options.allowEmpty ?? false, wallClock) : Store.openWritable(path, full, wallClock);
  }

  private static openReadonly(path: string, full: string, allowEmpty: boolean, wallClock: () => number): Store {
    if (!existsSync(full)) {
      throw new AlgobenchError('E_STORE', `cannot open results database ${path}: no such file; run "algobench run" first or pass ${setting('dbPath')} with an existing file`);
    }
    if (!statSync(full).isFile()) throw new AlgobenchError('E_STORE', `cannot open results database ${path}: it is not a file; pass ${setting('dbPath')} with a database file`);
    let db: Database.Database | undefined;
    let cleanup: (() => void) | undefined;
    let snapshot = false;
    try {
      db = new Database(full, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
      // Reading the schema makes SQLite check the file header: a non-database fails here.
      db.prepare('SELECT COUNT(*) FROM sqlite_master').get();
    } catch (err) {
      db?.close();
      const code = sqliteCode(err) ?? '';
      // A WAL database whose -shm file cannot be created here (read-only folder or mount).
      if (!(code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY'))) throw openFault(path, err);
      ({ db, cleanup } = snapshotOf(full, path));
      snapshot = true;
    }
    try {
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) throw newerSchema(path, version);
      checkTables(db, version, path);
      if (version === 0 && !allowEmpty) {
        throw new AlgobenchError('E_STORE', `${path} holds no algobench results; run "algobench run" first or pass ${setting('dbPath')}`);
      }
    } catch (err) {
      db.close();
      cleanup?.();
      throw openFault(path, err);
    }
    return new Store(full, db, wallClock, snapshot, cleanup);
  }

  private static openWritable(path: string, full: string, wallClock: () => number): Store {
    try {
      ensureDir(dirname(full));
    } catch (err) {
      throw new AlgobenchError('E_STORE', `cannot create results database ${path}: ${errnoText(err)}; pass ${setting('dbPath')} with a writable path`);
    }
    if (existsSync(full)) assertWritable(path, full);
    let db: Database.Database;
    try {
      db = new Database(full, { timeout: BUSY_TIMEOUT_MS });
    } catch (err) {
      throw openFault(path, err);
    }
    try {
      // Reading the schema makes SQLite check the file header: a non-database fails here,
      // before anything is written to it.
      db.prepare('SELECT COUNT(*) FROM sqlite_master').get();
      const seen = db.pragma('user_version', { simple: true }) as number;
      if (seen > SCHEMA_VERSION) throw newerSchema(path, seen);
      checkTables(db, seen, path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      if (seen < SCHEMA_VERSION) {
        // One writer migrates: the version is read again under the write lock. Foreign
        // keys are off while a table is rebuilt (they cannot change inside a transaction).
        db.pragma('foreign_keys = OFF');
        db.transaction(() => {
          const version = db.pragma('user_version', { simple: true }) as number;
          if (version > SCHEMA_VERSION) throw newerSchema(path, version);
          checkTables(db, version, path);
          for (let v = version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
          const broken = db.pragma('foreign_key_check') as unknown[];
          if (broken.length > 0) {
            throw new AlgobenchError('E_STORE', `results database ${path}: ${broken.length} rows reference missing rows after the schema upgrade; move it aside or pass ${setting('dbPath')} with another file`);
          }
          db.pragma(`user_version = ${SCHEMA_VERSION}`);
        }).immediate();
      }
      db.pragma('foreign_keys = ON');
    } catch (err) {
      db.close();
      throw openFault(path, err);
    }
    return new Store(full, db, wallClock, false, undefined);
  }

  close(): void {
    try {
      this.db.close();
    } finally {
      this.cleanup?.();
    }
  }

  /** Runs `fn`, turning a SQLite failure into one E_STORE line that says what was being done. */
  private guard<T>(action: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw storeFault(this.path, action, err);
    }
  }

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** A row as listed: a `running` row whose claim no longer holds reads `stale`. */
  private listed(row: TrialRow, nowSec: number): TrialRow {
    return row.status === 'running' && !claimIsLive(row, nowSec, true) ? { ...row, status: 'stale' } : row;
  }

  /** The id of this hardware fingerprint's row, inserting it the first time (safe against a concurrent insert). */
  hardwareId(hw: Hardware): number {
    return this.guard('recording the hardware', () => {
      this.stmt(
        `INSERT OR IGNORE INTO hardware (fingerprint, cpu_model, cpu_cores, memory_bytes, gpu, os, node_version, tfjs_version,
           backend, backend_version, details_json, first_seen) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
      ).run(
        hw.fingerprint, hw.cpuModel, hw.cpuCores, hw.memoryBytes, hw.gpu, hw.os, hw.nodeVersion, hw.tfjsVersion,
        hw.backend, hw.backendVersion, JSON.stringify(hw.details), now(),
      );
      return (this.stmt('SELECT id FROM hardware WHERE fingerprint = ?').get(hw.fingerprint) as { id: number }).id;
    });
  }

  startRun(hardwareId: number, command: string, version: string): number {
    return this.guard('starting a run', () => {
      const info = this.stmt(`INSERT INTO runs (hardware_id, command, algobench_version, started_at, status) VALUES (?,?,?,?,'running')`).run(
        hardwareId, command, version, now(),
      );
      return Number(info.lastInsertRowid);
    });
  }

  finishRun(runId: number, status: 'finished' | 'interrupted' | 'failed'): void {
    this.guard('recording the end of a run', () => this.stmt('UPDATE runs SET finished_at = ?, status = ? WHERE id = ?').run(now(), status, runId));
  }

  /** The latest finished trial under this key, code included, if any: resume skips it. */
  finishedTrial(key: TrialKey): TrialRow | undefined {
    return this.guard('looking up a finished trial', () =>
      this.stmt(`SELECT * FROM trials WHERE ${KEY_SQL} AND code_key = @codeKey AND ${FINISHED_SQL} ORDER BY id DESC LIMIT 1`).get(keyParams(key)) as
        | TrialRow
        | undefined,
    );
  }

  /**
   * The latest finished trial under this key made by other code (another submission,
   * search space, workload or targets version), if any: resume says so and reruns it.
   */
  finishedByOtherCode(key: TrialKey): TrialRow | undefined {
    return this.guard('looking up a finished trial', () =>
      this.stmt(`SELECT * FROM trials WHERE ${KEY_SQL} AND code_key != @codeKey AND ${FINISHED_SQL} ORDER BY id DESC LIMIT 1`).get(keyParams(key)) as
        | TrialRow
        | undefined,
    );
  }

  private insertTrial(t: NewTrial, nowSec: number, leaseSec: number): number {
    const info = this.stmt(INSERT_TRIAL_SQL).run({
      ...t,
      hparamsJson: JSON.stringify(t.hparams),
      budgetSaverJson: t.budgetSaverJson ?? null,
      startedAt: now(),
      claimHost: THIS_HOST,
      claimPid: process.pid,
      claimExpiresAt: nowSec + leaseSec,
    });
    return Number(info.lastInsertRowid);
  }

  /**
   * Claims the trial under `key` for this process, in one `BEGIN IMMEDIATE` transaction
   * (so two processes cannot both claim it): `finished` when a finished trial under the
   * key exists; `held` when a `running` row under the key has a live claim (its lease
   * holds and, on this host, its process runs; a claim of this very process counts as
   * stale); else the stale `running` rows under the key (any code) are marked
   * `abandoned` and a new `running` row is inserted, claimed by this host and process
   * until now + `leaseSec` (renew it with renewClaim).
   */
  claimTrial(key: TrialKey, trial: NewTrial, leaseSec: number): ClaimResult {
    assertLease(leaseSec);
    return this.guard('claiming a trial', () => this.claimTx.immediate(key, trial, leaseSec));
  }

  private claimInTransaction(key: TrialKey, trial: NewTrial, leaseSec: number): ClaimResult {
    const nowSec = this.wallClock();
    const finished = this.stmt(`SELECT * FROM trials WHERE ${KEY_SQL} AND code_key = @codeKey AND ${FINISHED_SQL} ORDER BY id DESC LIMIT 1`).get(
      keyParams(key),
    ) as TrialRow | undefined;
    if (finished !== undefined) return { kind: 'finished', row: finished };
    const running = this.stmt(`SELECT * FROM trials WHERE ${KEY_SQL} AND status = 'running' ORDER BY id DESC`).all(keyParams(key)) as TrialRow[];
    const live = running.filter((r) => claimIsLive(r, nowSec, false));
    const held = live.find((r) => r.code_key === key.codeKey);
    if (held !== undefined) return { kind: 'held', row: held };
    const trialId = this.insertTrial({ ...trial, ...key }, nowSec, leaseSec);
    for (const r of running) {
      if (live.includes(r)) continue;
      const owner = r.claim_host === null || r.claim_host === undefined ? 'an unknown process' : `process ${r.claim_pid} on ${r.claim_host}`;
      this.stmt(`UPDATE trials SET status = 'abandoned', finished_at = ?, error = COALESCE(error, ?) WHERE id = ? AND status = 'running'`).run(
        now(),
        `abandoned: ${owner} stopped running it (its process died or its claim expired); superseded by trial ${trialId}`,
        r.id,
      );
    }
    return { kind: 'claimed', trialId };
  }

  /**
   * Extends this process's claim on a running trial to now + `leaseSec`. Returns false
   * when the claim is no longer this process's (another process took the trial over
   * after the lease ran out, or the trial is no longer running).
   */
  renewClaim(trialId: number, leaseSec: number): boolean {
    assertLease(leaseSec);
    return this.guard('renewing a trial claim', () => {
      const info = this.stmt(
        `UPDATE trials SET claim_expires_at = ? WHERE id = ? AND status = 'running' AND claim_host = ? AND claim_pid = ?`,
      ).run(this.wallClock() + leaseSec, trialId, THIS_HOST, process.pid);
      return info.changes === 1;
    });
  }

  /**
   * Inserts a `running` trial row unconditionally, claimed by this process for
   * DEFAULT_LEASE_SEC (claimTrial is the way for a run: it never starts a trial twice).
   */
  startTrial(t: NewTrial): number {
    return this.guard('starting a trial', () => this.insertTrial(t, this.wallClock(), DEFAULT_LEASE_SEC));
  }

  recordEval(trialId: number, e: EvalRecord): void {
    this.guard('recording an eval', () =>
      this.stmt(
        `INSERT INTO evals (trial_id, step, submission_time_sec, eval_time_sec, train_loss, validation_json, test_json, recorded_at)
         VALUES (?,?,?,?,?,?,?,?)`,
      ).run(
        trialId, e.step, e.submissionTimeSec, e.evalTimeSec, Number.isFinite(e.trainLoss) ? e.trainLoss : null,
        JSON.stringify(e.validation), JSON.stringify(e.test), now(),
      ),
    );
  }

  finishTrial(trialId: number, o: TrialOutcome): void {
    this.guard("recording a trial's result", () =>
      this.stmt(
        `UPDATE trials SET status = @status, time_to_target_sec = @timeToTargetSec, test_reached = @testReached,
           steps = @steps, submission_time_sec = @submissionTimeSec, eval_time_sec = @evalTimeSec, error = @error,
           target_step = @targetStep, target_resolution = @targetResolution, hparams_read_json = @hparamsRead,
           noise_json = @noise, noisy = @noisy, saver_probability = @saverProbability, finished_at = @finishedAt WHERE id = @id`,
      ).run({
        status: o.status, timeToTargetSec: o.timeToTargetSec, steps: o.steps, submissionTimeSec: o.submissionTimeSec,
        evalTimeSec: o.evalTimeSec, targetStep: o.targetStep, targetResolution: o.targetResolution,
        testReached: o.testReached ? 1 : 0, error: o.error ?? null, finishedAt: now(), id: trialId,
        hparamsRead: o.hparamsRead === undefined ? null : JSON.stringify(o.hparamsRead),
        noise: o.noise === undefined ? null : JSON.stringify(o.noise),
        noisy: o.noise !== undefined && o.noise.reasons.length > 0 ? 1 : 0,
        saverProbability: o.status === 'stopped_predicted_miss' ? (o.predictedReach ?? null) : null,
      }),
    );
  }

  /** Replaces a finished trial's noise record and its flag (a run judging its trials again at its end). */
  updateTrialNoise(trialId: number, noise: TrialNoise): void {
    this.guard("recording a trial's noise", () =>
      this.stmt('UPDATE trials SET noise_json = @noise, noisy = @noisy WHERE id = @id').run({
        noise: JSON.stringify(noise), noisy: noise.reasons.length > 0 ? 1 : 0, id: trialId,
      }),
    );
  }

  /** Records that this store holds trials of the plan with this hash (algobench plan); once per plan. */
  recordPlan(hash: string, trialCount: number): void {
    this.guard('recording the plan', () => this.stmt('INSERT OR IGNORE INTO plans (hash, trial_count, first_seen) VALUES (?,?,?)').run(hash, trialCount, now()));
  }

  /** The hashes of the plans whose trials this store holds (none for a store of plain runs). */
  planHashes(): string[] {
    return this.guard('reading plans', () => (this.stmt('SELECT hash FROM plans ORDER BY hash').all() as Array<{ hash: string }>).map((r) => r.hash));
  }

  hardware(): HardwareRow[] {
    return this.guard('reading hardware', () => this.stmt('SELECT * FROM hardware ORDER BY id').all() as HardwareRow[]);
  }

  /**
   * Trials, optionally only those that finished (the ones scoring uses). Statuses are
   * as listed: a `running` row without a live claim reads `stale`.
   */
  trials(filter: { hardwareId?: number; finishedOnly?: boolean } = {}): TrialRow[] {
    const where: string[] = [];
    if (filter.hardwareId !== undefined) where.push('hardware_id = @hardwareId');
    if (filter.finishedOnly) where.push(FINISHED_SQL);
    const sql = `SELECT * FROM trials ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id`;
    const params = filter.hardwareId === undefined ? {} : { hardwareId: filter.hardwareId };
    return this.guard('reading trials', () => {
      const nowSec = this.wallClock();
      return (this.stmt(sql).all(params) as TrialRow[]).map((r) => this.listed(r, nowSec));
    });
  }

  evals(trialId: number): EvalRow[] {
    return this.guard('reading evals', () => this.stmt('SELECT * FROM evals WHERE trial_id = ? ORDER BY step').all(trialId) as EvalRow[]);
  }

  /** Trials per listed status: `running` counts live claims only, `stale` the running rows whose claim is gone. */
  statusCounts(): Partial<Record<ListedTrialStatus, number>> {
    return this.guard('counting trials', () => {
      const counts: Partial<Record<ListedTrialStatus, number>> = {};
      const rows = this.stmt(`SELECT status, COUNT(*) AS n FROM trials WHERE status != 'running' GROUP BY status`).all() as Array<{
        status: ListedTrialStatus;
        n: number;
      }>;
      for (const r of rows) counts[r.status] = r.n;
      const nowSec = this.wallClock();
      for (const r of this.stmt(`SELECT * FROM trials WHERE status = 'running'`).all() as TrialRow[]) {
        const s = this.listed(r, nowSec).status;
        counts[s] = (counts[s] ?? 0) + 1;
      }
      return counts;
    });
  }
}
