import { afterEach, describe, expect, it } from 'vitest';
import { buildLeaderboards, type Leaderboard } from '../../harness/report/leaderboard.ts';
import { boardJson } from '../../harness/report/score_json.ts';
import { cellView } from '../../reports/views.ts';
import { addTable, hardware, standardStore, tempStore, type HandTable } from './store_fixture.ts';

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

/** A board of one study of one trial per cell, under the variant rule; budgets 100 s. */
function ruleBoard(table: HandTable): Leaderboard {
  const s = tempStore();
  cleanup = s.cleanup;
  const hardwareId = s.store.hardwareId(hardware('hw-one'));
  addTable(s.store, hardwareId, s.store.startRun(hardwareId, 'test', '0.0.0'), table);
  const [b] = buildLeaderboards(s.store, { requireVariants: true, bootstrap: { resamples: 20 } });
  if (b === undefined) throw new Error('no board');
  return b;
}

describe("the variant rule's 4× conditions, as AlgoPerf's performance_profile.py applies them", () => {
  it('voids a base time whose variant took over 4× the fastest time on the variant', () => {
    const b = ruleBoard({ a: { w: [[10]], 'w:v': [[10]] }, b: { w: [[20]], 'w:v': [[100]] } });
    // Fastest w:v 10; b's 100 > 40 voids b's w. Left on w: a alone, score 1; b 0.
    // (Judged on reaching alone, b's 20 s stood: r = 20 / 10 = 2, score (4 − 2) / 3.)
    expect(row(b, 'a').score).toBe(1);
    expect(row(b, 'b').score).toBe(0);
    const cell = row(b, 'b').cells['w']!;
    expect(cell).toMatchObject({ seconds: null, rawSeconds: 20, voidedBy: ['w:v'] });
    expect(cellView(cell, false).voidedText).toBe('measured 20.0 s; voided: w:v over 4× the fastest time on it (10.0 s)');
    // A voided time is a miss for the speedup: a's 10 s ÷ (budget 100 + 1 s).
    expect(b.reference).toBe('a');
    expect(row(b, 'b').speedup.geomean).toBeCloseTo(10 / 101, 12);
    // The variant cell keeps its measured time; b reached it, only too slowly.
    expect(row(b, 'b').cells['w:v']?.seconds).toBe(100);
    expect(row(b, 'b').robustness['w']?.all).toBe(true);
  });

  it('takes the 4× cut of a base time against the fastest base time before voiding', () => {
    const b = ruleBoard({
      a: { w: [[10]], 'w:v': [[null]] },
      b: { w: [[30]], 'w:v': [[30]] },
      c: { w: [[45]], 'w:v': [[45]] },
    });
    // Pass 2: fastest w = a's 10, so c's 45 > 40 is a miss; then a's w goes for its missed w:v.
    // Left on w: b's 30 alone → b 1, c 0. (Cut against the fastest time left, c: 45 / 30 = 1.5, (4 − 1.5) / 3.)
    expect(row(b, 'b').score).toBe(1);
    expect(row(b, 'c').score).toBe(0);
    expect(row(b, 'a').score).toBe(0);
    expect(row(b, 'c').cells['w']).toMatchObject({ seconds: null, rawSeconds: 45, voidedBy: [], voidReason: { variants: [], overFastest: 10 } });
    expect(cellView(row(b, 'c').cells['w'], false).voidedText).toBe('measured 45.0 s; voided: over 4× the fastest time measured on this workload before voiding (10.0 s)');
    expect(row(b, 'a').cells['w']?.voidedBy).toEqual(['w:v']);
  });

  it('leaves a base time over 4× a fastest time that stands to the profile, as without the rule', () => {
    const b = ruleBoard({ a: { w: [[10]], 'w:v': [[10]] }, d: { w: [[50]], 'w:v': [[30]] } });
    // d's 50 > 4 × 10 and a's 10 stands: the profile's own cut. d's w:v 30 ≤ 40 passes.
    expect(row(b, 'd').cells['w']).toMatchObject({ seconds: 50, rawSeconds: 50 });
    expect(row(b, 'd').cells['w']?.voidedBy).toBeUndefined();
    expect(row(b, 'd').score).toBe(0);
    // Not voided, the time is the speedup's: 10 / 50.
    expect(row(b, 'd').speedup.geomean).toBeCloseTo(0.2, 12);
  });
});
