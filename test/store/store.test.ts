/**
 * The results store on a real SQLite file: round trip through a reopen, resume
 * semantics of finishedTrial, the schema version and WAL journal, refusal of a newer
 * schema and of a missing read-only file; then leaderboards built from a store filled
 * by hand, checked against times and scores worked out on paper.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { AlgobenchError } from '../../harness/core/errors.ts';
import type { Hardware } from '../../harness/identity/fingerprint.ts';
import { buildLeaderboards, timesTable } from '../../harness/report/leaderboard.ts';
import type { EvalRecord } from '../../harness/store/rows.ts';
import type { NewTrial, TrialKey, TrialOutcome } from '../../harness/store/rows.ts';
import type { TrialStatus } from '../../harness/spec.ts';
import { SCHEMA_VERSION } from '../../harness/store/schema.ts';
import { Store } from '../../harness/store/store.ts';
import { expectCodedError } from '../_coded_error.ts';

const dirs: string[] = [];
function tempDb(name = 'store.sqlite'): string {
  const dir = mkdtempSync(join(tmpdir(), 'algobench-store-'));
  dirs.push(dir);
  return join(dir, name);
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function hardware(fingerprint = 'aaaaaaaaaaaaaaaa', overrides: Partial<Hardware> = {}): Hardware {
  return {
    fingerprint,
    cpuModel: 'Test CPU 9000',
    cpuCores: 8,
    memoryBytes: 16 * 2 ** 30,
    gpu: 'none',
    os: 'TestOS 1.0 (test, x64)',
    nodeVersion: 'v20.0.0',
    tfjsVersion: '4.22.0',
    backend: 'wasm (@tensorflow/tfjs-backend-wasm)',
    backendVersion: '4.22.0',
    details: { cpuSpeedGHz: 3.5, hostname: 'testhost' },
    ...overrides,
  };
}

function key(hardwareId: number, overrides: Partial<TrialKey> = {}): TrialKey {
  return {
    hardwareId,
    workload: 'mnist_mlp',
    variant: 'base',
    submission: 'adamw',
    ruleset: 'external',
    budgetScale: 1,
    baseSeed: 0,
    study: 0,
    trial: 0,
    codeKey: 'code-v1',
    ...overrides,
  };
}

function newTrial(runId: number, k: TrialKey, overrides: Partial<NewTrial> = {}): NewTrial {
  return {
    ...k,
    runId,
    seed: 123456789,
    hparams: { lr: 0.001, beta1: 0.9, schedule: 'cosine', nesterov: true },
    targetValidation: 0.94,
    targetTest: 0.935,
    targetsVersion: 1,
    metric: 'accuracy',
    metricDirection: 'max',
    budgetSec: 40,
    backend: 'wasm',
    backendVersion: '4.22.0',
    submissionHash: 'a'.repeat(64),
    searchSpaceHash: 'b'.repeat(64),
    workloadHash: 'c'.repeat(64),
    targetsHash: 'd'.repeat(64),
    algobenchVersion: '0.1.0+test',
    ...overrides,
  };
}

/**
 * A finished trial: reached its targets at `timeToTargetSec` (6.25 s) unless `status`
 * says otherwise, and then with no target hit (as a result of that status has none).
 */
function outcome(o: { status?: TrialStatus; error?: string; timeToTargetSec?: number; submissionTimeSec?: number } = {}): TrialOutcome {
  const status = o.status ?? 'reached';
  const counts = { testReached: status === 'reached', steps: 750, submissionTimeSec: o.submissionTimeSec ?? 6.25, evalTimeSec: 0.75, evals: 10 };
  if (status === 'reached') return { ...counts, status, timeToTargetSec: o.timeToTargetSec ?? 6.25, targetStep: 750, targetResolution: 0.02 };
  const noHit = { timeToTargetSec: null, targetStep: null, targetResolution: null };
  if (status === 'budget_exhausted') return { ...counts, ...noHit, status };
  return { ...counts, ...noHit, status, ...(o.error === undefined ? {} : { error: o.error }) };
}

const EVALS: EvalRecord[] = [
  { step: 250, submissionTimeSec: 2.0625, evalTimeSec: 0.25, trainLoss: 0.5, validation: { accuracy: 0.9, loss: 0.4 }, test: { accuracy: 0.89, loss: 0.41 } },
  { step: 500, submissionTimeSec: 4.125, evalTimeSec: 0.25, trainLoss: 0.25, validation: { accuracy: 0.93, loss: 0.3 }, test: { accuracy: 0.925, loss: 0.31 } },
  { step: 750, submissionTimeSec: 6.25, evalTimeSec: 0.25, trainLoss: 0.125, validation: { accuracy: 0.945, loss: 0.2 }, test: { accuracy: 0.94, loss: 0.21 } },
];

function expectStoreError(fn: () => unknown, code: string, fragment: string): AlgobenchError {
  return expectCodedError(fn, code, fragment);
}

describe('Store', () => {
  it('round trip: hardware, run, trial and evals read back equal after a reopen', () => {
    const path = tempDb();
    const hw = hardware();
    const k = key(0);
    let hardwareId: number;
    let runId: number;
    let trialId: number;
    {
      const store = Store.open(path);
      hardwareId = store.hardwareId(hw);
      expect(store.hardwareId(hw)).toBe(hardwareId);
      expect(store.hardwareId(hardware('bbbbbbbbbbbbbbbb'))).not.toBe(hardwareId);
      runId = store.startRun(hardwareId, 'run -w mnist_mlp -s adamw', '0.1.0');
      trialId = store.startTrial(newTrial(runId, { ...k, hardwareId }));
      for (const e of EVALS) store.recordEval(trialId, e);
      store.finishTrial(trialId, outcome());
      store.finishRun(runId, 'finished');
      store.close();
    }

    const store = Store.open(path);
    try {
      // Same fingerprint after the reopen: the same row, not a new one.
      expect(store.hardwareId(hw)).toBe(hardwareId);
      const hwRows = store.hardware();
      expect(hwRows).toHaveLength(2);
      const row = hwRows.find((h) => h.id === hardwareId)!;
      expect(row).toMatchObject({
        fingerprint: hw.fingerprint,
        cpu_model: hw.cpuModel,
        cpu_cores: hw.cpuCores,
        memory_bytes: hw.memoryBytes,
        gpu: hw.gpu,
        os: hw.os,
        node_version: hw.nodeVersion,
        tfjs_version: hw.tfjsVersion,
        backend: hw.backend,
        backend_version: hw.backendVersion,
      });
      expect(JSON.parse(row.details_json)).toEqual(hw.details);
      expect(Number.isNaN(Date.parse(row.first_seen))).toBe(false);

      const trials = store.trials();
      expect(trials).toHaveLength(1);
      const t = trials[0]!;
      const nt = newTrial(runId, { ...k, hardwareId });
      const o = outcome();
      expect(t).toMatchObject({
        id: trialId,
        run_id: runId,
        hardware_id: hardwareId,
        workload: nt.workload,
        variant: nt.variant,
        submission: nt.submission,
        ruleset: nt.ruleset,
        study: nt.study,
        trial: nt.trial,
        base_seed: nt.baseSeed,
        seed: nt.seed,
        target_validation: nt.targetValidation,
        target_test: nt.targetTest,
        targets_version: nt.targetsVersion,
        metric: nt.metric,
        metric_direction: nt.metricDirection,
        budget_sec: nt.budgetSec,
        budget_scale: nt.budgetScale,
        status: o.status,
        time_to_target_sec: o.timeToTargetSec,
        test_reached: 1,
        steps: o.steps,
        submission_time_sec: o.submissionTimeSec,
        eval_time_sec: o.evalTimeSec,
        error: null,
        backend: nt.backend,
        backend_version: nt.backendVersion,
      });
      expect(JSON.parse(t.hparams_json)).toEqual(nt.hparams);
      expect(Number.isNaN(Date.parse(t.started_at))).toBe(false);
      expect(t.finished_at).not.toBeNull();
      expect(store.trials({ hardwareId, finishedOnly: true })).toHaveLength(1);
      expect(store.trials({ hardwareId: hardwareId + 1000 })).toHaveLength(0);

      const evals = store.evals(trialId);
      expect(evals).toHaveLength(EVALS.length);
      evals.forEach((e, i) => {
        const want = EVALS[i]!;
        expect(e.trial_id).toBe(trialId);
        expect(e.step).toBe(want.step);
        expect(e.submission_time_sec).toBe(want.submissionTimeSec);
        expect(e.eval_time_sec).toBe(want.evalTimeSec);
        expect(e.train_loss).toBe(want.trainLoss);
        expect(JSON.parse(e.validation_json)).toEqual(want.validation);
        expect(JSON.parse(e.test_json)).toEqual(want.test);
      });
      expect(store.statusCounts()).toEqual({ reached: 1 });
    } finally {
      store.close();
    }

    // The runs table, which the Store has no reader for.
    const sqlite = new Database(path, { readonly: true });
    try {
      const runs = sqlite.prepare('SELECT * FROM runs').all() as Array<Record<string, unknown>>;
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ id: runId, hardware_id: hardwareId, command: 'run -w mnist_mlp -s adamw', algobench_version: '0.1.0', status: 'finished' });
      expect(runs[0]!['finished_at']).not.toBeNull();
    } finally {
      sqlite.close();
    }
  });

  it('keeps a failed trial\'s message and stores a non-finite train loss as NULL', () => {
    const store = Store.open(tempDb());
    try {
      const hardwareId = store.hardwareId(hardware());
      const runId = store.startRun(hardwareId, 'run', '0.1.0');
      const trialId = store.startTrial(newTrial(runId, key(hardwareId)));
      store.recordEval(trialId, { ...EVALS[0]!, trainLoss: Number.NaN });
      store.finishTrial(trialId, outcome({ status: 'error', error: 'boom: the submission threw' }));
      const [t] = store.trials();
      expect(t).toMatchObject({ status: 'error', time_to_target_sec: null, test_reached: 0, error: 'boom: the submission threw' });
      expect(store.evals(trialId)[0]!.train_loss).toBeNull();
    } finally {
      store.close();
    }
  });

  it('finishedTrial: undefined while running or interrupted, the latest finished row otherwise (resume)', () => {
    const store = Store.open(tempDb());
    try {
      const hardwareId = store.hardwareId(hardware());
      const runId = store.startRun(hardwareId, 'run', '0.1.0');
      const k = key(hardwareId);
      expect(store.finishedTrial(k)).toBeUndefined();

      const running = store.startTrial(newTrial(runId, k));
      expect(store.finishedTrial(k), 'a running trial (a crash) must be re-run').toBeUndefined();

      store.finishTrial(running, outcome({ status: 'interrupted' }));
      expect(store.finishedTrial(k), 'an interrupted trial must be re-run').toBeUndefined();

      const resumed = store.startTrial(newTrial(runId, k));
      store.finishTrial(resumed, outcome({ status: 'budget_exhausted' }));
      const found = store.finishedTrial(k);
      expect(found?.id).toBe(resumed);
      expect(found?.status).toBe('budget_exhausted');

      // The same key made by other code: not finished, but found as made by other code.
      expect(store.finishedByOtherCode({ ...k, codeKey: 'code-v2' })?.id).toBe(resumed);
      expect(store.finishedByOtherCode(k)).toBeUndefined();

      // Other keys are not finished: each key field counts.
      for (const other of [
        { study: 1 },
        { trial: 1 },
        { submission: 'nesterov' },
        { variant: 'tanh' },
        { ruleset: 'self' as const },
        { budgetScale: 0.05 },
        { baseSeed: 7 },
        { workload: 'other' },
        { codeKey: 'code-v2' },
        { hardwareId: hardwareId + 1 },
      ]) {
        expect(store.finishedTrial({ ...k, ...other }), JSON.stringify(other)).toBeUndefined();
      }

      // A later finished attempt under the same key is the one returned.
      const again = store.startTrial(newTrial(runId, k));
      store.finishTrial(again, outcome());
      expect(store.finishedTrial(k)?.id).toBe(again);
      for (const status of ['reached', 'budget_exhausted', 'diverged', 'error'] as const) {
        const sk = { ...k, study: 10 };
        const id = store.startTrial(newTrial(runId, sk));
        store.finishTrial(id, outcome({ status }));
        expect(store.finishedTrial(sk)?.id, status).toBe(id);
      }
    } finally {
      store.close();
    }
  });

  it('sets the schema version (PRAGMA user_version) and the WAL journal', () => {
    const path = tempDb();
    Store.open(path).close();
    const sqlite = new Database(path, { readonly: true });
    try {
      expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(1);
      expect(sqlite.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
      const tables = (sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
      expect(tables).toEqual(expect.arrayContaining(['evals', 'hardware', 'runs', 'trials']));
    } finally {
      sqlite.close();
    }
    // Reopening an up-to-date file migrates nothing and loses nothing.
    const store = Store.open(path);
    try {
      expect(store.hardware()).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('refuses a database from a newer algobench (E_STORE) and leaves it as it was', () => {
    const path = tempDb();
    const sqlite = new Database(path);
    sqlite.exec('CREATE TABLE future (x INTEGER)');
    sqlite.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    sqlite.close();

    const err = expectStoreError(() => Store.open(path), 'E_STORE', `schema version ${SCHEMA_VERSION + 1}`);
    expect(err.message).toContain(path);
    expectStoreError(() => Store.open(path, { readonly: true }), 'E_STORE', `schema version ${SCHEMA_VERSION + 1}`);

    const after = new Database(path, { readonly: true });
    try {
      expect(after.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
      const tables = (after.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name);
      expect(tables).toEqual(['future']);
    } finally {
      after.close();
    }
  });

  it('refuses to open read-only a file that does not exist, and does not create it', () => {
    const path = tempDb('missing.sqlite');
    expectStoreError(() => Store.open(path, { readonly: true }), 'E_STORE', 'missing.sqlite');
    expect(existsSync(path)).toBe(false);
  });

  it('refuses to open read-only an empty (version 0) SQLite file', () => {
    const path = tempDb('empty.sqlite');
    new Database(path).close();
    expectStoreError(() => Store.open(path, { readonly: true }), 'E_STORE', 'holds no algobench results');
  });
});

describe('leaderboard from a hand-filled store', () => {
  /**
   * Two submissions on mnist_mlp, 2 studies × 2 trials each (time-to-target in s;
   * ✗ = missed):
   *
   *   alpha  study 0: 10, 14   best 10      study 1: ✗, 12   best 12    median 11
   *   beta   study 0: 20, 30   best 20      study 1: 25, 18  best 18    median 19
   *
   * beta's study 1 trial 1 was first interrupted, then re-run to 18 (the interrupted
   * attempt does not count), and a still-running row is ignored too.
   * Ratios: alpha 1, beta 19/11. Score = ∫₁⁴ ρ(τ) dτ / 3 = (4 − r) / 3 for one
   * workload: alpha 1, beta (4 − 19/11) / 3 = 25/33.
   * A second hardware fingerprint with a faster alpha gets a board of its own and
   * changes nothing here.
   */
  function fill(): { store: Store; hw1: number; hw2: number } {
    const store = Store.open(tempDb('board.sqlite'));
    const hw1 = store.hardwareId(hardware('1111111111111111'));
    const hw2 = store.hardwareId(hardware('2222222222222222', { cpuModel: 'Other CPU' }));
    const run1 = store.startRun(hw1, 'run', '0.1.0');
    const add = (hardwareId: number, runId: number, submission: string, study: number, trial: number, o: TrialOutcome | 'running') => {
      const id = store.startTrial(newTrial(runId, key(hardwareId, { submission, study, trial })));
      if (o !== 'running') store.finishTrial(id, o);
      return id;
    };
    const reached = (t: number) => outcome({ status: 'reached', timeToTargetSec: t, submissionTimeSec: t });
    const missed = outcome({ status: 'budget_exhausted', submissionTimeSec: 40 });

    add(hw1, run1, 'alpha', 0, 0, reached(10));
    add(hw1, run1, 'alpha', 0, 1, reached(14));
    add(hw1, run1, 'alpha', 1, 0, missed);
    add(hw1, run1, 'alpha', 1, 1, reached(12));
    add(hw1, run1, 'beta', 0, 0, reached(20));
    add(hw1, run1, 'beta', 0, 1, reached(30));
    add(hw1, run1, 'beta', 1, 0, reached(25));
    add(hw1, run1, 'beta', 1, 1, outcome({ status: 'interrupted' }));
    add(hw1, run1, 'beta', 1, 1, reached(18));
    // A trial of another key still running (a crashed run): not finished, not scored.
    add(hw1, run1, 'beta', 2, 0, 'running');

    const run2 = store.startRun(hw2, 'run', '0.1.0');
    add(hw2, run2, 'alpha', 0, 0, reached(1));
    add(hw2, run2, 'beta', 0, 0, reached(2));
    return { store, hw1, hw2 };
  }

  it('timesTable: study × trial times per submission, missed = Infinity, unfinished attempts dropped', () => {
    const { store, hw1 } = fill();
    try {
      expect(timesTable(store.trials({ hardwareId: hw1 }))).toEqual({
        submissions: {
          alpha: { mnist_mlp: [[10, 14], [Infinity, 12]] },
          beta: { mnist_mlp: [[20, 30], [25, 18]] },
        },
      });
    } finally {
      store.close();
    }
  });

  it('buildLeaderboards: median-of-best times and scores computed by hand, one board per fingerprint', () => {
    const { store, hw1, hw2 } = fill();
    try {
      const boards = buildLeaderboards(store);
      expect(boards.map((b) => [b.hardware.id, b.ruleset, b.budgetScale])).toEqual([
        [hw1, 'external', 1],
        [hw2, 'external', 1],
      ]);
      const board = boards[0]!;
      expect(board.hardware.fingerprint).toBe('1111111111111111');
      expect(board.columns).toEqual(['mnist_mlp']);
      expect(board.scored).toEqual(['mnist_mlp']);
      expect(board.studies).toBe(2);
      expect(board.rows.map((r) => r.submission)).toEqual(['alpha', 'beta']);
      // Scored: the latest finished attempt of each of the 8 trial keys; the
      // interrupted and the running attempts are on the board only as attempts.
      expect(board.trials).toHaveLength(8);
      expect(board.attempts).toHaveLength(10);

      const [alpha, beta] = board.rows;
      expect(alpha!.score).toBeCloseTo(1, 12);
      expect(beta!.score).toBeCloseTo(25 / 33, 12);
      expect(alpha!.cells['mnist_mlp']).toMatchObject({
        seconds: 11,
        rawSeconds: 11,
        best: true,
        trials: 4,
        reached: 3,
        statuses: { reached: 3, budget_exhausted: 1 },
      });
      expect(beta!.cells['mnist_mlp']).toMatchObject({
        seconds: 19,
        rawSeconds: 19,
        best: false,
        trials: 4,
        reached: 4,
        statuses: { reached: 4 },
      });

      expect(board.report.workloads).toEqual(['mnist_mlp']);
      expect(board.report.submissions['alpha']!.workloadTimes).toEqual({ mnist_mlp: 11 });
      expect(board.report.submissions['beta']!.workloadTimes).toEqual({ mnist_mlp: 19 });
      expect(board.report.submissions['alpha']!.ratios['mnist_mlp']).toBe(1);
      expect(board.report.submissions['beta']!.ratios['mnist_mlp']).toBeCloseTo(19 / 11, 12);
      expect(board.report.submissions['beta']!.score).toBeCloseTo(25 / 33, 12);

      // The other fingerprint is ranked on its own: 1 s vs 2 s → ratio 2, score 2/3.
      const other = boards[1]!;
      expect(other.rows.map((r) => [r.submission, r.cells['mnist_mlp']?.seconds])).toEqual([
        ['alpha', 1],
        ['beta', 2],
      ]);
      expect(other.rows[1]!.score).toBeCloseTo(2 / 3, 12);
    } finally {
      store.close();
    }
  });
});
