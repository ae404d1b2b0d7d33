/**
 * Everything the report site shows, read from the store in one pass: the
 * leaderboards, the learning curves of every scored trial and the export tables.
 * The renderer then works on this plain data and never touches the database.
 */
import { buildLeaderboards, workloadColumn, type Leaderboard, type LeaderboardOptions } from './leaderboard.ts';
import type { Store } from '../store/store.ts';
import { exportTables, type ExportTables } from './exports.ts';

/** What the registry says about a workload; absent for one no longer registered. */
export interface WorkloadDescription {
  readonly description: string;
  /** Variant name → description. */
  readonly variants: Readonly<Record<string, string>>;
}

/** One eval of one trial: its validation metric at a submission time. */
export interface CurvePoint {
  readonly trialId: number;
  readonly submission: string;
  readonly column: string;
  readonly study: number;
  readonly trial: number;
  readonly seconds: number;
  readonly value: number;
}

export interface ColumnTarget {
  readonly value: number;
  readonly metric: string;
  readonly direction: 'max' | 'min';
}

export interface BoardCurves {
  readonly points: readonly CurvePoint[];
  /** Validation target per column (from the trials' rows). */
  readonly targets: Readonly<Record<string, ColumnTarget>>;
}

export interface SiteData {
  readonly generatedAt: string;
  readonly dbPath: string;
  readonly options: LeaderboardOptions;
  readonly boards: readonly Leaderboard[];
  /** By board id. */
  readonly curves: Readonly<Record<string, BoardCurves>>;
  /** Base workloads on any board, sorted. */
  readonly workloads: readonly string[];
  /** Submissions on any board, sorted. */
  readonly submissions: readonly string[];
  readonly descriptions: Readonly<Record<string, WorkloadDescription>>;
  readonly exports: ExportTables;
}

export function readSite(
  store: Store,
  options: LeaderboardOptions = {},
  describe: (workload: string) => WorkloadDescription | undefined = () => undefined,
): SiteData {
  const boards = buildLeaderboards(store, options);
  const curves: Record<string, BoardCurves> = {};
  for (const board of boards) {
    const points: CurvePoint[] = [];
    const targets: Record<string, ColumnTarget> = {};
    for (const t of board.trials) {
      const column = workloadColumn(t);
      targets[column] ??= { value: t.target_validation, metric: t.metric, direction: t.metric_direction };
      for (const e of store.evals(t.id)) {
        const value = metricOf(e.validation_json, t.metric);
        if (value === undefined) continue;
        points.push({ trialId: t.id, submission: t.submission, column, study: t.study, trial: t.trial, seconds: e.submission_time_sec, value });
      }
    }
    curves[board.id] = { points, targets };
  }
  const workloads = [...new Set(boards.flatMap((b) => b.columns.map((c) => c.split(':')[0] ?? c)))].sort();
  const descriptions: Record<string, WorkloadDescription> = {};
  for (const w of workloads) {
    const d = describe(w);
    if (d !== undefined) descriptions[w] = d;
  }
  return {
    generatedAt: new Date().toISOString(),
    dbPath: store.path,
    options,
    boards,
    curves,
    workloads,
    submissions: [...new Set(boards.flatMap((b) => b.rows.map((r) => r.submission)))].sort(),
    descriptions,
    exports: exportTables(store),
  };
}

function metricOf(json: string, metric: string): number | undefined {
  try {
    const v = (JSON.parse(json) as Record<string, unknown>)[metric];
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}
