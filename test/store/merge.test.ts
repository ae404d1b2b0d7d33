/**
 * merge (store/merge.ts): shard stores of one plan fold into one store; the counts
 * expected are those the test wrote into the shards, row by row.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { mergeStores } from '../../harness/store/merge.ts';
import { Store } from '../../harness/store/store.ts';
import { cleanupDirs, hardware, key, newTrial, reached, tempDir } from './_fixtures.ts';

afterAll(cleanupDirs);

const PLAN = 'a'.repeat(64);
const OTHER_PLAN = 'b'.repeat(64);

interface ShardSpec {
  readonly fingerprint?: string;
  /** null: the shard records no plan. */
  readonly plan?: string | null;
  /** Finished trials: [study, trial, time to target, evals]. */
  readonly trials: ReadonlyArray<readonly [number, number, number, number]>;
  /** Trials left running (a killed task). */
  readonly unfinished?: ReadonlyArray<readonly [number, number]>;
}

function shard(dir: string, name: string, spec: ShardSpec): string {
  const path = join(dir, name);
  const store = Store.open(path);
  try {
    const hw = store.hardwareId(hardware(spec.fingerprint ?? 'hw-a'));
    const run = store.startRun(hw, `run --plan p --shard ${name}`, '0.0.0');
    if (spec.plan !== null) store.recordPlan(spec.plan ?? PLAN, 8);
    for (const [study, trial, seconds, evals] of spec.trials) {
      const id = store.startTrial(newTrial(run, key(hw, { study, trial })));
      for (let step = 1; step <= evals; step++) {
        store.recordEval(id, { step, submissionTimeSec: step, evalTimeSec: 0.1, trainLoss: 1 / step, validation: { accuracy: 0.5 }, test: { accuracy: 0.5 } });
      }
      store.finishTrial(id, reached(seconds));
    }
    for (const [study, trial] of spec.unfinished ?? []) store.startTrial(newTrial(run, key(hw, { study, trial })));
  } finally {
    store.close();
  }
  return path;
}

/** Every row of the tables merge writes, ids included. */
function dump(path: string): Record<string, unknown[]> {
  const db = new Database(path, { readonly: true });
  try {
    return Object.fromEntries(['hardware', 'runs', 'trials', 'evals', 'plans'].map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY 1`).all()]));
  } finally {
    db.close();
  }
}

describe('merge', () => {
  it('copies every finished trial with its evals, runs and fingerprint; unfinished attempts are reported, not copied', () => {
    const dir = tempDir();
    const a = shard(dir, 'a.sqlite', { fingerprint: 'hw-a', trials: [[0, 0, 1, 3], [0, 2, 2, 2]], unfinished: [[1, 0]] });
    const b = shard(dir, 'b.sqlite', { fingerprint: 'hw-b', trials: [[0, 1, 3, 4]] });
    const out = join(dir, 'merged.sqlite');
    const summary = mergeStores(out, [a, b]);
    expect(summary).toMatchObject({ planHash: PLAN, added: 3, evals: 9, alreadyThere: 0, conflicts: [] });
    expect([...summary.unfinishedKeys]).toEqual(['w/s/external/x1/seed0/study1/trial0/code']);
    const rows = dump(out);
    const fingerprints = new Map((rows.hardware as Array<{ id: number; fingerprint: string }>).map((h) => [h.id, h.fingerprint]));
    const trials = rows.trials as Array<{ hardware_id: number; study: number; trial: number; time_to_target_sec: number; status: string }>;
    expect(trials.map((t) => [fingerprints.get(t.hardware_id), t.study, t.trial, t.time_to_target_sec, t.status])).toEqual([
      ['hw-a', 0, 0, 1, 'reached'],
      ['hw-a', 0, 2, 2, 'reached'],
      ['hw-b', 0, 1, 3, 'reached'],
    ]);
    expect(rows.runs).toHaveLength(2);
    expect((rows.plans as Array<{ hash: string }>).map((p) => p.hash)).toEqual([PLAN]);
    // The merged store is an ordinary store: it opens and lists the trials.
    const store = Store.open(out, { readonly: true });
    expect(store.trials({ finishedOnly: true })).toHaveLength(3);
    store.close();
  });

  it('is idempotent: a shard merged twice (and a merged store merged again) changes nothing', () => {
    const dir = tempDir();
    const a = shard(dir, 'a.sqlite', { trials: [[0, 0, 1, 2], [0, 1, 2, 2]] });
    const out = join(dir, 'merged.sqlite');
    mergeStores(out, [a]);
    const before = dump(out);
    const again = mergeStores(out, [a, a]);
    expect(again).toMatchObject({ added: 0, evals: 0, alreadyThere: 4, conflicts: [] });
    expect(dump(out)).toEqual(before);
  });

  it('a resumed shard merged before and after its resume, then twice more, adds each run, trial and eval once', () => {
    const dir = tempDir();
    // The first attempt finishes trial 0 and is cut off in trial 1 (left running).
    const a = shard(dir, 'a.sqlite', { trials: [[0, 0, 1, 2]], unfinished: [[0, 1]] });
    const out = join(dir, 'merged.sqlite');
    expect(mergeStores(out, [a])).toMatchObject({ added: 1, evals: 2, alreadyThere: 0 });
    // The first run went on after that merge and finished trial 2 (its run row is merged already).
    const store = Store.open(a);
    const firstRun = store.trials()[0]!.run_id;
    store.finishTrial(store.startTrial(newTrial(firstRun, key(store.hardwareId(hardware('hw-a')), { study: 0, trial: 2 }))), reached(4));
    store.close();
    // The resubmitted task: a second run in the same store finishes trial 1.
    const firstStart = Date.now();
    while (Date.now() === firstStart); // a start time of its own, as any later process has
    shard(dir, 'a.sqlite', { trials: [[0, 1, 2, 3]] });
    expect(mergeStores(out, [a])).toMatchObject({ added: 2, evals: 3, alreadyThere: 1 });
    const once = dump(out);
    expect(['runs', 'trials', 'evals', 'hardware', 'plans'].map((t) => once[t]?.length)).toEqual([2, 3, 5, 1, 1]);
    expect(mergeStores(out, [a, a])).toMatchObject({ added: 0, evals: 0, alreadyThere: 6, conflicts: [] });
    expect(dump(out)).toEqual(once);
  });

  it('a trial that came back twice with different results is a conflict: reported, the first kept, nothing overwritten', () => {
    const dir = tempDir();
    const a = shard(dir, 'a.sqlite', { trials: [[0, 0, 1, 2]] });
    const b = shard(dir, 'b.sqlite', { trials: [[0, 0, 5, 3], [0, 1, 2, 1]] });
    const out = join(dir, 'merged.sqlite');
    const summary = mergeStores(out, [a, b]);
    expect(summary.added).toBe(2);
    expect(summary.conflicts).toHaveLength(1);
    expect(summary.conflicts[0]).toMatchObject({ key: 'w/s/external/x1/seed0/study0/trial0/code', fingerprint: 'hw-a', shard: b });
    const trials = dump(out).trials as Array<{ study: number; trial: number; time_to_target_sec: number }>;
    expect(trials.map((t) => [t.trial, t.time_to_target_sec])).toEqual([[0, 1], [1, 2]]);
    expect(dump(out).evals).toHaveLength(2 + 1);
  });

  it('refuses a shard of another plan (or of no plan) before writing anything', () => {
    const dir = tempDir();
    const a = shard(dir, 'a.sqlite', { trials: [[0, 0, 1, 1]] });
    const foreign = shard(dir, 'foreign.sqlite', { plan: OTHER_PLAN, trials: [[0, 1, 1, 1]] });
    const out = join(dir, 'merged.sqlite');
    expect(() => mergeStores(out, [a, foreign])).toThrow(`shard ${foreign} belongs to plan bbbbbbbbbbbb…, not to plan aaaaaaaaaaaa… of shard ${a}; merge the shards of one plan together`);
    expect(existsSync(out)).toBe(false);
    expect(() => mergeStores(out, [a], OTHER_PLAN)).toThrow(/belongs to plan aaaaaaaaaaaa…, not to plan bbbbbbbbbbbb… of the plan passed with plan/);
    const plain = shard(dir, 'plain.sqlite', { plan: null, trials: [[0, 0, 1, 1]] });
    expect(() => mergeStores(out, [plain])).toThrow(/records no plan/);
    mergeStores(out, [a]);
    const before = dump(out);
    expect(() => mergeStores(out, [foreign])).toThrow(`the merged store ${out} holds plan aaaaaaaaaaaa…, not plan bbbbbbbbbbbb… of the shards; merge each plan into a store of its own`);
    expect(() => mergeStores(out, [a], OTHER_PLAN)).toThrow(/belongs to plan/);
    expect(dump(out)).toEqual(before);
  });

  it('an unwritable merged store is refused in one line, nothing created', () => {
    const dir = tempDir();
    const a = shard(dir, 'a.sqlite', { trials: [[0, 0, 1, 1]] });
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const out = join(file, 'merged.sqlite');
    expect(() => mergeStores(out, [a])).toThrow(new RegExp(`^cannot write the merged store ${out}: .*; pass a writable path as the merged store$`));
    expect(() => mergeStores(a, [a])).toThrow(/is both the merged store and a shard/);
  });
});
