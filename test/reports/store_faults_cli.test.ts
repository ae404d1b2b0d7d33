/**
 * Store and output faults through the real command line (`node bin/algobench.js`):
 * `report --out` and `export --out` into places that cannot be written (under /proc,
 * under a regular file, a read-only mount, a full disk) fail at once with exactly one
 * line on stderr naming the path and a non-zero exit, never hang, never leave a
 * partial output, and change no byte of the store; a store with a missing table,
 * another program's SQLite file or a non-SQLite file is refused the same way by
 * score, report, export and run; a store on a read-only mount is still scored,
 * reported and exported. Mount-based cases are skipped, with the reason, where this
 * process cannot mount a tmpfs.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, it, type ExpectStatic } from 'vitest';
import { cli, describeResult, type CliResult } from '../cli/cli_helpers.ts';
import { Store } from '../../harness/store/store.ts';
import { cleanupDirs, hardware, hashFiles, key, newTrial, NO_MOUNT_REASON, reached, sha256, tempDir, TmpfsMount, unmountAll } from '../store/_fixtures.ts';

const TIMEOUT = 150_000;
const skipNote = NO_MOUNT_REASON === undefined ? '' : ` (skipped: ${NO_MOUNT_REASON})`;

afterAll(() => {
  unmountAll();
  cleanupDirs();
});

/** A clean algobench store at `path`: two submissions × two trials on mnist_mlp, all reached, one eval each. */
function makeStore(path: string): void {
  const store = Store.open(path);
  try {
    const hw = store.hardwareId(hardware());
    const run = store.startRun(hw, 'test', '0');
    for (const submission of ['alpha', 'beta']) {
      for (const trial of [0, 1]) {
        const k = key(hw, { workload: 'mnist_mlp', submission, trial });
        const id = store.startTrial(newTrial(run, k, { submissionHash: submission }));
        store.recordEval(id, { step: 10, submissionTimeSec: 2 + trial, evalTimeSec: 0.1, trainLoss: 1, validation: { accuracy: 0.95 }, test: { accuracy: 0.95 } });
        store.finishTrial(id, reached(2 + trial + (submission === 'beta' ? 1 : 0)));
      }
    }
  } finally {
    store.close();
  }
}

/** Exit non-zero, stdout empty, stderr exactly one line "algobench: …" that contains every fragment. */
function expectOneLine(expect: ExpectStatic, r: CliResult, ...fragments: string[]): void {
  const why = describeResult(r);
  expect(r.timedOut, why).toBe(false);
  expect(r.status, why).not.toBe(0);
  expect(r.status, why).not.toBeNull();
  expect(r.stdout, why).toBe('');
  expect(r.stderr.endsWith('\n'), why).toBe(true);
  const lines = r.stderr.slice(0, -1).split('\n');
  expect(lines, why).toHaveLength(1);
  expect(lines[0], why).toMatch(/^algobench: /);
  for (const f of fragments) expect(lines[0], why).toContain(f);
}

const OUTPUTS = [
  { command: 'report', what: 'the report' },
  { command: 'export', what: 'the export' },
] as const;

describe.concurrent('report and export --out into a place that cannot be written', () => {
  for (const { command, what } of OUTPUTS) {
    it(`${command} --out under /proc: fails at once with one line, no hang`, async ({ expect }) => {
      const db = join(tempDir(), 'store.sqlite');
      makeStore(db);
      const before = sha256(db);
      const out = '/proc/algobench/out';
      const r = await cli([command, '--db', db, '--out', out], { timeoutMs: 90_000 });
      expectOneLine(expect, r, `cannot write ${what} to ${out}`, 'pass --out with a writable directory');
      expect(sha256(db)).toBe(before);
    }, TIMEOUT);

    it(`${command} --out under a regular file: one line naming the file`, async ({ expect }) => {
      const dir = tempDir();
      const db = join(dir, 'store.sqlite');
      makeStore(db);
      const file = join(dir, 'notes.txt');
      writeFileSync(file, 'a file, not a folder\n');
      const before = sha256(db);
      const out = join(file, 'site');
      const r = await cli([command, '--db', db, '--out', out]);
      expectOneLine(expect, r, `cannot write ${what} to ${out}`, `${file} is a file, not a directory`);
      expect(sha256(db)).toBe(before);
    }, TIMEOUT);

    it.skipIf(NO_MOUNT_REASON !== undefined)(`${command} --out into a read-only mount: one line (EROFS), nothing written${skipNote}`, async ({ expect }) => {
      const db = join(tempDir(), 'store.sqlite');
      makeStore(db);
      const before = sha256(db);
      const mount = new TmpfsMount(1 * 2 ** 20);
      try {
        mount.readOnly();
        const out = join(mount.dir, 'site');
        const r = await cli([command, '--db', db, '--out', out]);
        expectOneLine(expect, r, `cannot write ${what} to ${out}`, 'read-only file system (EROFS)');
        expect(readdirSync(mount.dir)).toEqual([]);
        expect(sha256(db)).toBe(before);
      } finally {
        mount.unmount();
      }
    }, TIMEOUT);

    it.skipIf(NO_MOUNT_REASON !== undefined)(`${command} --out onto a full disk: one line (ENOSPC), no partial files left${skipNote}`, async ({ expect }) => {
      const db = join(tempDir(), 'store.sqlite');
      makeStore(db);
      const before = sha256(db);
      const mount = new TmpfsMount(1 * 2 ** 20);
      try {
        mount.fill();
        const out = join(mount.dir, 'site');
        const r = await cli([command, '--db', db, '--out', out]);
        expectOneLine(expect, r, `cannot write ${what} to ${out}`, 'no space left on the device (ENOSPC)');
        expect(readdirSync(mount.dir)).toEqual(['filler']);
        expect(sha256(db)).toBe(before);
      } finally {
        mount.unmount();
      }
    }, TIMEOUT);
  }
});

describe.concurrent('a damaged or foreign --db: one line from every command, no byte changed', () => {
  function withoutTrials(): string {
    const db = join(tempDir(), 'store.sqlite');
    makeStore(db);
    const sqlite = new Database(db);
    sqlite.pragma('foreign_keys = OFF');
    sqlite.exec('DROP TABLE trials');
    sqlite.close();
    return db;
  }
  const argsOf = (command: string, db: string, out: string): string[] =>
    command === 'score' ? ['score', '--db', db] : [command, '--db', db, '--out', out];

  for (const command of ['score', 'report', 'export']) {
    it(`${command} on a store whose trials table was dropped`, async ({ expect }) => {
      const db = withoutTrials();
      const before = sha256(db);
      const out = join(tempDir(), 'out');
      const r = await cli(argsOf(command, db, out));
      expectOneLine(expect, r, db, 'has no table "trials"', 'pass --db with another file');
      expect(sha256(db)).toBe(before);
    }, TIMEOUT);
  }

  it('run on a store whose trials table was dropped: refused before any trial', async ({ expect }) => {
    const db = withoutTrials();
    const before = sha256(db);
    const r = await cli(['run', '-w', 'mnist_mlp', '-s', 'adamw', '--studies', '1', '--trials', '1', '--budget-scale', '0.01', '--db', db]);
    expectOneLine(expect, r, db, 'has no table "trials"');
    expect(sha256(db)).toBe(before);
  }, TIMEOUT);

  it("score on another program's SQLite file", async ({ expect }) => {
    const dir = tempDir();
    const db = join(dir, 'notes.sqlite');
    const sqlite = new Database(db);
    sqlite.exec("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('keep me')");
    sqlite.close();
    const before = hashFiles(dir);
    const r = await cli(['score', '--db', db]);
    expectOneLine(expect, r, db, 'SQLite database of another program (tables: notes)');
    expect(hashFiles(dir)).toEqual(before);
  }, TIMEOUT);

  it('report on a file that is not SQLite', async ({ expect }) => {
    const dir = tempDir();
    const db = join(dir, 'results.sqlite');
    writeFileSync(db, 'submission,seconds\nadamw,12.5\n');
    const before = hashFiles(dir);
    const r = await cli(['report', '--db', db, '--out', join(dir, 'site')]);
    expectOneLine(expect, r, db, 'not a usable algobench database');
    expect(hashFiles(dir)).toEqual(before);
  }, TIMEOUT);
});

describe('a store on a read-only mount', () => {
  it.skipIf(NO_MOUNT_REASON !== undefined)(`is scored, reported and exported; run is refused with one line; no byte of the mount changes${skipNote}`, async ({ expect }) => {
    const mount = new TmpfsMount(2 * 2 ** 20);
    try {
      const db = join(mount.dir, 'store.sqlite');
      makeStore(db);
      const before = hashFiles(mount.dir);
      expect(Object.keys(before)).toEqual(['store.sqlite']);
      mount.readOnly();
      const outDir = tempDir();

      const [score, report, exported, run] = await Promise.all([
        cli(['score', '--db', db, '--json']),
        cli(['report', '--db', db, '--out', join(outDir, 'site')]),
        cli(['export', '--db', db, '--out', join(outDir, 'data'), '--format', 'csv']),
        cli(['run', '-w', 'mnist_mlp', '-s', 'adamw', '--studies', '1', '--trials', '1', '--budget-scale', '0.01', '--db', db]),
      ]);
      expect(score.status, describeResult(score)).toBe(0);
      const boards = JSON.parse(score.stdout) as Array<{ submissions: Record<string, { score: number }> }>;
      // alpha: best of 2 s and 3 s = 2 s; beta: 3 s → ratio 1.5, score (4 − 1.5) / 3.
      expect(boards).toHaveLength(1);
      expect(boards[0]!.submissions['alpha']!.score).toBe(1);
      expect(boards[0]!.submissions['beta']!.score).toBeCloseTo(2.5 / 3, 12);
      expect(report.status, describeResult(report)).toBe(0);
      expect(report.stdout.trim()).toBe(join(outDir, 'site', 'index.html'));
      expect(exported.status, describeResult(exported)).toBe(0);
      expect(readdirSync(join(outDir, 'data')).sort()).toEqual(['evals.csv', 'trials.csv']);
      expectOneLine(expect, run, db, 'read-only file system (EROFS)', 'score, report and export can still read it');
      expect(hashFiles(mount.dir)).toEqual(before);
    } finally {
      mount.unmount();
    }
  }, TIMEOUT);
});

describe('stale trials', () => {
  it('score says how many running rows are stale and leaves them out', async ({ expect }) => {
    const db = join(tempDir(), 'store.sqlite');
    makeStore(db);
    // A trial claimed by another host whose lease ended a minute ago: stale.
    const store = Store.open(db);
    try {
      const k = key(1, { workload: 'mnist_mlp', submission: 'alpha', study: 1 });
      const got = store.claimTrial(k, newTrial(1, k, { submissionHash: 'alpha' }), 60);
      expect(got.kind).toBe('claimed');
    } finally {
      store.close();
    }
    const sqlite = new Database(db);
    sqlite.prepare("UPDATE trials SET claim_host = 'elsewhere', claim_expires_at = ? WHERE status = 'running'").run(Date.now() / 1000 - 60);
    sqlite.close();
    const r = await cli(['score', '--db', db]);
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stderr).toContain('note: 1 trial is stale (status running, but its process died or its claim expired) and not scored');
    // alpha 2 s, beta 3 s: the stale attempt of alpha's study 1 changes nothing.
    expect(r.stdout).toMatch(/alpha\s+1\.00/);
  }, TIMEOUT);
});
