/**
 * The copying half of merge (merge.ts checks the shards and the merged store first).
 * Built for grids of thousands of trials and hundreds of thousands of evals: rows move
 * inside SQLite (ATTACH and INSERT … SELECT), and JavaScript touches one row per
 * trial, never one per eval.
 *
 * Two phases, because SQLite cannot DETACH a database inside a transaction and attaches
 * at most 10 at once: first each shard is attached in turn and its rows copied into
 * TEMP staging tables of the merged store's connection (the merged store itself is
 * not written); then one IMMEDIATE transaction folds the staging tables into the
 * merged store. An error in either phase leaves the merged store as it was.
 *
 * Every table is folded idempotently, matched on what identifies a row rather than on
 * its id: hardware by fingerprint, plans by hash, runs by (fingerprint, command, start
 * time), trials by (fingerprint, grid place, code key), evals with their trial. A
 * shard merged again, or a resumed shard merged after its first part was, adds only
 * the rows it did not have before.
 */
import type Database from 'better-sqlite3';
import { FINISHED_STATUSES, trialKeyText } from './rows.ts';

export interface FoldShard {
  readonly path: string;
  readonly planHash: string;
  readonly trialCount: number;
}

export interface FoldConflict {
  readonly key: string;
  readonly fingerprint: string;
  readonly shard: string;
  readonly kept: string;
  readonly refused: string;
}

export interface FoldResult {
  readonly added: number;
  readonly evals: number;
  readonly alreadyThere: number;
  readonly conflicts: FoldConflict[];
  readonly finishedKeys: Set<string>;
  readonly unfinishedKeys: Set<string>;
}

const FINISHED_SQL = `status IN (${FINISHED_STATUSES.map((s) => `'${s}'`).join(', ')})`;
const KEY_COLUMNS = ['workload', 'variant', 'submission', 'ruleset', 'budget_scale', 'base_seed', 'study', 'trial', 'code_key'] as const;
/** What makes two rows under one key the same result. */
const RESULT_COLUMNS = [
  'status', 'time_to_target_sec', 'target_step', 'steps', 'submission_time_sec', 'test_reached', 'error', 'seed', 'hparams_json', 'started_at', 'finished_at',
] as const;

interface KeyedRow {
  readonly shard: number;
  readonly id: number;
  readonly fingerprint: string;
  readonly status: string;
  readonly time_to_target_sec: number | null;
  readonly started_at: string;
  readonly [column: string]: unknown;
}

const keyOf = (r: KeyedRow): string =>
  trialKeyText({
    workload: r.workload as string, variant: r.variant as string, submission: r.submission as string, ruleset: r.ruleset as 'external',
    budgetScale: r.budget_scale as number, baseSeed: r.base_seed as number, study: r.study as number, trial: r.trial as number, codeKey: r.code_key as string,
  });
const resultOf = (r: KeyedRow): string => JSON.stringify(RESULT_COLUMNS.map((c) => r[c]));
const describe = (r: KeyedRow): string =>
  `${r.status}${r.time_to_target_sec === null ? '' : ` in ${r.time_to_target_sec.toFixed(2)} s`} (started ${r.started_at})`;

const columnsOf = (db: Database.Database, table: string): string[] =>
  (db.pragma(`table_info(${table})`) as Array<{ name: string }>).map((c) => c.name).filter((c) => c !== 'id');

/** Phase 1: each shard's rows into TEMP staging tables (finished trials' evals only). */
export function stageShards(db: Database.Database, shards: readonly FoldShard[]): void {
  db.pragma('temp_store = MEMORY');
  for (const table of ['hardware', 'runs', 'trials', 'evals']) {
    db.exec(`CREATE TEMP TABLE stage_${table} AS SELECT 0 AS shard, * FROM main.${table} WHERE 0`);
  }
  const copy = (table: string, where = ''): string => {
    const columns = ['id', ...columnsOf(db, table)];
    return `INSERT INTO temp.stage_${table} (shard, ${columns.join(', ')}) SELECT @shard, ${columns.join(', ')} FROM shard.${table} ${where}`;
  };
  const statements = [copy('hardware'), copy('runs'), copy('trials'), copy('evals', `WHERE trial_id IN (SELECT id FROM shard.trials WHERE ${FINISHED_SQL})`)];
  shards.forEach((s, shard) => {
    db.prepare('ATTACH DATABASE ? AS shard').run(s.path);
    try {
      db.transaction(() => {
        for (const sql of statements) db.prepare(sql).run({ shard });
      })();
    } finally {
      db.exec('DETACH DATABASE shard');
    }
  });
  db.exec('CREATE INDEX temp.stage_trials_by_shard ON stage_trials (shard, id)');
}

/** Phase 2, inside the caller's transaction: the staged rows into the merged store. */
export function foldStaged(db: Database.Database, shards: readonly FoldShard[]): FoldResult {
  const firstSeen = new Date().toISOString();
  const plan = db.prepare('INSERT OR IGNORE INTO plans (hash, trial_count, first_seen) VALUES (?,?,?)');
  for (const s of shards) plan.run(s.planHash, s.trialCount, firstSeen);
  const hardwareColumns = columnsOf(db, 'hardware').join(', ');
  db.exec(`INSERT OR IGNORE INTO main.hardware (${hardwareColumns}) SELECT ${hardwareColumns} FROM stage_hardware ORDER BY shard, id`);

  // Which staged trials are new: one pass over the trials (not the evals) in JavaScript.
  const wanted = ['status', 'time_to_target_sec', 'started_at', ...new Set([...KEY_COLUMNS, ...RESULT_COLUMNS])].map((c) => `t.${c}`).join(', ');
  const latest = new Map<string, KeyedRow>();
  const byFingerprintAndKey = (r: KeyedRow): string => `${r.fingerprint}\u0000${keyOf(r)}`;
  for (const r of db.prepare(`SELECT 0 AS shard, t.id, h.fingerprint, ${wanted} FROM main.trials t JOIN main.hardware h ON h.id = t.hardware_id WHERE t.${FINISHED_SQL} ORDER BY t.id`).iterate() as IterableIterator<KeyedRow>) {
    latest.set(byFingerprintAndKey(r), r);
  }
  const conflicts: FoldConflict[] = [];
  const unfinishedKeys = new Set<string>();
  const picks: KeyedRow[] = [];
  let alreadyThere = 0;
  const staged = db.prepare(`SELECT t.shard, t.id, h.fingerprint, ${wanted} FROM stage_trials t JOIN stage_hardware h ON h.shard = t.shard AND h.id = t.hardware_id ORDER BY t.shard, t.id`);
  for (const r of staged.iterate() as IterableIterator<KeyedRow>) {
    if (!(FINISHED_STATUSES as readonly string[]).includes(r.status)) {
      unfinishedKeys.add(keyOf(r));
      continue;
    }
    const key = byFingerprintAndKey(r);
    const existing = latest.get(key);
    if (existing === undefined) {
      latest.set(key, r);
      picks.push(r);
    } else if (resultOf(existing) === resultOf(r)) alreadyThere += 1;
    else conflicts.push({ key: keyOf(r), fingerprint: r.fingerprint, shard: shards[r.shard]!.path, kept: describe(existing), refused: describe(r) });
  }

  // Runs of the new trials, each once: matched on its fingerprint, command and start time.
  db.exec('CREATE TEMP TABLE pick (shard INTEGER NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (shard, id))');
  const pick = db.prepare('INSERT INTO pick (shard, id) VALUES (?, ?)');
  for (const r of picks) pick.run(r.shard, r.id);
  const runOut = `FROM stage_runs r JOIN stage_hardware sh ON sh.shard = r.shard AND sh.id = r.hardware_id JOIN main.hardware h ON h.fingerprint = sh.fingerprint`;
  db.exec(`
    INSERT INTO main.runs (hardware_id, command, algobench_version, started_at, finished_at, status)
    SELECT h.id, r.command, r.algobench_version, r.started_at, r.finished_at, r.status ${runOut}
    WHERE EXISTS (SELECT 1 FROM pick p JOIN stage_trials t ON t.shard = p.shard AND t.id = p.id WHERE t.shard = r.shard AND t.run_id = r.id)
      AND NOT EXISTS (SELECT 1 FROM main.runs m WHERE m.hardware_id = h.id AND m.command = r.command AND m.started_at = r.started_at)
    GROUP BY h.id, r.command, r.started_at
    ORDER BY MIN(r.shard), MIN(r.id);
    CREATE TEMP TABLE run_map (shard INTEGER NOT NULL, id INTEGER NOT NULL, out_id INTEGER NOT NULL, PRIMARY KEY (shard, id));
    INSERT INTO run_map SELECT r.shard, r.id, MIN(m.id) ${runOut}
      JOIN main.runs m ON m.hardware_id = h.id AND m.command = r.command AND m.started_at = r.started_at
      GROUP BY r.shard, r.id;
    CREATE TEMP TABLE hardware_map (shard INTEGER NOT NULL, id INTEGER NOT NULL, out_id INTEGER NOT NULL, PRIMARY KEY (shard, id));
    INSERT INTO hardware_map SELECT sh.shard, sh.id, h.id FROM stage_hardware sh JOIN main.hardware h ON h.fingerprint = sh.fingerprint;
    CREATE TEMP TABLE trial_map (shard INTEGER NOT NULL, id INTEGER NOT NULL, out_id INTEGER NOT NULL, PRIMARY KEY (shard, id));
  `);

  // The new trials one by one (their new ids are needed), their evals in one statement.
  const trialColumns = columnsOf(db, 'trials').filter((c) => c !== 'run_id' && c !== 'hardware_id');
  const insertTrial = db.prepare(`
    INSERT INTO main.trials (run_id, hardware_id, ${trialColumns.join(', ')})
    SELECT rm.out_id, hm.out_id, ${trialColumns.map((c) => `t.${c}`).join(', ')} FROM stage_trials t
    JOIN run_map rm ON rm.shard = t.shard AND rm.id = t.run_id JOIN hardware_map hm ON hm.shard = t.shard AND hm.id = t.hardware_id
    WHERE t.shard = ? AND t.id = ?`);
  const mapTrial = db.prepare('INSERT INTO trial_map (shard, id, out_id) VALUES (?, ?, ?)');
  for (const r of picks) {
    const inserted = insertTrial.run(r.shard, r.id);
    if (inserted.changes !== 1) throw new Error(`trial ${r.id} of shard ${shards[r.shard]!.path} has no run or hardware row to go with it`);
    mapTrial.run(r.shard, r.id, inserted.lastInsertRowid);
  }
  const evalColumns = columnsOf(db, 'evals').filter((c) => c !== 'trial_id');
  const evals = db.prepare(`
    INSERT INTO main.evals (trial_id, ${evalColumns.join(', ')})
    SELECT m.out_id, ${evalColumns.map((c) => `e.${c}`).join(', ')} FROM stage_evals e JOIN trial_map m ON m.shard = e.shard AND m.id = e.trial_id
    ORDER BY e.rowid`).run().changes;

  const finishedKeys = new Set([...latest.values()].map(keyOf));
  return { added: picks.length, evals, alreadyThere, conflicts, finishedKeys, unfinishedKeys };
}
