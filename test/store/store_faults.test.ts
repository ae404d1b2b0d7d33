/**
 * Store faults on real files and real disks: a full disk (a small tmpfs filled to the
 * last byte; SQLite's max_page_count as a second, mount-free case), a read-only file
 * or mount (WAL and -shm files that cannot be created), a missing table, another
 * program's SQLite file and a file that is not SQLite. Each is one E_STORE line naming
 * the file and the fix, leaves no half-written row and changes no byte of the store;
 * a read-only store can still be read, scored and exported.
 */
import { spawn } from 'node:child_process';
import { chmodSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { AlgobenchError } from '../../harness/core/errors.ts';
import { buildLeaderboards } from '../../harness/report/leaderboard.ts';
import { exportTables } from '../../harness/report/exports.ts';
import { MIGRATIONS } from '../../harness/store/schema.ts';
import { storeFault } from '../../harness/store/faults.ts';
import { isStoreFault, Store } from '../../harness/store/store.ts';
import { cleanupDirs, hardware, hashFiles, key, newTrial, NO_MOUNT_REASON, reached, schemaV2Store, sha256, tempDir, TmpfsMount, unmountAll } from './_fixtures.ts';
import { expectCodedError } from '../_coded_error.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = join(ROOT, 'test/store/_claim_child.ts');
const IS_ROOT = process.getuid?.() === 0;

afterAll(() => {
  unmountAll();
  cleanupDirs();
});

/** The E_STORE error `fn` throws: one line, naming `path`. */
function storeError(fn: () => unknown, path: string): AlgobenchError {
  const err = expectCodedError(fn, 'E_STORE', path);
  expect(isStoreFault(err)).toBe(true);
  expect(err.message).not.toMatch(/\bat \S+:\d+:\d+/); // no stack frame
  return err;
}

/** A store at `path` with one trial finished in 5 s and one still running (claimed by this process), two evals each. */
function filledStore(path: string): { trialIds: number[] } {
  const store = Store.open(path);
  try {
    const hw = store.hardwareId(hardware());
    const run = store.startRun(hw, 'test', '0');
    const ids = [0, 1].map((trial) => store.startTrial(newTrial(run, key(hw, { trial }))));
    for (const id of ids) {
      for (const step of [5, 10]) store.recordEval(id, { step, submissionTimeSec: step / 2, evalTimeSec: 0.1, trainLoss: 1, validation: { accuracy: 0.9 }, test: { accuracy: 0.9 } });
    }
    store.finishTrial(ids[0]!, reached(5));
    return { trialIds: ids };
  } finally {
    store.close();
  }
}

function count(path: string, table: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** About 290 KB of JSON: more than a full disk or a capped page count can take. */
const BIG: Record<string, number> = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`metric_${i}`, i + 0.5]));

describe('a full disk', () => {
  it.skipIf(NO_MOUNT_REASON !== undefined)(
    `on a 2 MiB tmpfs filled to the last byte: one line per failed write, nothing half-written, resumable once space is freed${NO_MOUNT_REASON ? ` (skipped: ${NO_MOUNT_REASON})` : ''}`,
    () => {
      const disk = new TmpfsMount(2 * 2 ** 20);
      try {
        const path = join(disk.dir, 'store.sqlite');
        const { trialIds } = filledStore(path);
        const store = Store.open(path);
        try {
          const filler = disk.fill();
          const full = storeError(() => store.recordEval(trialIds[1]!, { step: 20, submissionTimeSec: 10, evalTimeSec: 0.1, trainLoss: 1, validation: BIG, test: {} }), path);
          expect(full.message).toMatch(/^results database \S+: disk full \(SQLITE_FULL[:)]/);
          expect(full.message).toContain('while recording an eval; free space, then re-run the same command to resume');
          const hw = store.hardwareId(hardware());
          const k = key(hw, { trial: 2 });
          const claim = storeError(() => store.claimTrial(k, newTrial(1, k, { hparams: BIG }), 60), path);
          expect(claim.message).toContain('disk full');
          expect(claim.message).toContain('while claiming a trial');

          // Space back: the same connection works again.
          rmSync(filler);
          store.recordEval(trialIds[1]!, { step: 20, submissionTimeSec: 10, evalTimeSec: 0.1, trainLoss: 1, validation: { accuracy: 0.95 }, test: {} });
        } finally {
          store.close();
        }
        // Nothing half-written: the failed eval and the failed claim left no row.
        expect(count(path, 'trials')).toBe(2);
        expect(count(path, 'evals')).toBe(5);
        const again = Store.open(path, { readonly: true });
        try {
          expect(again.evals(trialIds[1]!).map((e) => e.step)).toEqual([5, 10, 20]);
        } finally {
          again.close();
        }

        // Opening (creating) a store on a full disk: one line too.
        const filler = disk.fill('filler2');
        const fresh = join(disk.dir, 'fresh.sqlite');
        storeError(() => Store.open(fresh), fresh);
        rmSync(filler);
      } finally {
        disk.unmount();
      }
    },
  );

  it('at SQLite\'s max_page_count (no mount needed): the same one line, nothing half-written', () => {
    const path = join(tempDir(), 'store.sqlite');
    const { trialIds } = filledStore(path);
    const store = Store.open(path);
    try {
      const db = (store as unknown as { db: Database.Database }).db;
      db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
      const err = storeError(() => store.recordEval(trialIds[1]!, { step: 20, submissionTimeSec: 10, evalTimeSec: 0.1, trainLoss: 1, validation: BIG, test: {} }), path);
      expect(err.message).toContain('disk full (SQLITE_FULL');
      expect(err.message).toContain('while recording an eval');
    } finally {
      store.close();
    }
    expect(count(path, 'evals')).toBe(4);
  });
});

describe('a read-only store', () => {
  it.skipIf(IS_ROOT)('a read-only file (chmod 444): writing refused at open with one line; reading works', () => {
    const dir = tempDir();
    const path = join(dir, 'store.sqlite');
    filledStore(path);
    chmodSync(path, 0o444);
    const err = storeError(() => Store.open(path), path);
    expect(err.message).toContain('permission denied (EACCES)');
    storeError(() => Store.assertUsable(path), path);
    const store = Store.open(path, { readonly: true });
    try {
      expect(store.trials().map((t) => t.status)).toEqual(['reached', 'running']);
    } finally {
      store.close();
    }
  });
  if (IS_ROOT) it.skip('a read-only file (chmod 444) (skipped: root ignores file modes; the read-only mount tests below stand in for it)', () => undefined);

  it.skipIf(NO_MOUNT_REASON !== undefined)(
    `on a read-only mount, closed cleanly (no -wal/-shm): "run" is refused at once; score, board and export read it; no byte changes${NO_MOUNT_REASON ? ` (skipped: ${NO_MOUNT_REASON})` : ''}`,
    () => {
      const disk = new TmpfsMount(4 * 2 ** 20);
      try {
        const path = join(disk.dir, 'store.sqlite');
        const { trialIds } = filledStore(path);
        expect(readdirSync(disk.dir)).toEqual(['store.sqlite']);
        const before = hashFiles(disk.dir);
        disk.readOnly();

        const write = storeError(() => Store.open(path), path);
        expect(write.message).toContain('read-only file system (EROFS)');
        expect(write.message).toContain('score, report and export can still read it');
        storeError(() => Store.assertUsable(path), path);

        const store = Store.open(path, { readonly: true });
        try {
          expect(store.snapshot).toBe(true);
          expect(store.trials().map((t) => [t.id, t.status])).toEqual([
            [trialIds[0], 'reached'],
            [trialIds[1], 'running'], // claimed by this (live) process
          ]);
          expect(store.evals(trialIds[0]!).map((e) => e.step)).toEqual([5, 10]);
          const [board] = buildLeaderboards(store);
          expect(board!.rows[0]!.cells['w']).toMatchObject({ seconds: 5, trials: 1, reached: 1 });
          expect(exportTables(store).evals.rows).toHaveLength(4);
        } finally {
          store.close();
        }
        expect(hashFiles(disk.dir)).toEqual(before);
      } finally {
        disk.unmount();
      }
    },
  );

  it.skipIf(NO_MOUNT_REASON !== undefined)(
    `on a read-only mount after a SIGKILLed writer (-wal and -shm left, or the -wal alone): the rows in the WAL are read${NO_MOUNT_REASON ? ` (skipped: ${NO_MOUNT_REASON})` : ''}`,
    async () => {
      const disk = new TmpfsMount(4 * 2 ** 20);
      try {
        const path = join(disk.dir, 'store.sqlite');
        // A writer claims three trials, holds them and is killed: its rows are in the WAL only.
        const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify({ db: path, mode: 'hold', trials: [0, 1, 2], leaseSec: 600 })], { cwd: ROOT });
        let out = '';
        let stderr = '';
        proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        await new Promise<void>((resolve, reject) => {
          proc.stdout.on('data', (c: Buffer) => {
            out += c.toString();
            if (out.includes('holding')) resolve();
          });
          proc.on('close', () => reject(new Error(`claim child exited early: ${stderr}`)));
        });
        proc.kill('SIGKILL');
        await new Promise((resolve) => proc.on('close', resolve));
        expect(readdirSync(disk.dir).sort()).toEqual(['store.sqlite', 'store.sqlite-shm', 'store.sqlite-wal']);

        const read = () => {
          const store = Store.open(path, { readonly: true });
          try {
            return { statuses: store.trials().map((t) => t.status), snapshot: store.snapshot };
          } finally {
            store.close();
          }
        };
        const before = hashFiles(disk.dir);
        disk.readOnly();
        expect(read().statuses).toEqual(['stale', 'stale', 'stale']);
        expect(hashFiles(disk.dir)).toEqual(before);

        // The -wal without its -shm: SQLite cannot open it in place; a private copy is read.
        disk.writable();
        rmSync(`${path}-shm`);
        const withoutShm = hashFiles(disk.dir);
        disk.readOnly();
        expect(read()).toEqual({ statuses: ['stale', 'stale', 'stale'], snapshot: true });
        expect(hashFiles(disk.dir)).toEqual(withoutShm);
      } finally {
        disk.unmount();
      }
    },
    60_000,
  );
});

describe('a missing table, a foreign file, a file that is not SQLite', () => {
  it('a store whose trials table was dropped (schema 3): refused at open, read-only too, bytes unchanged', () => {
    const dir = tempDir();
    const path = join(dir, 'store.sqlite');
    filledStore(path);
    const db = new Database(path);
    db.pragma('foreign_keys = OFF'); // as the sqlite3 shell has it
    db.exec('DROP TABLE trials');
    db.close();
    const before = sha256(path);
    for (const open of [() => Store.open(path), () => Store.open(path, { readonly: true }), () => Store.assertUsable(path)]) {
      const err = storeError(open, path);
      expect(err.message).toContain('has no table "trials" (damaged, or not an algobench database)');
      expect(err.message).toContain('pass dbPath with another file');
    }
    expect(sha256(path)).toBe(before);
  });

  it('a schema-2 store whose trials table was dropped: refused before migrating', () => {
    const path = join(tempDir(), 'v2.sqlite');
    schemaV2Store(path, ['reached']);
    const db = new Database(path);
    db.pragma('foreign_keys = OFF'); // as the sqlite3 shell has it
    db.exec('DROP TABLE trials');
    db.close();
    const before = sha256(path);
    expect(storeError(() => Store.open(path), path).message).toContain('has no table "trials"');
    expect(sha256(path)).toBe(before);
    const after = new Database(path, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(2);
    after.close();
  });

  it('a table dropped while the store is open: the next write is one E_STORE line, not a submission error', () => {
    const path = join(tempDir(), 'store.sqlite');
    const { trialIds } = filledStore(path);
    const store = Store.open(path);
    try {
      const other = new Database(path);
      other.exec('DROP TABLE evals');
      other.close();
      const err = storeError(() => store.recordEval(trialIds[1]!, { step: 20, submissionTimeSec: 10, evalTimeSec: 0.1, trainLoss: 1, validation: {}, test: {} }), path);
      expect(err.message).toMatch(/has no table "(main\.)?evals"/);
      expect(err.message).toContain('while recording an eval');
      expect(err.message).toContain('SQLITE_ERROR');
    } finally {
      store.close();
    }
  });

  it("another program's SQLite file: refused, read-only too; no byte changed, no -wal or -shm created", () => {
    const dir = tempDir();
    const path = join(dir, 'notes.sqlite');
    const db = new Database(path);
    db.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES ('keep me')");
    db.close();
    const before = hashFiles(dir);
    for (const open of [() => Store.open(path), () => Store.open(path, { readonly: true }), () => Store.assertUsable(path)]) {
      expect(storeError(open, path).message).toContain('is an SQLite database of another program (tables: notes), not algobench results; pass dbPath with another file');
    }
    expect(hashFiles(dir)).toEqual(before);

    // One that sets a user_version of its own is told apart by the missing tables.
    const other = new Database(path);
    other.pragma('user_version = 1');
    other.close();
    const versioned = hashFiles(dir);
    expect(storeError(() => Store.open(path), path).message).toContain('has no table "hardware", "runs", "trials", "evals"');
    expect(hashFiles(dir)).toEqual(versioned);
  });

  it('a file that is not SQLite: refused, read-only too; no byte changed, no -wal or -shm created', () => {
    const dir = tempDir();
    const path = join(dir, 'results.sqlite');
    writeFileSync(path, 'id,time\n1,2.5\n'.repeat(300));
    const before = hashFiles(dir);
    for (const open of [() => Store.open(path), () => Store.open(path, { readonly: true }), () => Store.assertUsable(path)]) {
      const err = storeError(open, path);
      expect(err.message).toContain('is not a usable algobench database: not an SQLite database (SQLITE_NOTADB)');
    }
    expect(hashFiles(dir)).toEqual(before);
  });
});

describe('another process holding the write lock', () => {
  it('a write waits for it (busy timeout 10 s, over better-sqlite3\'s default 5 s) instead of failing with SQLITE_BUSY', async () => {
    const path = join(tempDir(), 'store.sqlite');
    const { trialIds } = filledStore(path);
    const store = Store.open(path);
    try {
      const script = [
        "const Database = (await import('better-sqlite3')).default;",
        `const db = new Database(${JSON.stringify(path)});`,
        "db.exec('BEGIN IMMEDIATE');",
        "process.stdout.write('locked\\n');",
        "setTimeout(() => { db.exec('COMMIT'); db.close(); }, 6000);",
      ].join('\n');
      const locker = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT });
      const closed = new Promise((resolve) => locker.on('close', resolve));
      await new Promise<void>((resolve, reject) => {
        locker.stdout.on('data', (c: Buffer) => c.toString().includes('locked') && resolve());
        locker.on('close', (code) => reject(new Error(`locker exited early (${code})`)));
      });
      const start = Date.now();
      store.recordEval(trialIds[1]!, { step: 20, submissionTimeSec: 10, evalTimeSec: 0.1, trainLoss: 1, validation: { accuracy: 0.95 }, test: {} });
      const waitedMs = Date.now() - start;
      await closed;
      // It waited for the lock (at least most of the 6 s the other process held it) and then wrote.
      expect(waitedMs).toBeGreaterThan(4000);
      expect(store.evals(trialIds[1]!).map((e) => e.step)).toEqual([5, 10, 20]);
    } finally {
      store.close();
    }
  }, 30_000);
});

describe('storeFault: one line per SQLite error code', () => {
  const path = '/data/results.sqlite';
  const cases: Array<[string, string, string]> = [
    ['SQLITE_FULL', 'database or disk is full', 'results database /data/results.sqlite: disk full (SQLITE_FULL: database or disk is full) while recording an eval; free space, then re-run the same command to resume'],
    ['SQLITE_READONLY', 'attempt to write a readonly database', 'results database /data/results.sqlite: the file, its folder or its disk is read-only (SQLITE_READONLY: attempt to write a readonly database) while recording an eval; make it writable (or pass dbPath with a writable copy), then re-run the same command to resume'],
    ['SQLITE_BUSY', 'database is locked', 'results database /data/results.sqlite: locked by another process for too long (SQLITE_BUSY: database is locked) while recording an eval; wait for the other process (another algobench run on this file?), then re-run the same command to resume'],
    ['SQLITE_IOERR_WRITE', 'disk I/O error', 'results database /data/results.sqlite: I/O error (SQLITE_IOERR_WRITE: disk I/O error) while recording an eval; check the disk (is it full, unmounted or failing?), then re-run the same command to resume'],
    ['SQLITE_CORRUPT', 'database disk image is malformed', 'results database /data/results.sqlite: the file is damaged (SQLITE_CORRUPT: database disk image is malformed) while recording an eval; move it aside (it may hold results worth keeping) or pass dbPath with another file'],
    ['SQLITE_ERROR', 'no such table: evals', 'results database /data/results.sqlite: it has no table "evals" (damaged, or not an algobench database) (SQLITE_ERROR: no such table: evals) while recording an eval; move it aside (it may hold results worth keeping) or pass dbPath with another file'],
  ];
  for (const [code, message, expected] of cases) {
    it(code, () => {
      const err = storeFault(path, 'recording an eval', new Database.SqliteError(message, code));
      expect(isStoreFault(err)).toBe(true);
      expect((err as Error).message).toBe(expected);
    });
  }

  it('leaves anything that is not a SQLite error as it was (a bug keeps its stack)', () => {
    const bug = new TypeError('x is undefined');
    expect(storeFault(path, 'recording an eval', bug)).toBe(bug);
    expect(isStoreFault(bug)).toBe(false);
    expect(isStoreFault(new AlgobenchError('E_BAD_SUBMISSION', 'the submission threw'))).toBe(false);
  });
});
