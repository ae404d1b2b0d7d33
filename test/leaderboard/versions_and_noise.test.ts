/**
 * Results tied to the code that made them: two versions of a submission are two
 * leaderboard entries, never pooled; trials flagged noisy are counted in their cells.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildLeaderboards, submissionVersion } from '../../harness/report/leaderboard.ts';
import { addTrial, hardware, tempStore } from './store_fixture.ts';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

function store() {
  const s = tempStore();
  cleanup = s.cleanup;
  const hardwareId = s.store.hardwareId(hardware('hw-one'));
  const runId = s.store.startRun(hardwareId, 'test', '0.0.0');
  return { ...s, hardwareId, runId };
}

describe('submission versions on a leaderboard', () => {
  it('keeps one entry, named plainly, when every trial of a submission ran the same code', () => {
    const s = store();
    for (const study of [0, 1]) addTrial(s.store, { ...s, submission: 'adamw', study, time: 10 });
    for (const study of [0, 1]) addTrial(s.store, { ...s, submission: 'mine', study, time: 5 });
    const [board] = buildLeaderboards(s.store, { bootstrap: { resamples: 20 } });
    expect(board!.rows.map((r) => r.submission).sort()).toEqual(['adamw', 'mine']);
    const mine = board!.rows.find((r) => r.submission === 'mine')!;
    expect(mine.version).toBe(submissionVersion({ submission_hash: 'mine:v1', search_space_hash: null }));
    expect(mine.cells['w']!.trials).toBe(2);
  });

  it('splits a submission edited between studies into name@version entries, each with its own trials', () => {
    const s = store();
    for (const study of [0, 1]) addTrial(s.store, { ...s, submission: 'adamw', study, time: 10 });
    // Study 0 ran version 1 (5 s), study 1 ran version 2 (20 s): pooled, the median
    // over studies would be 12.5 s, a time no code produced.
    addTrial(s.store, { ...s, submission: 'mine', study: 0, time: 5, version: 'v1' });
    addTrial(s.store, { ...s, submission: 'mine', study: 1, time: 20, version: 'v2' });
    const [board] = buildLeaderboards(s.store, { bootstrap: { resamples: 20 } });
    const v1 = submissionVersion({ submission_hash: 'mine:v1', search_space_hash: null });
    const v2 = submissionVersion({ submission_hash: 'mine:v2', search_space_hash: null });
    expect(v1).not.toBe(v2);
    const names = board!.rows.map((r) => r.submission).sort();
    expect(names).toEqual(['adamw', `mine@${v1}`, `mine@${v2}`].sort());
    expect(board!.rows.find((r) => r.submission === `mine@${v1}`)!.cells['w']).toMatchObject({ seconds: 5, trials: 1 });
    expect(board!.rows.find((r) => r.submission === `mine@${v2}`)!.cells['w']).toMatchObject({ seconds: 20, trials: 1 });
  });

  it('counts the trials flagged noisy in each cell', () => {
    const s = store();
    addTrial(s.store, { ...s, submission: 'adamw', study: 0, time: 10, noisy: true });
    addTrial(s.store, { ...s, submission: 'adamw', study: 1, time: 10 });
    const [board] = buildLeaderboards(s.store, { bootstrap: { resamples: 20 } });
    expect(board!.rows[0]!.cells['w']!.noisy).toBe(1);
  });
});
