/**
 * Folding shard stores (one per array task of a planned run) into one store, in one
 * transaction: a failure leaves the merged store as it was. Only finished trials are
 * copied, each with its evals, its run and its hardware fingerprint (matched by the
 * fingerprint, so a cluster of mixed nodes keeps one leaderboard per fingerprint).
 *
 * A trial is matched by its key: hardware fingerprint, grid place and code key. The
 * same key with the same result (status, times, steps, seed, hyperparameters, start
 * and end) is the same trial, already there: merging a shard twice changes nothing.
 * The same key with another result is a conflict: reported, never overwritten (the
 * result merged first stays). Unfinished attempts (running, interrupted, abandoned)
 * are not copied; they are reported so that merge can tell unfinished planned trials
 * from missing ones.
 *
 * Every shard must record exactly one plan (Store.recordPlan), the same for all shards,
 * the expected one when a plan is given, and the merged store's when it records one:
 * a shard of another plan is refused before anything is written.
 */
import { accessSync, constants, existsSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { AlgobenchError, setting } from '../core/errors.ts';
import { existingAncestor } from './dirs.ts';
import { errnoText, sqliteCode } from './faults.ts';
import { foldStaged, stageShards, type FoldConflict, type FoldResult, type FoldShard } from './merge_fold.ts';
import { SCHEMA_VERSION } from './schema.ts';
import { Store } from './store.ts';

/** A trial that came back with two results: its key (trialKeyText), the shard whose result was not merged, both results in words. */
export type MergeConflict = FoldConflict;

export interface MergeSummary {
  readonly planHash: string;
  /** Trials copied into the merged store (with `evals` evals). */
  readonly added: number;
  readonly evals: number;
  /** Trials the merged store already held with the same result. */
  readonly alreadyThere: number;
  readonly conflicts: readonly MergeConflict[];
  /** Keys (trialKeyText) of the finished trials of the merged store, every fingerprint. */
  readonly finishedKeys: ReadonlySet<string>;
  /** Keys of the unfinished attempts seen in the shards. */
  readonly unfinishedKeys: ReadonlySet<string>;
}

const short = (hash: string): string => hash.slice(0, 12);

/** Checks that a shard is a store of one plan (read-only); its plan. */
function shardPlan(path: string): { planHash: string; trialCount: number } {
  const shardError = (why: string) => new AlgobenchError('E_PLAN', `cannot merge shard ${path}: ${why}`);
  if (!existsSync(path)) throw shardError('no such file; pass the shard stores that run wrote');
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.prepare('SELECT COUNT(*) FROM sqlite_master').get();
  } catch (err) {
    throw shardError(sqliteCode(err) === 'SQLITE_NOTADB' ? 'not an SQLite database' : errnoText(err));
  }
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) throw shardError(`its schema version ${version} is newer than this algobench (${SCHEMA_VERSION}); merge with the algobench that wrote it`);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name);
    if (!tables.includes('trials')) throw shardError('not an algobench results database');
    const plans = tables.includes('plans') ? (db.prepare('SELECT hash, trial_count FROM plans').all() as Array<{ hash: string; trial_count: number }>) : [];
    if (plans.length === 0) throw shardError(`it records no plan (a store of runs without ${setting('plan')}); merge only the stores of one planned run`);
    if (plans.length > 1) throw shardError(`it holds trials of ${plans.length} plans (${plans.map((p) => short(p.hash)).join(', ')}); give each shard its own store`);
    return { planHash: plans[0]!.hash, trialCount: plans[0]!.trial_count };
  } finally {
    db.close();
  }
}

/** Opens the merged store; its faults name the merged store, not a --db setting. */
function openOut(open: () => Store): Store {
  try {
    return open();
  } catch (err) {
    if (err instanceof AlgobenchError) throw new AlgobenchError(err.code, err.template.replaceAll(setting('dbPath'), 'another merged store'), { cause: err });
    throw err;
  }
}

/**
 * A merged store holds one plan's trials: one that records another plan (an earlier
 * merge of another grid) is refused; a store of plain runs (no plan) may take them.
 */
function assertSamePlan(out: string, planHash: string): void {
  const store = openOut(() => Store.open(out, { readonly: true, allowEmpty: true }));
  let plans: string[];
  try {
    plans = store.planHashes();
  } catch {
    plans = []; // a store from before plans were recorded holds none
  } finally {
    store.close();
  }
  if (plans.length > 0 && !plans.includes(planHash)) {
    throw new AlgobenchError('E_PLAN', `the merged store ${out} holds plan ${plans.map((p) => `${short(p)}…`).join(', ')}, not plan ${short(planHash)}… of the shards; merge each plan into a store of its own`);
  }
}

/** The merged store must be writable (or creatable): checked before anything is written. */
function assertWritableOut(out: string): void {
  const full = resolve(out);
  try {
    if (existsSync(full)) {
      if (!statSync(full).isFile()) throw Object.assign(new Error(`${full} is not a file`), { code: 'EISDIR' });
      accessSync(full, constants.W_OK);
      accessSync(dirname(full), constants.W_OK);
      return;
    }
    const ancestor = existingAncestor(dirname(full));
    if (!statSync(ancestor).isDirectory()) throw Object.assign(new Error(`${ancestor} is not a directory`), { code: 'ENOTDIR' });
    accessSync(ancestor, constants.W_OK);
  } catch (err) {
    throw new AlgobenchError('E_STORE', `cannot write the merged store ${out}: ${errnoText(err)}; pass a writable path as the merged store`);
  }
}

/**
 * Merges `shards` into `out` (created if missing) in one transaction. `planHash`, when
 * given, is the plan every shard must belong to.
 */
export function mergeStores(out: string, shards: readonly string[], planHash?: string): MergeSummary {
  if (shards.length === 0) throw new AlgobenchError('E_USAGE', 'no shard store given; pass the merged store, then one or more shard stores');
  const outFull = resolve(out);
  const same = shards.find((s) => resolve(s) === outFull);
  if (same !== undefined) throw new AlgobenchError('E_USAGE', `${same} is both the merged store and a shard; pass another path as the merged store`);
  assertWritableOut(out);
  const opened: FoldShard[] = [];
  for (const path of shards) {
    const shard = { ...shardPlan(path), path };
    opened.push(shard);
    const expected = planHash ?? opened[0]!.planHash;
    if (shard.planHash !== expected) {
      const whose = planHash !== undefined ? `the plan passed with ${setting('plan')}` : `shard ${opened[0]!.path}`;
      throw new AlgobenchError(
        'E_PLAN',
        `shard ${path} belongs to plan ${short(shard.planHash)}…, not to plan ${short(expected)}… of ${whose}; merge the shards of one plan together`,
      );
    }
  }
  const created = !existsSync(outFull);
  if (!created) assertSamePlan(out, opened[0]!.planHash);
  try {
    return mergeInto(out, opened);
  } catch (err) {
    // A store created for this merge and left empty by the rollback goes too.
    if (created) for (const suffix of ['', '-wal', '-shm']) rmSync(`${outFull}${suffix}`, { force: true });
    throw err;
  }
}

function mergeInto(out: string, shards: readonly FoldShard[]): MergeSummary {
  openOut(() => Store.open(out)).close(); // creates or migrates the merged store, refusing a foreign file
  const db = new Database(out, { timeout: 10_000 });
  try {
    db.pragma('foreign_keys = ON');
    const fold = db.transaction(() => foldStaged(db, shards));
    let result: FoldResult;
    try {
      stageShards(db, shards);
      result = fold.immediate();
    } catch (err) {
      if (err instanceof AlgobenchError) throw err;
      throw new AlgobenchError('E_STORE', `merging into ${out} failed and was rolled back, nothing written: ${errnoText(err)}`, { cause: err });
    }
    return { planHash: shards[0]!.planHash, ...result };
  } finally {
    db.close();
  }
}
