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

  it('keeps the plain name on each board when the same code ran under both rulesets', () => {
    const s = store();
    // The same code: its version hash differs between the rulesets only by the search
    // space, which self-tuning trials lack. Counted across boards that made two versions.
    for (const ruleset of ['external', 'self'] as const) {
      const searchSpace = ruleset === 'external' ? 'ss1' : null;
      addTrial(s.store, { ...s, ruleset, searchSpace, submission: 'adamw', study: 0, time: 10 });
      addTrial(s.store, { ...s, ruleset, searchSpace, submission: 'adafactor', study: 0, time: 5 });
    }
    const boards = buildLeaderboards(s.store, { bootstrap: { resamples: 20 } });
    expect(boards.map((b) => b.ruleset)).toEqual(['external', 'self']);
    for (const board of boards) {
      expect(board.rows.map((r) => r.submission).sort()).toEqual(['adafactor', 'adamw']);
      expect(board.reference).toBe('adamw');
      // adamw 10 s ÷ adafactor 5 s = 2.
      expect(board.rows.find((r) => r.submission === 'adafactor')!.speedup.geomean).toBeCloseTo(2, 12);
    }
    // Asked for by name, adamw is the reference on both boards, with no "did not run" note.
    const asked = buildLeaderboards(s.store, { bootstrap: { resamples: 20 }, reference: 'adamw' });
    expect(asked.map((b) => [b.reference, b.referenceRequested])).toEqual([['adamw', undefined], ['adamw', undefined]]);
  });

  it('takes the latest version of a reference named plainly where the board has several', () => {
    const s = store();
    addTrial(s.store, { ...s, submission: 'adamw', study: 0, time: 10, version: 'v1' });
    addTrial(s.store, { ...s, submission: 'adamw', study: 1, time: 20, version: 'v2' });
    addTrial(s.store, { ...s, submission: 'fast', study: 0, time: 5 });
    const v1 = `adamw@${submissionVersion({ submission_hash: 'adamw:v1', search_space_hash: null })}`;
    const v2 = `adamw@${submissionVersion({ submission_hash: 'adamw:v2', search_space_hash: null })}`;
    const [byDefault] = buildLeaderboards(s.store, { bootstrap: { resamples: 20 } });
    expect(byDefault!.reference).toBe(v2);
    const [byName] = buildLeaderboards(s.store, { bootstrap: { resamples: 20 }, reference: 'adamw' });
    expect(byName!.reference).toBe(v2);
    expect(byName!.referenceRequested).toBeUndefined();
    const [byLabel] = buildLeaderboards(s.store, { bootstrap: { resamples: 20 }, reference: v1 });
    expect(byLabel!.reference).toBe(v1);
    expect(() => buildLeaderboards(s.store, { reference: 'adamw@0000000' })).toThrow(/^reference "adamw@0000000" has no trials/);
  });

  it('counts the trials flagged noisy in each cell', () => {
    const s = store();
    addTrial(s.store, { ...s, submission: 'adamw', study: 0, time: 10, noisy: true });
    addTrial(s.store, { ...s, submission: 'adamw', study: 1, time: 10 });
    const [board] = buildLeaderboards(s.store, { bootstrap: { resamples: 20 } });
    expect(board!.rows[0]!.cells['w']!.noisy).toBe(1);
  });
});
