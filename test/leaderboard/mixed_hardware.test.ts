import { afterEach, describe, expect, it } from 'vitest';
import { buildLeaderboards } from '../../harness/report/leaderboard.ts';
import { boardJson } from '../../harness/report/score_json.ts';
import { addTable, hardware, standardStore } from './store_fixture.ts';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

/** The standard board on hw-one, plus a faster machine hw-two where `other` took 3 s on w. */
function twoMachines() {
  const s = standardStore();
  cleanup = s.cleanup;
  const hw2 = s.store.hardwareId(hardware('hw-two'));
  const run2 = s.store.startRun(hw2, 'test', '0.0.0');
  addTable(s.store, hw2, run2, { other: { w: [[3, 3, 3], [3, 3, 3]] } });
  return s;
}

describe('hardware pinning', () => {
  it('never ranks two fingerprints together by default', () => {
    const s = twoMachines();
    const boards = buildLeaderboards(s.store, { bootstrap: { resamples: 50 } });
    expect(boards.map((b) => [b.hardware.fingerprint, b.mixedHardware, b.rows.map((r) => r.submission).sort()])).toEqual([
      ['hw-one', false, ['adamw', 'fast', 'novar', 'sgd']],
      ['hw-two', false, ['other']],
    ]);
    // fast stays the best on hw-one: the 3 s of another machine does not count.
    expect(boards[0]?.rows[0]).toMatchObject({ submission: 'fast', score: 1 });
  });

  it('merges them into one board marked mixed hardware with --allow-mixed-hardware', () => {
    const s = twoMachines();
    const boards = buildLeaderboards(s.store, { allowMixedHardware: true, bootstrap: { resamples: 50 } });
    expect(boards).toHaveLength(1);
    const b = boards[0]!;
    expect(b.mixedHardware).toBe(true);
    expect(b.id).toContain('mixed');
    expect(b.hardwareRows.map((h) => h.fingerprint)).toEqual(['hw-one', 'hw-two']);
    expect(b.rows[0]).toMatchObject({ submission: 'other', score: 1 });
    expect(b.rows.find((r) => r.submission === 'fast')?.score).toBeCloseTo((4 - 6.5 / 3) / 3, 12);
    const out = boardJson(b);
    expect(out.mixedHardware).toBe(true);
    expect(out.hardware).toBe('mixed');
    expect(out.hardwareFingerprints).toEqual(['hw-one', 'hw-two']);
  });

  it('does not call a board mixed when the flag is given but one machine ran everything', () => {
    const s = standardStore();
    cleanup = s.cleanup;
    const [b] = buildLeaderboards(s.store, { allowMixedHardware: true, bootstrap: { resamples: 50 } });
    expect(b?.mixedHardware).toBe(false);
    expect(boardJson(b!).hardware).toBe('hw-one');
  });
});
