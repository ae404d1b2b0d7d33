/**
 * Schema 3: a store written at schema 2 is rebuilt in place (trials recreated with the
 * new statuses and claim columns) with every row and eval kept; the new statuses are
 * finished trials, `abandoned` and stale `running` rows never are; a read-only open
 * migrates nothing; two processes opening one old store at once migrate it once.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { buildLeaderboards } from '../../harness/report/leaderboard.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../../harness/store/schema.ts';
import { isStoreFault, Store } from '../../harness/store/store.ts';
import { cleanupDirs, key, newTrial, reached, schemaV2Store, sha256, tempDir } from './_fixtures.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
afterAll(cleanupDirs);

const V2_STATUSES = ['reached', 'error', 'interrupted', 'running', 'budget_exhausted'];

function rawRows(path: string, sql: string): Array<Record<string, unknown>> {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).all() as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
}

describe('schema 3 migration', () => {
  it('is the current version', () => {
    expect(SCHEMA_VERSION).toBe(5);
  });

  it('rebuilds trials of a schema-2 store in place: every row and eval kept, claim columns added, index and foreign keys intact', () => {
    const path = join(tempDir(), 'v2.sqlite');
    schemaV2Store(path, V2_STATUSES);
    const trialsBefore = rawRows(path, 'SELECT * FROM trials ORDER BY id');
    const evalsBefore = rawRows(path, 'SELECT * FROM evals ORDER BY id');
    expect(trialsBefore).toHaveLength(5);
    expect(evalsBefore).toHaveLength(10);

    const store = Store.open(path);
    try {
      const db = new Database(path, { readonly: true });
      try {
        expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
        const columns = (db.pragma('table_info(trials)') as Array<{ name: string }>).map((c) => c.name);
        expect(columns.slice(0, Object.keys(trialsBefore[0]!).length)).toEqual(Object.keys(trialsBefore[0]!));
        // Schema 3's claim columns, then schema 5's budget-saver columns.
        expect(columns.slice(-5)).toEqual(['claim_host', 'claim_pid', 'claim_expires_at', 'budget_saver_json', 'saver_probability']);
        const after = db.prepare('SELECT * FROM trials ORDER BY id').all() as Array<Record<string, unknown>>;
        expect(after).toEqual(trialsBefore.map((r) => ({ ...r, claim_host: null, claim_pid: null, claim_expires_at: null, budget_saver_json: null, saver_probability: null })));
        expect(db.prepare('SELECT * FROM evals ORDER BY id').all()).toEqual(evalsBefore);
        const indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'trials' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
        expect(indexes).toContain('trials_by_key');
        expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'trials_v3'").all()).toEqual([]);
        const fk = db.pragma('foreign_key_list(evals)') as Array<{ table: string; from: string }>;
        expect(fk.map((f) => [f.table, f.from])).toEqual([['trials', 'trial_id']]);
        expect(db.pragma('foreign_key_check')).toEqual([]);
      } finally {
        db.close();
      }
      // Foreign keys are on again: an eval of a trial that does not exist is refused.
      let err: unknown;
      try {
        store.recordEval(999, { step: 1, submissionTimeSec: 1, evalTimeSec: 0, trainLoss: 0, validation: {}, test: {} });
      } catch (e) {
        err = e;
      }
      expect(isStoreFault(err)).toBe(true);
      expect((err as Error).message).toContain('FOREIGN KEY constraint failed');

      // The v2 `running` row has no claim: stale. Finished = reached, error, budget_exhausted.
      expect(store.trials().map((t) => t.status)).toEqual(['reached', 'error', 'interrupted', 'stale', 'budget_exhausted']);
      expect(store.statusCounts()).toEqual({ reached: 1, error: 1, interrupted: 1, stale: 1, budget_exhausted: 1 });
      expect(store.trials({ finishedOnly: true }).map((t) => t.id)).toEqual([1, 2, 5]);
      // Resume: the stale trial (trial 3) is claimed again and its old row abandoned.
      const k = key(1, { trial: 3 });
      expect(store.finishedTrial(k)).toBeUndefined();
      const got = store.claimTrial(k, newTrial(1, k), 60);
      expect(got).toEqual({ kind: 'claimed', trialId: 6 });
      expect(store.trials().map((t) => t.status)).toEqual(['reached', 'error', 'interrupted', 'abandoned', 'budget_exhausted', 'running']);
      expect(store.finishedTrial(key(1, { trial: 0 }))?.id).toBe(1);
    } finally {
      store.close();
    }
  });

  it('accepts the watchdog statuses as finished trials (scored as misses) and refuses unknown ones', () => {
    const path = join(tempDir(), 's.sqlite');
    const store = Store.open(path);
    try {
      const hw = store.hardwareId({ fingerprint: 'f', cpuModel: 'c', cpuCores: 1, memoryBytes: 1, gpu: 'none', os: 'o', nodeVersion: 'v', tfjsVersion: 't', backend: 'b', backendVersion: 'bv', details: {} });
      const run = store.startRun(hw, 'test', '0');
      const statuses = ['timeout', 'crashed', 'killed', 'forbidden'] as const;
      statuses.forEach((status, trial) => {
        const k = key(hw, { trial });
        const id = store.startTrial(newTrial(run, k));
        store.finishTrial(id, { ...reached(), status, timeToTargetSec: null, targetStep: null, targetResolution: null, testReached: false, error: `${status}: what the watchdog saw` });
        expect(store.finishedTrial(k)?.status).toBe(status);
      });
      const k = key(hw, { trial: 9 });
      store.finishTrial(store.startTrial(newTrial(run, k)), reached(3));
      expect(store.statusCounts()).toEqual({ timeout: 1, crashed: 1, killed: 1, forbidden: 1, reached: 1 });
      const [board] = buildLeaderboards(store);
      // One study: best of 5 trials = 3 s (the four watchdog statuses are misses).
      expect(board!.rows[0]!.cells['w']).toMatchObject({ seconds: 3, trials: 5, reached: 1 });
    } finally {
      store.close();
    }
    const db = new Database(path);
    try {
      expect(() => db.prepare("UPDATE trials SET status = 'bogus' WHERE id = 1").run()).toThrow(/CHECK constraint failed/);
      db.prepare("UPDATE trials SET status = 'abandoned' WHERE id = 1").run();
    } finally {
      db.close();
    }
  });

  it('a read-only open of a schema-2 store migrates nothing and lists its rows', () => {
    const path = join(tempDir(), 'v2.sqlite');
    schemaV2Store(path, V2_STATUSES);
    const before = sha256(path);
    const store = Store.open(path, { readonly: true });
    try {
      expect(store.trials().map((t) => t.status)).toEqual(['reached', 'error', 'interrupted', 'stale', 'budget_exhausted']);
      expect(store.trials({ finishedOnly: true })).toHaveLength(3);
      expect(buildLeaderboards(store)[0]!.trials.map((t) => t.id)).toEqual([1, 2, 5]);
    } finally {
      store.close();
    }
    expect(sha256(path)).toBe(before);
    expect(rawRows(path, 'PRAGMA user_version')).toEqual([{ user_version: 2 }]);
  });

  it('two processes opening one schema-1 store at the same instant migrate it once (the version is read again under the write lock)', async () => {
    // Schema 1 → 2 adds columns: migrating twice fails ("duplicate column name").
    const dir = tempDir();
    const path = join(dir, 'v1.sqlite');
    const go = join(dir, 'go');
    {
      const db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.exec(MIGRATIONS[0]!);
      db.pragma('user_version = 1');
      db.close();
    }
    const script = [
      "const { existsSync } = await import('node:fs');",
      "const { Store } = await import('./harness/store/store.ts');",
      "process.stdout.write('ready\\n');",
      `while (!existsSync(${JSON.stringify(go)})) await new Promise((r) => setTimeout(r, 1));`,
      `const s = Store.open(${JSON.stringify(path)});`,
      's.close();',
      "process.stdout.write('ok');",
    ].join('\n');
    const procs = [0, 1].map(() => {
      const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT });
      let out = '';
      let err = '';
      let onReady: () => void = () => undefined;
      const ready = new Promise<void>((resolve) => (onReady = resolve));
      p.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('ready')) onReady();
      });
      p.stderr.on('data', (c: Buffer) => (err += c.toString()));
      const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
        p.on('close', (code) => {
          onReady();
          resolve({ code, out, err });
        }),
      );
      return { ready, done };
    });
    await Promise.all(procs.map((p) => p.ready));
    writeFileSync(go, '');
    const results = await Promise.all(procs.map((p) => p.done));
    for (const r of results) {
      expect(r.code, r.err).toBe(0);
      expect(r.out).toBe('ready\nok');
    }
    expect(rawRows(path, 'PRAGMA user_version')).toEqual([{ user_version: SCHEMA_VERSION }]);
    const columns = rawRows(path, 'PRAGMA table_info(trials)').map((c) => c['name']);
    expect(columns.filter((c) => c === 'code_key')).toHaveLength(1);
  }, 60_000);
});
