import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTable, hardware, standardStore } from '../leaderboard/store_fixture.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
let fixture: ReturnType<typeof standardStore>;

beforeAll(() => {
  fixture = standardStore();
  const hw2 = fixture.store.hardwareId(hardware('hw-two'));
  addTable(fixture.store, hw2, fixture.store.startRun(hw2, 'test', '0'), { other: { w: [[3, 3, 3], [3, 3, 3]] } });
  fixture.store.close();
});
afterAll(() => fixture.cleanup());

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/algobench.js'), ...args, '--db', fixture.path], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('score, report and export commands', { timeout: 120_000 }, () => {
  it('score --json gives intervals, speedups, p-values and robustness per board', () => {
    const r = cli('score', '--json');
    expect(r.code, r.stderr).toBe(0);
    const boards = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(boards.map((b) => [b['hardware'], b['mixedHardware']])).toEqual([['hw-one', false], ['hw-two', false]]);
    const fast = (boards[0]!['submissions'] as Record<string, Record<string, unknown>>)['fast']!;
    expect(fast['score']).toBe(1);
    expect(fast['scoreCI']).toHaveLength(2);
    expect(fast['speedup']).toBeCloseTo(15 / 6.5, 10);
    expect((fast['signTests'] as Record<string, Record<string, unknown>>)['w']).toMatchObject({ n: 6, wins: 6, faster: true });
    expect(fast['robustness']).toEqual({ w: { reached: 0, total: 1, all: false, variants: { 'w:v': false } } });
  });

  it('score marks mixed boards in the table header and the JSON', () => {
    const table = cli('score', '--allow-mixed-hardware');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/MIXED HARDWARE \(hw-one, hw-two\)/);
    const separate = cli('score');
    expect(separate.stderr).toContain('pass --allow-mixed-hardware');
    const json = JSON.parse(cli('score', '--json', '--allow-mixed-hardware').stdout) as Array<Record<string, unknown>>;
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({ mixedHardware: true, hardware: 'mixed' });
  });

  it("score's table marks speedups over misses as bounds and gives the pooled verdicts in words, as the HTML does", () => {
    const r = cli('score');
    expect(r.code, r.stderr).toBe(0);
    const board = r.stdout.slice(r.stdout.indexOf('hardware hw-one')); // the standard board
    // sgd missed w, adamw reached it in 15 s: sgd stands at budget + 1 = 101 s, so 15/101 = 0.1485 is at most the truth.
    expect(board).toMatch(/^sgd\s+0\.000\s+\S+, \S+\s+≤ 0\.15×/m);
    expect(board).toContain('  sgd: ≤ 0.15× (upper bound: reached no target); slower than adamw pooled over the 1 scored workload (one-sided paired sign test, p = 0.016 < 0.05; 0 of 6 pairs faster, 6 slower, 0 tied)');
    // fast beat adamw in all 6 pairs of w: one-sided binomial tail 1/2^6 = 0.015625; 15/6.5 = 2.31, both reached: no mark.
    expect(board).toContain('  fast: 2.31×; faster than adamw pooled over the 1 scored workload (one-sided paired sign test, p = 0.016 < 0.05; 6 of 6 pairs faster, 0 slower, 0 tied)');
    expect(r.stdout).toContain('an upper bound (≤)');
  });

  it('refuses an unknown --reference with exit code 2', () => {
    const r = cli('score', '--reference', 'nope');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--reference "nope" has no trials');
  });

  it('report prints the index path and export writes the files', () => {
    const out = join(fixture.dir, 'site');
    const r = cli('report', '--out', out, '--require-variants', '--reference', 'fast');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(join(out, 'index.html'));
    expect(existsSync(join(out, 'workload-w.html'))).toBe(true);
    expect(existsSync(join(out, 'trials.csv'))).toBe(true);
    const e = cli('export', '--out', join(fixture.dir, 'exp'), '--format', 'csv');
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout.trim().split('\n').map((p) => p.slice(p.lastIndexOf('/') + 1))).toEqual(['trials.csv', 'evals.csv']);
  });
});
