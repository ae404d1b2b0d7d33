/**
 * A results store filled by hand in a temporary SQLite file, through the same Store
 * API the runner uses, with times chosen so that every expectation can be worked
 * out on paper.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hardware } from '../../harness/identity/fingerprint.ts';
import { Store } from '../../harness/store/store.ts';

export function hardware(fingerprint: string): Hardware {
  return {
    fingerprint,
    cpuModel: `Test CPU ${fingerprint}`,
    cpuCores: 2,
    memoryBytes: 8 * 2 ** 30,
    gpu: 'none',
    os: 'Test OS',
    nodeVersion: 'v20.0.0',
    tfjsVersion: '4.22.0',
    backend: 'cpu (test)',
    backendVersion: '4.22.0',
    details: {},
  };
}

export interface HandTrial {
  readonly hardwareId: number;
  readonly runId: number;
  readonly workload?: string;
  readonly variant?: string;
  readonly submission: string;
  /** @default 'external' */
  readonly ruleset?: 'external' | 'self';
  /** The run's --seed. @default 0 */
  readonly baseSeed?: number;
  readonly study: number;
  readonly trial?: number;
  /** Seconds to target; null = budget exhausted. */
  readonly time: number | null;
  readonly budget?: number;
  readonly budgetScale?: number;
  readonly error?: string;
  readonly hparams?: Record<string, number>;
  /** The submission's code version (its hash). @default 'v1' */
  readonly version?: string;
  /** The search space's hash; null as under self-tuning. @default null */
  readonly searchSpace?: string | null;
  /** Flag the trial noisy (a calibration that moved). */
  readonly noisy?: boolean;
  /** CPU-seconds the trial used (its cost record); none when absent. */
  readonly cpuSec?: number;
  /** Package energy over the trial, joules; null = no RAPL counters. */
  readonly energyJoules?: number | null;
  /** The trial's code key. @default the version */
  readonly codeKey?: string;
  /** The trial's seed. @default 1000 × study + trial */
  readonly seed?: number;
  /** Leave the trial running (an attempt cut off), rather than finished. */
  readonly status?: 'interrupted';
}

/** Adds one finished trial with two evals: one early, one at the end (on target when reached). */
export function addTrial(store: Store, t: HandTrial): number {
  const budget = t.budget ?? 100;
  const id = store.startTrial({
    hardwareId: t.hardwareId,
    runId: t.runId,
    workload: t.workload ?? 'w',
    variant: t.variant ?? 'base',
    submission: t.submission,
    ruleset: t.ruleset ?? 'external',
    budgetScale: t.budgetScale ?? 1,
    baseSeed: t.baseSeed ?? 0,
    study: t.study,
    trial: t.trial ?? 0,
    seed: t.seed ?? 1000 * t.study + (t.trial ?? 0),
    hparams: t.hparams ?? { lr: 0.001 * (1 + t.study) },
    targetValidation: 0.9,
    targetTest: 0.88,
    targetsVersion: 1,
    metric: 'accuracy',
    metricDirection: 'max',
    budgetSec: budget,
    backend: 'cpu',
    backendVersion: '4.22.0',
    codeKey: t.codeKey ?? t.version ?? 'v1',
    submissionHash: `${t.submission}:${t.version ?? 'v1'}`,
    searchSpaceHash: t.searchSpace ?? null,
    workloadHash: 'w1',
    targetsHash: 't1',
    algobenchVersion: '0.1.0+test',
  });
  const end = t.time ?? budget;
  store.recordEval(id, { step: 10, submissionTimeSec: end / 2, evalTimeSec: 0.1, trainLoss: 1, validation: { accuracy: 0.5 }, test: { accuracy: 0.5 } });
  const last = t.time === null ? 0.8 : 0.92;
  store.recordEval(id, { step: 20, submissionTimeSec: end, evalTimeSec: 0.1, trainLoss: 0.5, validation: { accuracy: last }, test: { accuracy: last } });
  const counts = {
    testReached: t.time !== null && t.error === undefined,
    steps: 20,
    submissionTimeSec: end,
    evalTimeSec: 0.2,
    evals: 2,
    ...(t.noisy ? { noise: { before: { matmulMs: 1, elementwiseMs: 1 }, after: { matmulMs: 2, elementwiseMs: 1 }, loadAvg: [0, 0] as [number, number], cpu: null, reasons: ['matmul calibration moved 100 %'] } } : {}),
    ...(t.cpuSec !== undefined
      ? {
          noise: {
            before: { matmulMs: 1, elementwiseMs: 1 },
            after: { matmulMs: 1, elementwiseMs: 1 },
            loadAvg: [0, 0] as [number, number],
            cpu: { others: 0, steal: 0, ownSec: t.cpuSec },
            energyJoules: t.energyJoules ?? null,
            reasons: [],
          },
        }
      : {}),
  };
  const noHit = { timeToTargetSec: null, targetStep: null, targetResolution: null };
  store.finishTrial(
    id,
    t.status === 'interrupted'
      ? { ...counts, ...noHit, status: 'interrupted', error: 'interrupted' }
      : t.error !== undefined
      ? { ...counts, ...noHit, status: 'error', error: t.error }
      : t.time === null
        ? { ...counts, ...noHit, status: 'budget_exhausted' }
        : { ...counts, status: 'reached', timeToTargetSec: t.time, targetStep: 20, targetResolution: 0.02 },
  );
  return id;
}

/** `table[submission][column] = [[study 0 trials], [study 1 trials]]`, null = missed. */
export type HandTable = Record<string, Record<string, (number | null)[][]>>;

export function addTable(store: Store, hardwareId: number, runId: number, table: HandTable, budgets: Record<string, number> = {}): void {
  for (const [submission, byColumn] of Object.entries(table)) {
    for (const [column, studies] of Object.entries(byColumn)) {
      const [workload = column, variant = 'base'] = column.split(':');
      studies.forEach((trials, study) =>
        trials.forEach((time, trial) =>
          addTrial(store, { hardwareId, runId, workload, variant, submission, study, trial, time, budget: budgets[column] ?? 100 }),
        ),
      );
    }
  }
}

export interface TempStore {
  readonly store: Store;
  readonly dir: string;
  readonly path: string;
  cleanup(): void;
}

export function tempStore(): TempStore {
  const dir = mkdtempSync(join(tmpdir(), 'algobench-lb-'));
  const path = join(dir, 'results.sqlite');
  const store = Store.open(path);
  return {
    store,
    dir,
    path,
    cleanup: () => {
      try {
        store.close();
      } catch {
        // already closed
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The standard board: base workload `w` (budget 100 s) and its variant `w:v`
 * (budget 200 s), 2 studies × 3 trials.
 *
 * Workload times (median over studies of the best trial):
 *   w:   adamw 15 (bests 10, 20), fast 6.5 (5, 8), novar 7 (7, 7), sgd missed
 *   w:v: adamw 35 (30, 40), fast missed, sgd missed (median of 50 and ∞), novar not run
 */
export const STANDARD: HandTable = {
  adamw: {
    w: [[10, 12, 30], [20, 25, 22]],
    'w:v': [[30, null, null], [40, null, null]],
  },
  fast: {
    w: [[5, 6, 9], [8, 9, 10]],
    'w:v': [[null, null, null], [null, null, null]],
  },
  novar: {
    w: [[7, 7, 7], [7, 7, 7]],
  },
  sgd: {
    w: [[null, null, null], [null, null, null]],
    'w:v': [[50, null, null], [null, null, null]],
  },
};

export const STANDARD_BUDGETS = { w: 100, 'w:v': 200 };

/** A temp store holding the standard board on one hardware fingerprint. */
export function standardStore(): TempStore & { hardwareId: number; runId: number } {
  const temp = tempStore();
  const hardwareId = temp.store.hardwareId(hardware('hw-one'));
  const runId = temp.store.startRun(hardwareId, 'test', '0.0.0');
  addTable(temp.store, hardwareId, runId, STANDARD, STANDARD_BUDGETS);
  return { ...temp, hardwareId, runId };
}
