/**
 * Claims on trials (Store.claimTrial, renewClaim): in one process with a fake wall
 * clock, then with real processes racing for the same trials on one file, a claim
 * whose process was SIGKILLed taken over at once on this host, and a claim of another
 * host held until its lease runs out. Stale `running` rows are listed as `stale` and
 * never scored.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { buildLeaderboards } from '../../harness/report/leaderboard.ts';
import { exportTables } from '../../harness/report/exports.ts';
import { Store, type ClaimResult } from '../../harness/store/store.ts';
import { cleanupDirs, hardware, key, newTrial, reached, tempDir } from './_fixtures.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = join(ROOT, 'test/store/_claim_child.ts');

afterAll(cleanupDirs);

/** A store with one hardware row and one run, on a fake wall clock (epoch seconds) the test moves. */
function fakeClockStore(path = join(tempDir(), 's.sqlite')) {
  const clock = { t: 1_800_000_000 };
  const store = Store.open(path, { wallClock: () => clock.t });
  const hw = store.hardwareId(hardware());
  const run = store.startRun(hw, 'test', '0');
  return { store, clock, hw, run, path };
}

function raw(path: string): Database.Database {
  return new Database(path);
}

function claimOf(path: string, id: number): { status: string; claim_host: string | null; claim_pid: number | null; claim_expires_at: number | null; error: string | null } {
  const db = raw(path);
  try {
    return db.prepare('SELECT status, claim_host, claim_pid, claim_expires_at, error FROM trials WHERE id = ?').get(id) as ReturnType<typeof claimOf>;
  } finally {
    db.close();
  }
}

function claimedId(r: ClaimResult): number {
  if (r.kind !== 'claimed') throw new Error(`expected a claim, got ${r.kind}`);
  return r.trialId;
}

describe('claimTrial in one process (fake wall clock)', () => {
  it('claims a new key with this host, pid and lease end; a finished key is "finished"', () => {
    const { store, clock, hw, run, path } = fakeClockStore();
    try {
      const k = key(hw);
      const id = claimedId(store.claimTrial(k, newTrial(run, k), 30));
      expect(claimOf(path, id)).toMatchObject({ status: 'running', claim_host: hostname(), claim_pid: process.pid, claim_expires_at: 1_800_000_030 });
      store.finishTrial(id, reached());
      const again = store.claimTrial(k, newTrial(run, k), 30);
      expect(again.kind).toBe('finished');
      expect(again.kind === 'finished' && again.row.id).toBe(id);
      // Other code under the same key is another trial: claimable.
      const other = key(hw, { codeKey: 'code-2' });
      expect(store.claimTrial(other, newTrial(run, other), 30).kind).toBe('claimed');
      clock.t += 1;
    } finally {
      store.close();
    }
  });

  it('a live claim of another host is "held" until its lease ends, then taken over and the old row abandoned', () => {
    const { store, clock, hw, run, path } = fakeClockStore();
    try {
      const k = key(hw);
      const id = claimedId(store.claimTrial(k, newTrial(run, k), 30));
      const db = raw(path);
      db.prepare("UPDATE trials SET claim_host = 'elsewhere', claim_pid = 4242 WHERE id = ?").run(id);
      db.close();
      clock.t += 29.5;
      const held = store.claimTrial(k, newTrial(run, k), 30);
      expect(held.kind).toBe('held');
      expect(held.kind === 'held' && held.row.id).toBe(id);
      expect(store.statusCounts()).toEqual({ running: 1 });
      clock.t += 0.5; // the lease ends at exactly this instant: no longer live
      expect(store.statusCounts()).toEqual({ stale: 1 });
      expect(store.trials().map((t) => t.status)).toEqual(['stale']);
      const next = claimedId(store.claimTrial(k, newTrial(run, k), 30));
      expect(next).not.toBe(id);
      const old = claimOf(path, id);
      expect(old.status).toBe('abandoned');
      expect(old.error).toContain(`superseded by trial ${next}`);
      expect(old.error).toContain('process 4242 on elsewhere');
      expect(store.statusCounts()).toEqual({ abandoned: 1, running: 1 });
      // Abandoned and stale rows never block or count.
      expect(store.finishedTrial(k)).toBeUndefined();
      expect(store.trials({ finishedOnly: true })).toEqual([]);
    } finally {
      store.close();
    }
  });

  it("this process's own running row is stale to a claim (it is not running that trial) but listed as running", () => {
    const { store, hw, run } = fakeClockStore();
    try {
      const k = key(hw);
      const first = store.startTrial(newTrial(run, k));
      expect(store.statusCounts()).toEqual({ running: 1 });
      const second = claimedId(store.claimTrial(k, newTrial(run, k), 30));
      expect(second).toBe(first + 1);
      expect(store.trials().map((t) => [t.id, t.status])).toEqual([
        [first, 'abandoned'],
        [second, 'running'],
      ]);
    } finally {
      store.close();
    }
  });

  it('a row without a claim (schema 2, or written by hand) is stale; so is a same-host claim whose pid does not run', () => {
    const { store, hw, run, path } = fakeClockStore();
    try {
      const a = store.startTrial(newTrial(run, key(hw, { trial: 1 })));
      const b = store.startTrial(newTrial(run, key(hw, { trial: 2 })));
      const db = raw(path);
      db.prepare('UPDATE trials SET claim_host = NULL, claim_pid = NULL, claim_expires_at = NULL WHERE id = ?').run(a);
      // Pid 2^22 + 1 is above Linux's pid_max limit: no process has it.
      db.prepare('UPDATE trials SET claim_pid = ? WHERE id = ?').run(2 ** 22 + 1, b);
      db.close();
      expect(store.trials().map((t) => t.status)).toEqual(['stale', 'stale']);
      expect(store.statusCounts()).toEqual({ stale: 2 });
      expect(store.claimTrial(key(hw, { trial: 1 }), newTrial(run, key(hw, { trial: 1 })), 30).kind).toBe('claimed');
      expect(store.claimTrial(key(hw, { trial: 2 }), newTrial(run, key(hw, { trial: 2 })), 30).kind).toBe('claimed');
      expect(claimOf(path, a).status).toBe('abandoned');
      expect(claimOf(path, b).status).toBe('abandoned');
    } finally {
      store.close();
    }
  });

  it('renewClaim moves the lease end while the claim is ours, and says false once it was taken over', () => {
    const { store, clock, hw, run, path } = fakeClockStore();
    try {
      const k = key(hw);
      const id = claimedId(store.claimTrial(k, newTrial(run, k), 10));
      clock.t += 8;
      expect(store.renewClaim(id, 10)).toBe(true);
      expect(claimOf(path, id).claim_expires_at).toBe(1_800_000_018);
      const db = raw(path);
      db.prepare("UPDATE trials SET claim_host = 'elsewhere' WHERE id = ?").run(id);
      db.close();
      expect(store.renewClaim(id, 10)).toBe(false);
      expect(claimOf(path, id).claim_expires_at).toBe(1_800_000_018);
      clock.t += 11;
      const next = claimedId(store.claimTrial(k, newTrial(run, k), 10));
      expect(store.renewClaim(next, 10)).toBe(true);
      expect(() => store.renewClaim(next, 0)).toThrow(RangeError);
      expect(() => store.claimTrial(k, newTrial(run, k), Number.NaN)).toThrow(RangeError);
    } finally {
      store.close();
    }
  });

  it('on the real clock: a short lease of another host holds, then lapses', async () => {
    const path = join(tempDir(), 's.sqlite');
    const store = Store.open(path);
    try {
      const hw = store.hardwareId(hardware());
      const run = store.startRun(hw, 'test', '0');
      const k = key(hw);
      const id = claimedId(store.claimTrial(k, newTrial(run, k), 0.3));
      const db = raw(path);
      db.prepare("UPDATE trials SET claim_host = 'elsewhere' WHERE id = ?").run(id);
      const expires = (db.prepare('SELECT claim_expires_at AS e FROM trials WHERE id = ?').get(id) as { e: number }).e;
      db.close();
      if (Date.now() / 1000 < expires - 0.05) expect(store.claimTrial(k, newTrial(run, k), 0.3).kind).toBe('held');
      while (Date.now() / 1000 <= expires) await new Promise((r) => setTimeout(r, 20));
      expect(store.claimTrial(k, newTrial(run, k), 0.3).kind).toBe('claimed');
    } finally {
      store.close();
    }
  });

  it('stale, running and abandoned rows are listed as such on boards and in exports, and never scored', () => {
    const { store, clock, hw, run, path } = fakeClockStore();
    try {
      // Trial 0: finished in 4 s. Trial 1: an abandoned attempt, then finished in 6 s.
      // Trial 2: only a stale attempt. Trial 3: running under a live claim of another host.
      const t0 = claimedId(store.claimTrial(key(hw, { trial: 0 }), newTrial(run, key(hw, { trial: 0 })), 60));
      store.finishTrial(t0, reached(4));
      const t1a = store.startTrial(newTrial(run, key(hw, { trial: 1 })));
      const t2 = store.startTrial(newTrial(run, key(hw, { trial: 2 })));
      const t3 = claimedId(store.claimTrial(key(hw, { trial: 3 }), newTrial(run, key(hw, { trial: 3 })), 600));
      const db = raw(path);
      db.prepare("UPDATE trials SET claim_host = 'elsewhere' WHERE id IN (?, ?, ?)").run(t1a, t2, t3);
      db.close();
      clock.t += 300; // past the default lease of startTrial, within trial 3's
      const t1 = claimedId(store.claimTrial(key(hw, { trial: 1 }), newTrial(run, key(hw, { trial: 1 })), 60));
      store.finishTrial(t1, reached(6));

      expect(store.trials().map((t) => [t.id, t.status])).toEqual([
        [t0, 'reached'],
        [t1a, 'abandoned'],
        [t2, 'stale'],
        [t3, 'running'],
        [t1, 'reached'],
      ]);
      expect(store.statusCounts()).toEqual({ reached: 2, abandoned: 1, stale: 1, running: 1 });
      const [board] = buildLeaderboards(store);
      expect(board!.trials.map((t) => t.id)).toEqual([t0, t1]);
      expect(board!.attempts.map((t) => t.status)).toEqual(['reached', 'abandoned', 'stale', 'running', 'reached']);
      // Best of the study's two finished trials: 4 s.
      expect(board!.rows[0]!.cells['w']).toMatchObject({ seconds: 4, trials: 2, reached: 2, statuses: { reached: 2 } });
      const exported = exportTables(store).trials.rows.map((r) => [r['id'], r['status'], r['claim_host']]);
      expect(exported).toEqual([
        [t0, 'reached', hostname()],
        [t1a, 'abandoned', 'elsewhere'],
        [t2, 'stale', 'elsewhere'],
        [t3, 'running', 'elsewhere'],
        [t1, 'reached', hostname()],
      ]);
    } finally {
      store.close();
    }
  });
});

// ---------------------------------------------------------------------------
// Real processes
// ---------------------------------------------------------------------------

interface ChildLine {
  readonly trial: number;
  readonly kind: ClaimResult['kind'];
  readonly trialId: number;
  readonly pid: number;
}

interface Child {
  readonly pid: number;
  /** Resolves with the exit code (null when killed) and the claim lines printed. */
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; lines: ChildLine[]; stderr: string }>;
  /** Resolves once the child printed "holding" (hold mode). */
  readonly holding: Promise<void>;
  /** Resolves once the child printed "ready" (it waits for its go file). */
  readonly ready: Promise<void>;
  kill(): void;
}

function child(args: { db: string; mode: 'run' | 'hold'; trials: number[]; leaseSec: number; go?: string; clockOffsetSec?: number; workMs?: number }): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(args)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let onHolding: () => void = () => undefined;
  let onReady: () => void = () => undefined;
  const holding = new Promise<void>((resolve) => (onHolding = resolve));
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (stdout.includes('holding\n')) onHolding();
    if (stdout.includes('ready\n')) onReady();
  });
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => proc.kill('SIGKILL'), 90_000);
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; lines: ChildLine[]; stderr: string }>((resolve) => {
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      const lines = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as ChildLine);
      resolve({ code, signal, lines, stderr });
    });
  });
  void done.then(() => {
    onReady();
    onHolding();
  });
  return { pid: proc.pid!, done, holding, ready, kill: () => proc.kill('SIGKILL') };
}

describe('claims across real processes', { timeout: 120_000 }, () => {
  it('two processes claiming the same 200 trials in lockstep, holding every claim: each trial is claimed exactly once', async () => {
    // The sharp version of the race: both walk the same keys in the same order at the
    // same time and keep their claims, so every key is contested. (A claim that checks
    // and then inserts outside one BEGIN IMMEDIATE transaction lets both win a few of
    // them here.)
    const dir = tempDir();
    const db = join(dir, 'lockstep.sqlite');
    const go = join(dir, 'go');
    const trials = Array.from({ length: 200 }, (_, i) => i);
    const a = child({ db, mode: 'hold', trials, leaseSec: 600, go });
    const b = child({ db, mode: 'hold', trials, leaseSec: 600, go });
    try {
      await Promise.all([a.ready, b.ready]);
      writeFileSync(go, '');
      await Promise.all([a.holding, b.holding]);
    } finally {
      a.kill();
      b.kill();
    }
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.lines, ra.stderr).toHaveLength(200);
    expect(rb.lines, rb.stderr).toHaveLength(200);
    const claims = trials.map((t) => [...ra.lines, ...rb.lines].filter((l) => l.trial === t && l.kind === 'claimed').length);
    expect(claims).toEqual(trials.map(() => 1));
    for (const t of trials) {
      const [la, lb] = [ra.lines[t]!, rb.lines[t]!];
      expect([la.kind, lb.kind].sort(), `trial ${t}`).toEqual(['claimed', 'held']);
      expect(la.trialId).toBe(lb.trialId);
    }
    const sqlite = new Database(db, { readonly: true });
    try {
      expect((sqlite.prepare('SELECT COUNT(*) AS n FROM trials').get() as { n: number }).n).toBe(200);
      expect((sqlite.prepare('SELECT COUNT(*) AS n FROM hardware').get() as { n: number }).n).toBe(1);
    } finally {
      sqlite.close();
    }
    const byA = ra.lines.filter((l) => l.kind === 'claimed').length;
    console.log(`claims in lockstep: process A claimed ${byA} trials, process B ${200 - byA}`);
  });

  it('two runs of the same 50 trials on one file: each trial is run exactly once, all finished', async () => {
    const dir = tempDir();
    const db = join(dir, 'race.sqlite');
    const go = join(dir, 'go');
    const trials = Array.from({ length: 50 }, (_, i) => i);
    // Each child walks the trials in its own order (one from the start, one from the
    // middle, wrapping round) and "runs" each trial it claims for 10 ms, so that they
    // meet on trials the other holds or finished.
    const a = child({ db, mode: 'run', trials, leaseSec: 60, go, workMs: 10 });
    const b = child({ db, mode: 'run', trials: [...trials.slice(25), ...trials.slice(0, 25)], leaseSec: 60, go, workMs: 10 });
    // Both have opened the store (created and migrated it: once) before the start.
    await Promise.all([a.ready, b.ready]);
    writeFileSync(go, '');
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    expect(ra.lines).toHaveLength(50);
    expect(rb.lines).toHaveLength(50);

    const claimsPerTrial = trials.map((t) => [...ra.lines, ...rb.lines].filter((l) => l.trial === t && l.kind === 'claimed').length);
    expect(claimsPerTrial).toEqual(trials.map(() => 1));
    // The loser of each trial saw it finished or held by the winner, under the winner's row.
    for (const t of trials) {
      const [la, lb] = [ra.lines.find((l) => l.trial === t)!, rb.lines.find((l) => l.trial === t)!];
      const loser = la.kind === 'claimed' ? lb : la;
      const winner = la.kind === 'claimed' ? la : lb;
      expect(['finished', 'held']).toContain(loser.kind);
      expect(loser.trialId).toBe(winner.trialId);
    }

    const sqlite = new Database(db, { readonly: true });
    try {
      const rows = sqlite.prepare('SELECT trial, status, claim_pid FROM trials ORDER BY trial').all() as Array<{ trial: number; status: string; claim_pid: number }>;
      expect(rows.map((r) => r.trial)).toEqual(trials);
      expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['reached']));
      expect((sqlite.prepare('SELECT COUNT(*) AS n FROM evals').get() as { n: number }).n).toBe(50);
      expect((sqlite.prepare('SELECT COUNT(*) AS n FROM hardware').get() as { n: number }).n).toBe(1);
      const byA = rows.filter((r) => r.claim_pid === a.pid).length;
      console.log(`claims race: process A ran ${byA} trials, process B ${50 - byA}`);
    } finally {
      sqlite.close();
    }
  });

  it('a claim whose process was SIGKILLed is taken over at once on the same host; while it lived it was held', async () => {
    const db = join(tempDir(), 'kill.sqlite');
    const holder = child({ db, mode: 'hold', trials: [7], leaseSec: 3600 });
    await holder.holding;

    const whileAlive = await child({ db, mode: 'run', trials: [7], leaseSec: 3600 }).done;
    expect(whileAlive.code, whileAlive.stderr).toBe(0);
    expect(whileAlive.lines.map((l) => l.kind)).toEqual(['held']);
    const listed = Store.open(db, { readonly: true });
    try {
      expect(listed.statusCounts()).toEqual({ running: 1 });
    } finally {
      listed.close();
    }

    holder.kill();
    const killed = await holder.done;
    expect(killed.signal).toBe('SIGKILL');
    const heldId = killed.lines[0]!.trialId;
    expect(killed.lines.map((l) => l.kind)).toEqual(['claimed']);

    // Its lease runs for another hour, but its process is gone: listed stale, and taken over.
    const afterKill = Store.open(db, { readonly: true });
    try {
      expect(afterKill.statusCounts()).toEqual({ stale: 1 });
    } finally {
      afterKill.close();
    }
    const resumed = await child({ db, mode: 'run', trials: [7], leaseSec: 3600 }).done;
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.lines.map((l) => l.kind)).toEqual(['claimed']);
    expect(resumed.lines[0]!.trialId).not.toBe(heldId);
    const old = claimOf(db, heldId);
    expect(old.status).toBe('abandoned');
    expect(old.error).toContain(`process ${holder.pid} on ${hostname()}`);
    expect(claimOf(db, resumed.lines[0]!.trialId).status).toBe('reached');
  });

  it('a claim of another host, or of a live process of this host, is held until its lease runs out', async () => {
    const dir = tempDir();
    const db = join(dir, 'host.sqlite');
    // Trial 1 claimed "elsewhere" (a pid that means nothing here), trial 2 by this test
    // process (alive, and not the child): both with a lease of 60 s from now.
    {
      const store = Store.open(db);
      const hw = store.hardwareId({ ...hardware('claim-test-hw'), nodeVersion: process.version, tfjsVersion: '0', backendVersion: '0', memoryBytes: 2 ** 30, cpuModel: 'Test CPU', os: 'Test OS' });
      const run = store.startRun(hw, 'test', '0');
      for (const trial of [1, 2]) {
        const k = key(hw, { trial });
        claimedId(store.claimTrial(k, newTrial(run, k), 60));
      }
      store.close();
      const sqlite = new Database(db);
      sqlite.prepare("UPDATE trials SET claim_host = 'elsewhere', claim_pid = 1 WHERE trial = 1").run();
      sqlite.close();
    }
    const now = await child({ db, mode: 'run', trials: [1, 2], leaseSec: 60 }).done;
    expect(now.code, now.stderr).toBe(0);
    expect(now.lines.map((l) => l.kind)).toEqual(['held', 'held']);
    // The same child 61 s later (its wall clock moved ahead): both leases ran out.
    const later = await child({ db, mode: 'run', trials: [1, 2], leaseSec: 60, clockOffsetSec: 61 }).done;
    expect(later.code, later.stderr).toBe(0);
    expect(later.lines.map((l) => l.kind)).toEqual(['claimed', 'claimed']);
    const sqlite = new Database(db, { readonly: true });
    try {
      expect(sqlite.prepare('SELECT trial, status FROM trials ORDER BY id').all()).toEqual([
        { trial: 1, status: 'abandoned' },
        { trial: 2, status: 'abandoned' },
        { trial: 1, status: 'reached' },
        { trial: 2, status: 'reached' },
      ]);
    } finally {
      sqlite.close();
    }
  });
});
