/**
 * The hostile corpus (test/fixtures/hostile) through the isolating runner: each case
 * ends in its own trial with a status it may end as and a message that names what it
 * did, the trials after it still run, and nothing it tried reaches the store, the
 * file system or other processes. (Whether later trials *time* as without it is a
 * benchmark's question, not a test's: `npm run bench -- --hostile`.)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBenchmark, type BenchmarkSummary } from '../../harness/benchmark/execute.ts';
import { HOSTILE_CASES, STORE_MARKER_TABLES, WRITE_FILE_PATH } from '../fixtures/hostile/cases.ts';

const dir = mkdtempSync(join(tmpdir(), 'algobench-hostile-'));
const dbPath = join(dir, 'store.sqlite');
const runtimeCases = HOSTILE_CASES.filter((c) => c.at !== 'import');
const importCases = HOSTILE_CASES.filter((c) => c.at === 'import');
/**
 * The memory cases need enough steps to reach the cap: they get a longer budget, and a
 * longer stall limit. Each touches up to the 1 GiB cap page by page, and a first-touch
 * page fault costs ~5 ms per MiB on this machine when quiet and twice that under load:
 * 16 leaking steps or one 1 GiB fill take 5–10 s, which ran past a 5 s budget (ending
 * budget_exhausted) or a 6 s stall limit (ending as a hang) before the cap was reached.
 */
const MEMORY_CASES = new Set(['memory_leak', 'tensor_leak', 'huge_allocation']);
let summary: BenchmarkSummary;

const watchdog = { stallSec: 6, graceSec: 20, memoryCapBytes: 1024 ** 3, startupSec: 20 };

beforeAll(async () => {
  rmSync(WRITE_FILE_PATH, { force: true });
  const common = { workloads: ['mnist_mlp'], ruleset: 'self', studies: 1, trials: 1, seed: 3, dbPath, backend: 'auto', watchdog } as const;
  const quick = await runBenchmark({ ...common, submissions: runtimeCases.filter((c) => !MEMORY_CASES.has(c.name)).map((c) => c.modulePath), budgetScale: 0.1 });
  // adamw last: it must run, and train, after every hostile trial.
  const memory = await runBenchmark({
    ...common,
    watchdog: { ...watchdog, stallSec: 30 },
    submissions: [...runtimeCases.filter((c) => MEMORY_CASES.has(c.name)).map((c) => c.modulePath), 'adamw'],
    budgetScale: 2.5,
  });
  summary = { ...memory, ran: quick.ran + memory.ran, results: [...quick.results, ...memory.results] };
}, 1_800_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hostile submissions, each in its own trial', () => {
  it.each(runtimeCases.map((c) => [c.name, c] as const))('%s ends as one of its expected statuses', (name, c) => {
    const entry = summary.results.find((r) => r.planned.submission.modulePath === c.modulePath);
    expect(entry, `${name} ran`).toBeDefined();
    const { status, error } = entry!.result;
    expect(c.expect, `${name}: ${status}: ${error ?? ''}`).toContain(status);
    if (c.message !== undefined && status !== 'reached' && status !== 'budget_exhausted') expect(error ?? '').toMatch(c.message);
  });

  it('the trial after all of them runs and trains', () => {
    const adamw = summary.results.find((r) => r.planned.submission.name === 'adamw');
    expect(adamw?.result.status).toMatch(/^(reached|budget_exhausted)$/);
    expect(adamw!.result.steps).toBeGreaterThan(10);
  });

  it('every trial was recorded as finished, none left running', () => {
    const db = new Database(dbPath, { readonly: true });
    try {
      const rows = db.prepare('SELECT status, COUNT(*) AS n FROM trials GROUP BY status').all() as Array<{ status: string; n: number }>;
      const total = rows.reduce((a, r) => a + r.n, 0);
      expect(total).toBe(runtimeCases.length + 1);
      expect(rows.find((r) => r.status === 'running')).toBeUndefined();
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((t) => t.name);
      for (const marker of STORE_MARKER_TABLES) expect(tables).not.toContain(marker);
    } finally {
      db.close();
    }
  });

  it('nothing was written and no process was left behind', () => {
    expect(existsSync(WRITE_FILE_PATH)).toBe(false);
    const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    expect(ps).not.toMatch(/^timeout 300 yes|^yes$/m);
  });

  it('a forged result is not believed: the trial records what the run computed', () => {
    const forge = summary.results.find((r) => r.planned.submission.modulePath.includes('/forge_ipc/'));
    expect(forge).toBeDefined();
    if (forge!.result.status === 'reached') {
      expect(forge!.result.timeToTargetSec).toBeGreaterThan(0);
    }
    expect(forge!.result.status === 'forbidden' || forge!.result.submissionTimeSec > 0.05).toBe(true);
  });
});

describe('hostile at import: refused while planning, in a sandbox, before the store exists', () => {
  // 8 s to load: a plain submission loads in 0.3–2 s, and hang_at_import is held that long.
  const importWatchdog = { ...watchdog, startupSec: 8 };
  it.each(importCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const store = join(dir, `import-${c.name}.sqlite`);
    await expect(
      runBenchmark({ workloads: ['mnist_mlp'], submissions: [c.modulePath], ruleset: 'self', studies: 1, trials: 1, seed: 3, dbPath: store, backend: 'auto', budgetScale: 0.1, watchdog: importWatchdog }),
    ).rejects.toThrow(new RegExp(`failed to load in its sandbox \\((${c.expect.join('|')})\\)`));
    expect(existsSync(store)).toBe(false);
  }, 180_000);
});
