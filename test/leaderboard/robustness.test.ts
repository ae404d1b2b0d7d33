import { afterEach, describe, expect, it } from 'vitest';
import { buildLeaderboards, type Leaderboard } from '../../harness/report/leaderboard.ts';
import { boardJson } from '../../harness/report/score_json.ts';
import { standardStore } from './store_fixture.ts';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

function board(requireVariants: boolean): Leaderboard {
  const s = standardStore();
  cleanup = s.cleanup;
  const [b] = buildLeaderboards(s.store, { requireVariants, bootstrap: { resamples: 100 } });
  if (b === undefined) throw new Error('no board');
  return b;
}

const row = (b: Leaderboard, name: string) => b.rows.find((x) => x.submission === name)!;

describe('variant robustness', () => {
  it('marks a variant reached when the median-over-studies time on it is finite', () => {
    const b = board(false);
    const matrix = Object.fromEntries(b.rows.map((r) => [r.submission, r.robustness['w']?.variants.map((v) => [v.column, v.reached, v.seconds])]));
    expect(matrix).toEqual({
      adamw: [['w:v', true, 35]],
      fast: [['w:v', false, null]],
      // Reached in one study of two: the median is a miss.
      sgd: [['w:v', false, null]],
      novar: [['w:v', null, null]],
    });
    expect(row(b, 'adamw').robustnessSummary).toEqual({ reached: 1, total: 1 });
    expect(row(b, 'fast').robustnessSummary).toEqual({ reached: 0, total: 1 });
    expect(row(b, 'adamw').robustness['w']?.all).toBe(true);
    expect(row(b, 'novar').robustness['w']?.all).toBe(false);
  });

  it('leaves the score alone when the variant rule is off', () => {
    const b = board(false);
    expect(b.requireVariants).toBe(false);
    expect(row(b, 'fast').cells['w']?.voidedBy).toBeUndefined();
    expect(row(b, 'fast').score).toBe(1);
  });

  it('voids base times whose variants were missed or not run under --require-variants', () => {
    const b = board(true);
    expect(b.requireVariants).toBe(true);
    const fast = row(b, 'fast').cells['w'];
    expect(fast?.seconds).toBeNull();
    expect(fast?.rawSeconds).toBe(6.5);
    expect(fast?.voidedBy).toEqual(['w:v']);
    // novar never ran w:v, which counts as not reached.
    expect(row(b, 'novar').cells['w']?.voidedBy).toEqual(['w:v']);
    expect(row(b, 'adamw').cells['w']?.voidedBy).toBeUndefined();
    // Only adamw keeps a time on w, so it is best and the rest missed.
    expect(row(b, 'adamw').score).toBe(1);
    expect(row(b, 'fast').score).toBe(0);
    expect(row(b, 'novar').score).toBe(0);
    expect(b.rows[0]?.submission).toBe('adamw');
    // The voided time is a miss for speedups (budget + 1) and sign tests too.
    expect(row(b, 'fast').speedup.geomean).toBeCloseTo(15 / 101, 12);
    expect(row(b, 'fast').cells['w']?.vsReference).toMatchObject({ wins: 0, losses: 6, faster: false });
    // Variant columns themselves are never voided.
    expect(row(b, 'adamw').cells['w:v']?.seconds).toBe(35);
  });

  it('puts robustness, p-values and intervals in the score JSON', () => {
    const out = boardJson(board(true));
    expect(out.requireVariants).toBe(true);
    expect(out.mixedHardware).toBe(false);
    expect(out.reference).toBe('adamw');
    const fast = out.submissions['fast'] as Record<string, unknown>;
    expect(fast['robustness']).toEqual({ w: { reached: 0, total: 1, all: false, variants: { 'w:v': false } } });
    expect(fast['voided']).toEqual({ w: ['w:v'] });
    expect(fast['workloadTimes']).toEqual({ w: null, 'w:v': null });
    expect(fast['measuredWorkloadTimes']).toEqual({ w: 6.5, 'w:v': null });
    expect((fast['signTests'] as Record<string, { pValue: number }>)['w']?.pValue).toBe(1);
    expect(fast['scoreCI']).toHaveLength(2);
    expect(JSON.parse(JSON.stringify(out))).toEqual(out);
  });
});
