/**
 * From stored trials to leaderboards: one per (hardware fingerprint, ruleset), never
 * mixing fingerprints. Per submission and workload, time-to-target is the median over
 * studies of the best trial (AlgoPerf); the benchmark score is computed over the base
 * workloads, and variants are shown beside them for robustness.
 */
import { scoreTable, type ScoreReport, type TimesTable } from './scoring/index.ts';
import type { HardwareRow, TrialRow } from './store/rows.ts';
import type { Ruleset } from './spec.ts';
import type { Store } from './store/store.ts';

export interface LeaderboardCell {
  /** Median over studies of the best trial's time-to-target; null = missed. */
  readonly seconds: number | null;
  readonly best: boolean;
  readonly trials: number;
  readonly reached: number;
  readonly statuses: Readonly<Record<string, number>>;
}

export interface LeaderboardRow {
  readonly submission: string;
  readonly score: number;
  readonly cells: Readonly<Record<string, LeaderboardCell>>;
}

export interface Leaderboard {
  readonly hardware: HardwareRow;
  readonly ruleset: Ruleset;
  /** Budget multiplier of a smoke run; 1 for a leaderboard run. */
  readonly budgetScale: number;
  /** Workload columns: `name` for base workloads, `name:variant` for variants. */
  readonly columns: readonly string[];
  /** The base workloads the score is computed over. */
  readonly scored: readonly string[];
  readonly rows: readonly LeaderboardRow[];
  readonly studies: number;
  readonly report: ScoreReport;
}

export function workloadColumn(t: Pick<TrialRow, 'workload' | 'variant'>): string {
  return t.variant === 'base' ? t.workload : `${t.workload}:${t.variant}`;
}

/** The latest finished attempt of each trial key (a resumed trial replaces none). */
function latestFinished(trials: readonly TrialRow[]): TrialRow[] {
  const byKey = new Map<string, TrialRow>();
  for (const t of trials) {
    if (t.status === 'running' || t.status === 'interrupted') continue;
    const key = [t.workload, t.variant, t.submission, t.ruleset, t.budget_scale, t.base_seed, t.study, t.trial].join('\u0000');
    const prev = byKey.get(key);
    if (prev === undefined || prev.id < t.id) byKey.set(key, t);
  }
  return [...byKey.values()];
}

/** Study × trial time tables per submission and workload column (Infinity = missed). */
export function timesTable(trials: readonly TrialRow[]): TimesTable {
  const table: Record<string, Record<string, number[][]>> = {};
  for (const t of latestFinished(trials)) {
    const column = workloadColumn(t);
    const studies = ((table[t.submission] ??= {})[column] ??= []);
    const study = (studies[t.study] ??= []);
    study[t.trial] = t.status === 'reached' && t.time_to_target_sec !== null ? t.time_to_target_sec : Infinity;
  }
  // Studies and trials that were never run are dropped; gaps must not read as misses.
  for (const perWorkload of Object.values(table)) {
    for (const [w, studies] of Object.entries(perWorkload)) {
      perWorkload[w] = studies.filter((s) => s !== undefined).map((s) => s.filter((x) => x !== undefined));
    }
  }
  return { submissions: table };
}

export function buildLeaderboards(store: Store): Leaderboard[] {
  const boards: Leaderboard[] = [];
  for (const hardware of store.hardware()) {
    const trials = store.trials({ hardwareId: hardware.id });
    const scales = [...new Set(trials.map((t) => t.budget_scale))].sort((a, b) => b - a);
    for (const ruleset of ['external', 'self'] as const) {
      for (const scale of scales) {
        const mine = latestFinished(trials.filter((t) => t.ruleset === ruleset && t.budget_scale === scale));
        if (mine.length > 0) boards.push(buildOne(hardware, ruleset, scale, mine));
      }
    }
  }
  return boards;
}

function buildOne(hardware: HardwareRow, ruleset: Ruleset, budgetScale: number, trials: TrialRow[]): Leaderboard {
  const columns = [...new Set(trials.map(workloadColumn))].sort(baseFirst);
  const scored = columns.filter((c) => !c.includes(':'));
  const table = timesTable(trials);
  // Variants are scored on their own only to get per-column times; the benchmark
  // score is the one over base workloads.
  const report = scoreTable(table, { workloads: scored.length > 0 ? scored : columns });
  const all = scoreTable(table, { workloads: columns });
  const submissions = [...new Set(trials.map((t) => t.submission))];
  const rows: LeaderboardRow[] = submissions.map((submission) => {
    const cells: Record<string, LeaderboardCell> = {};
    for (const column of columns) {
      const mine = trials.filter((t) => t.submission === submission && workloadColumn(t) === column);
      if (mine.length === 0) continue;
      const statuses: Record<string, number> = {};
      for (const t of mine) statuses[t.status] = (statuses[t.status] ?? 0) + 1;
      const seconds = all.submissions[submission]?.workloadTimes[column] ?? null;
      cells[column] = {
        seconds,
        best: seconds !== null && all.submissions[submission]?.ratios[column] === 1,
        trials: mine.length,
        reached: statuses['reached'] ?? 0,
        statuses,
      };
    }
    return { submission, score: report.submissions[submission]?.score ?? 0, cells };
  });
  rows.sort((a, b) => b.score - a.score || a.submission.localeCompare(b.submission));
  const studies = new Set(trials.map((t) => t.study)).size;
  return { hardware, ruleset, budgetScale, columns, scored, rows, studies, report };
}

function baseFirst(a: string, b: string): number {
  const [wa = '', va = ''] = a.split(':');
  const [wb = '', vb = ''] = b.split(':');
  return wa.localeCompare(wb) || (va === '' ? -1 : vb === '' ? 1 : va.localeCompare(vb));
}
