/**
 * Schema 5, the budget saver's marks: a store written at schema 4 is rebuilt in place
 * with every row kept and the new columns empty (no old trial ran with the saver); the
 * status `stopped_predicted_miss` is a finished trial (resume skips it) with the
 * predicted probability at the stop; and no trial run with the saver is scored, even
 * one faster than every scored trial.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { buildLeaderboards } from '../../harness/report/leaderboard.ts';
import { MIGRATIONS } from '../../harness/store/schema.ts';
import { Store } from '../../harness/store/store.ts';
import { cleanupDirs, hardware, key, newTrial, reached, schemaV2Store, tempDir } from './_fixtures.ts';

afterAll(cleanupDirs);

const SAVER = JSON.stringify({ threshold: 0.05, minFraction: 0.2 });

function rows(path: string, sql: string): Array<Record<string, unknown>> {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).all() as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
}

describe('schema 5: the budget saver', () => {
  it('migrates a schema-4 store in place: every trial kept, unmarked', () => {
    const path = join(tempDir(), 'v4.sqlite');
    schemaV2Store(path, ['reached', 'budget_exhausted']);
    const db = new Database(path);
    // As Store.open migrates: foreign keys off while trials is rebuilt.
    db.pragma('foreign_keys = OFF');
    db.exec(MIGRATIONS[2]!);
    db.exec(MIGRATIONS[3]!);
    db.pragma('user_version = 4');
    db.close();
    const before = rows(path, 'SELECT * FROM trials ORDER BY id');
    Store.open(path).close();
    expect(rows(path, 'PRAGMA user_version')).toEqual([{ user_version: 5 }]);
    expect(rows(path, 'SELECT * FROM trials ORDER BY id')).toEqual(before.map((r) => ({ ...r, budget_saver_json: null, saver_probability: null })));
    expect(rows(path, 'SELECT COUNT(*) AS n FROM evals')).toEqual([{ n: 4 }]);
  });

  it('records a stopped trial as finished, with the saver settings and the probability at the stop', () => {
    const store = Store.open(join(tempDir(), 's.sqlite'));
    try {
      const hw = store.hardwareId(hardware());
      const run = store.startRun(hw, 'run --budget-saver', '0');
      const k = key(hw);
      const id = store.startTrial(newTrial(run, k, { budgetSaverJson: SAVER }));
      store.finishTrial(id, {
        status: 'stopped_predicted_miss', timeToTargetSec: null, targetStep: null, targetResolution: null, testReached: false,
        steps: 40, submissionTimeSec: 2.5, evalTimeSec: 0.3, evals: 6, error: 'stopped by the budget saver', predictedReach: 0.012,
      });
      const row = store.finishedTrial(k);
      expect(row).toMatchObject({ status: 'stopped_predicted_miss', saver_probability: 0.012, budget_saver_json: SAVER, submission_time_sec: 2.5 });
    } finally {
      store.close();
    }
  });

  it('leaves trials run with the saver out of every leaderboard', () => {
    const store = Store.open(join(tempDir(), 'b.sqlite'));
    try {
      const hw = store.hardwareId(hardware());
      const run = store.startRun(hw, 'run', '0');
      // Scored: two trials of submission s (3 s and a miss). Saver runs: s in 1 s, and t, which has no scored trial at all.
      store.finishTrial(store.startTrial(newTrial(run, key(hw, { trial: 0 }))), reached(3));
      store.finishTrial(store.startTrial(newTrial(run, key(hw, { trial: 1 }))), { status: 'budget_exhausted', timeToTargetSec: null, targetStep: null, targetResolution: null, testReached: false, steps: 10, submissionTimeSec: 10, evalTimeSec: 0.1, evals: 1 });
      store.finishTrial(store.startTrial(newTrial(run, key(hw, { trial: 0, codeKey: 'saver' }), { budgetSaverJson: SAVER })), reached(1));
      store.finishTrial(store.startTrial(newTrial(run, key(hw, { submission: 't', codeKey: 'saver' }), { budgetSaverJson: SAVER })), reached(1));
      const boards = buildLeaderboards(store);
      expect(boards).toHaveLength(1);
      expect(boards[0]!.rows.map((r) => r.submission)).toEqual(['s']);
      expect(boards[0]!.rows[0]!.cells['w']).toMatchObject({ seconds: 3, trials: 2, reached: 1 });
      expect(boards[0]!.attempts).toHaveLength(2);
    } finally {
      store.close();
    }
  });
});
