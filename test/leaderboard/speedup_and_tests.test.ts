import { afterEach, describe, expect, it } from 'vitest';
import { buildLeaderboards, type Leaderboard, type LeaderboardOptions } from '../../harness/report/leaderboard.ts';
import { standardStore } from './store_fixture.ts';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

/** The standard board; 200 resamples unless `options` says otherwise, to keep the suite quick. */
function board(options: LeaderboardOptions = {}): Leaderboard {
  const s = standardStore();
  cleanup = s.cleanup;
  const boards = buildLeaderboards(s.store, { bootstrap: { resamples: 200 }, ...options });
  expect(boards).toHaveLength(1);
  return boards[0]!;
}

const row = (b: Leaderboard, name: string) => {
  const r = b.rows.find((x) => x.submission === name);
  if (r === undefined) throw new Error(`no row ${name}`);
  return r;
};

describe('leaderboard scores, speedups and sign tests', () => {
  it('scores the base workload only, from the median over studies of the best trial', () => {
    const b = board();
    expect(b.scored).toEqual(['w']);
    expect(b.columns).toEqual(['w', 'w:v']);
    expect(b.studies).toBe(2);
    expect(row(b, 'fast').cells['w']?.seconds).toBe(6.5);
    expect(row(b, 'adamw').cells['w']?.seconds).toBe(15);
    expect(row(b, 'novar').cells['w']?.seconds).toBe(7);
    expect(row(b, 'sgd').cells['w']?.seconds).toBeNull();
    expect(row(b, 'adamw').cells['w:v']?.seconds).toBe(35);
    // Best on w is fast (6.5): adamw r = 15/6.5, novar r = 7/6.5, sgd missed.
    expect(row(b, 'fast').score).toBe(1);
    expect(row(b, 'adamw').score).toBeCloseTo((4 - 15 / 6.5) / 3, 12);
    expect(row(b, 'novar').score).toBeCloseTo((4 - 7 / 6.5) / 3, 12);
    expect(row(b, 'sgd').score).toBe(0);
    expect(b.rows.map((r) => r.submission)).toEqual(['fast', 'novar', 'adamw', 'sgd']);
    expect(row(b, 'fast').cells['w']?.best).toBe(true);
    expect(row(b, 'adamw').cells['w:v']?.best).toBe(true);
  });

  it('uses adamw as the default reference and counts a miss as budget + 1 s', () => {
    const b = board();
    expect(b.reference).toBe('adamw');
    expect(b.budgets).toEqual({ w: 100, 'w:v': 200 });
    expect(row(b, 'adamw').speedup.geomean).toBe(1);
    expect(row(b, 'fast').speedup.geomean).toBeCloseTo(15 / 6.5, 12);
    // sgd missed w: its time is the budget + 1 = 101 s.
    expect(row(b, 'sgd').speedup.geomean).toBeCloseTo(15 / 101, 12);
  });

  it('takes another reference when asked, and refuses one that never ran', () => {
    const b = board({ reference: 'sgd' });
    expect(b.reference).toBe('sgd');
    expect(row(b, 'fast').speedup.geomean).toBeCloseTo(101 / 6.5, 12);
    expect(row(b, 'sgd').vsReference).toBeUndefined();
    expect(() => board({ reference: 'nope' })).toThrow(/^reference "nope" has no trials/);
  });

  it('flags "faster, p < 0.05" from a paired sign test on (study, trial) pairs', () => {
    const b = board();
    // fast beats adamw in all 6 pairs: p = 2^-6.
    const fast = row(b, 'fast').cells['w']?.vsReference;
    expect(fast).toMatchObject({ n: 6, wins: 6, losses: 0, ties: 0, faster: true });
    expect(fast?.pValue).toBeCloseTo(1 / 64, 12);
    expect(row(b, 'fast').vsReference?.faster).toBe(true);
    // sgd misses all 6: no wins.
    expect(row(b, 'sgd').cells['w']?.vsReference).toMatchObject({ n: 6, wins: 0, losses: 6, pValue: 1, faster: false });
    // On the variant, adamw's 30 and 40 beat fast's misses; the other 4 pairs are both missed (ties).
    expect(row(b, 'fast').cells['w:v']?.vsReference).toMatchObject({ n: 6, wins: 0, losses: 2, ties: 4, faster: false });
    expect(row(b, 'adamw').cells['w']?.vsReference).toBeUndefined();
  });

  it('gives seeded bootstrap intervals around scores and times', () => {
    const a = board();
    const again = board();
    expect(a.rows.map((r) => r.scoreCI)).toEqual(again.rows.map((r) => r.scoreCI));
    expect(a.resamples).toBe(200);
    for (const r of a.rows) {
      const [lo, hi] = r.scoreCI ?? [NaN, NaN];
      expect(lo).toBeGreaterThanOrEqual(0);
      expect(hi).toBeLessThanOrEqual(1);
      expect(lo).toBeLessThanOrEqual(hi);
    }
    const [lo, hi] = row(a, 'adamw').cells['w']?.ci ?? [null, null];
    // A resampled best can never beat the best measured trial (10 s).
    expect(lo).toBeGreaterThanOrEqual(10);
    expect(hi).not.toBeNull();
    expect(lo!).toBeLessThanOrEqual(hi!);
    expect(row(a, 'sgd').cells['w']?.ci).toEqual([null, null]);
    // Variant columns get intervals too.
    expect(row(a, 'adamw').cells['w:v']?.ci?.[0]).toBeGreaterThanOrEqual(30);
  });

  it('defaults to 1000 resamples with seed 0', () => {
    const b = board({ bootstrap: {} });
    expect(b.resamples).toBe(1000);
    expect(b.bootstrapSeed).toBe(0);
  });
});
