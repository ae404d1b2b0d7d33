/**
 * What a study is to the score: (base seed, study index), so that two runs with other
 * --seed values are two studies, never one stitched together slot by slot; and under
 * self-tuning each run alone, so that the time is the median over runs (AlgoPerf's
 * self-tuning score), never the best of several.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildLeaderboards, timesTable, type Leaderboard } from '../../harness/report/leaderboard.ts';
import { boardCounts } from '../../reports/views.ts';
import { addTrial, hardware, tempStore, type HandTrial } from './store_fixture.ts';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

type Trial = Omit<HandTrial, 'hardwareId' | 'runId'>;

function boardOf(trials: readonly Trial[]): Leaderboard {
  const s = tempStore();
  cleanup = s.cleanup;
  const hardwareId = s.store.hardwareId(hardware('hw-one'));
  const runId = s.store.startRun(hardwareId, 'test', '0.0.0');
  for (const t of trials) addTrial(s.store, { hardwareId, runId, ...t });
  const boards = buildLeaderboards(s.store, { bootstrap: { resamples: 20 } });
  expect(boards).toHaveLength(1);
  return boards[0]!;
}

const row = (b: Leaderboard, name: string) => b.rows.find((r) => r.submission === name)!;

describe('studies of two base seeds', () => {
  // `run --seed 0` ran study 0 with trials 10 s and 12 s; `run --seed 1` so far only
  // trial 0 of its own study 0, 20 s. fast ran the same three slots at half the time.
  const trials: Trial[] = [
    { submission: 'adamw', baseSeed: 0, study: 0, trial: 0, time: 10 },
    { submission: 'adamw', baseSeed: 0, study: 0, trial: 1, time: 12 },
    { submission: 'adamw', baseSeed: 1, study: 0, trial: 0, time: 20 },
    { submission: 'fast', baseSeed: 0, study: 0, trial: 0, time: 5 },
    { submission: 'fast', baseSeed: 0, study: 0, trial: 1, time: 6 },
    { submission: 'fast', baseSeed: 1, study: 0, trial: 0, time: 10 },
  ];

  it('are two studies: the median of their bests, never one study of both runs', () => {
    const b = boardOf(trials);
    // adamw: study (0, 0) best min(10, 12) = 10, study (1, 0) best 20: median (10 + 20) / 2 = 15.
    // (Stitched by study index, seed 1's 20 s took seed 0's trial-0 slot: min(20, 12) = 12.)
    expect(row(b, 'adamw').cells['w']).toMatchObject({ seconds: 15, trials: 3 });
    // fast: bests 5 and 10, median 7.5; ratio to the fastest 1, adamw's 15 / 7.5 = 2, score (4 − 2) / 3.
    expect(row(b, 'fast').cells['w']?.seconds).toBe(7.5);
    expect(row(b, 'adamw').score).toBeCloseTo(2 / 3, 12);
    expect(row(b, 'fast').speedup.geomean).toBeCloseTo(2, 12);
  });

  it('are what the bootstrap redraws: one list per (seed, study), in seed order', () => {
    const b = boardOf(trials);
    expect(timesTable(b.trials)).toEqual({ submissions: { adamw: { w: [[10, 12], [20]] }, fast: { w: [[5, 6], [10]] } } });
  });

  it('are counted as two on the board and on its pages, and paired by seed in the sign test', () => {
    const b = boardOf(trials);
    expect(b.studies).toBe(2);
    expect(boardCounts(b).studiesText).toBe('2 studies');
    // Three slots both ran: (0, 0, 0), (0, 0, 1), (1, 0, 0); fast is faster in each.
    expect(row(b, 'fast').vsReference).toMatchObject({ n: 3, wins: 3, losses: 0 });
  });
});

describe('self-tuning runs', () => {
  // Two studies of two runs each: 10 and 50 s in study 0, 60 and 70 s in study 1.
  const runs = (ruleset: 'external' | 'self'): Trial[] =>
    [[10, 50], [60, 70]].flatMap((times, study) => times.map((time, trial) => ({ submission: 'mine', ruleset, study, trial, time })));

  it('each count as a study: the time is the median over runs, never a best of runs', () => {
    const b = boardOf(runs('self'));
    expect(b.ruleset).toBe('self');
    // Runs 10, 50, 60, 70: median (50 + 60) / 2 = 55. (Best per study, 10 and 60, would give 35.)
    expect(row(b, 'mine').cells['w']).toMatchObject({ seconds: 55, trials: 4 });
    expect(b.studies).toBe(4);
    expect(boardCounts(b).studiesText).toBe('4 studies');
    expect(timesTable(b.trials)).toEqual({ submissions: { mine: { w: [[10], [50], [60], [70]] } } });
  });

  it('give the median of single runs for three runs of one study: 10, 50, 60 → 50', () => {
    const b = boardOf([10, 50, 60].map((time, trial) => ({ submission: 'mine', ruleset: 'self', study: 0, trial, time })));
    expect(row(b, 'mine').cells['w']?.seconds).toBe(50);
  });

  it('leave external tuning as it was: the best trial of each study', () => {
    const b = boardOf(runs('external'));
    // Study bests 10 and 60: median 35.
    expect(row(b, 'mine').cells['w']?.seconds).toBe(35);
    expect(b.studies).toBe(2);
  });
});

describe('trials of another self-tuning budget scale on one board', () => {
  it('are superseded by the latest budget of their column, never pooled', () => {
    // --self-budget-scale 1.5 ran studies 0 and 1 (150 s budgets: 10 s, 20 s); then
    // --self-budget-scale 3 ran study 0 again (300 s: 12 s), a trial of another key.
    // Only the 300 s trial counts: median of [12] = 12 (pooled: median(12, 20) = 16).
    const b = boardOf([
      { submission: 'adamw', ruleset: 'self', study: 0, time: 10, budget: 150, codeKey: 'k150' },
      { submission: 'adamw', ruleset: 'self', study: 1, time: 20, budget: 150, codeKey: 'k150' },
      { submission: 'adamw', ruleset: 'self', study: 0, time: 12, budget: 300, codeKey: 'k300' },
    ]);
    expect(row(b, 'adamw').cells['w']).toMatchObject({ seconds: 12, trials: 1 });
  });
});
