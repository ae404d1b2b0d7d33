/**
 * From stored trials to leaderboards: one per (hardware fingerprint, ruleset, budget
 * scale), never mixing fingerprints unless asked to (and then every output says so).
 * Per submission and workload, time-to-target is the median over studies of the best
 * trial (AlgoPerf; under self-tuning every run is a study of its own, see scoringStudy);
 * the benchmark score is computed over the base workloads, and variants are shown
 * beside them for robustness. Each board also carries bootstrap intervals, speedups
 * and paired sign tests against a reference submission.
 */
import { formatWorkloadRef } from '../core/workload_ref.ts';
import { createHash } from 'node:crypto';
import { AlgobenchError, setting } from '../core/errors.ts';
import {
  DEFAULT_REFERENCE,
  chooseReference,
  columnBudgets,
  pairedTimes,
  signTestVs,
  type ReferenceTest,
} from './compare.ts';
import { variantRobustness, variantRuleVoids, voidCells, type WorkloadRobustness } from './robustness.ts';
import {
  bootstrapScores,
  geomeanSpeedup,
  scoreTable,
  type BaseVoid,
  type BootstrapResult,
  type JsonTime,
  type ScoreReport,
  type TimesTable,
} from '../scoring/index.ts';
import { isFinishedStatus, type HardwareRow, type TrialRow } from '../store/rows.ts';
import type { Ruleset } from '../spec.ts';
import type { Store } from '../store/store.ts';

export interface LeaderboardOptions {
  /** Rank trials of different hardware fingerprints together; such boards are marked "mixed hardware". @default false */
  readonly allowMixedHardware?: boolean;
  /**
   * AlgoPerf v0.5 rule: a base-workload time counts only if every variant of it on the board
   * was reached too, within 4× the fastest time on it (harness/scoring/variant_rule.ts). @default false
   */
  readonly requireVariants?: boolean;
  /**
   * Reference submission of speedups and sign tests; a plain name stands for its latest version
   * on a board where it has several. @default "adamw" if on the board, else the first name alphabetically
   */
  readonly reference?: string;
  /** Bootstrap resampling of studies and trials. @default { seed: 0, resamples: 1000, confidence: 0.95 } */
  readonly bootstrap?: { readonly seed?: number; readonly resamples?: number; readonly confidence?: number };
}

export interface LeaderboardCell {
  /** Median over studies of the best trial's time-to-target; null = missed (or voided by the variant rule). */
  readonly seconds: number | null;
  /** The time as measured, before the variant rule. */
  readonly rawSeconds: number | null;
  /** Bootstrap interval of the time; a null bound = missed in that share of resamples. */
  readonly ci: readonly [JsonTime, JsonTime] | null;
  readonly best: boolean;
  readonly trials: number;
  readonly reached: number;
  readonly statuses: Readonly<Record<string, number>>;
  /** Scored trials flagged noisy (the machine was busy or its calibration moved). */
  readonly noisy: number;
  /**
   * Median over the scored trials of submission time per training step, in ms (null
   * when no trial took a step): a method's cost per step, which explains much of a
   * time-to-target difference before any question of steps to target.
   */
  readonly msPerStep: number | null;
  /** Paired sign test against the reference; absent on the reference's own row. */
  readonly vsReference?: ReferenceTest;
  /** Variant columns that made the variant rule void this base time ([] when its own 4× cut did). */
  readonly voidedBy?: readonly string[];
  /** Why the variant rule voided this base time: the variants that failed and how, or its own 4× cut. */
  readonly voidReason?: BaseVoid;
}

export interface LeaderboardRow {
  readonly submission: string;
  /** Short hash of the submission's code and search space that produced these trials. */
  readonly version: string;
  readonly score: number;
  /** Bootstrap interval of the score. */
  readonly scoreCI: readonly [number, number] | null;
  /** Geometric-mean speedup over the reference on the scored workloads (> 1 = faster). */
  readonly speedup: { readonly geomean: number; readonly perWorkload: Readonly<Record<string, number>> };
  /** Sign test pooled over the scored workloads; absent on the reference's row. */
  readonly vsReference?: ReferenceTest;
  readonly cells: Readonly<Record<string, LeaderboardCell>>;
  /** Per base workload: which of its variants this submission reached. */
  readonly robustness: Readonly<Record<string, WorkloadRobustness>>;
  readonly robustnessSummary: { readonly reached: number; readonly total: number };
}

export interface Leaderboard {
  /** A stable id for anchors: ruleset, fingerprint (or "mixed") and budget scale. */
  readonly id: string;
  /** The first fingerprint on the board; see `hardwareRows` for all of them. */
  readonly hardware: HardwareRow;
  readonly hardwareRows: readonly HardwareRow[];
  /** More than one fingerprint on this board (only with allowMixedHardware). */
  readonly mixedHardware: boolean;
  readonly ruleset: Ruleset;
  /** Budget multiplier of a smoke run; 1 for a leaderboard run. */
  readonly budgetScale: number;
  /** Workload columns: `name` for base workloads, `name:variant` for variants. */
  readonly columns: readonly string[];
  /** The base workloads the score is computed over. */
  readonly scored: readonly string[];
  readonly rows: readonly LeaderboardRow[];
  /** Distinct studies on the board, as scoringStudy counts them. */
  readonly studies: number;
  /** Scores, times and bootstrap intervals over the scored workloads (after the variant rule). */
  readonly report: ScoreReport;
  readonly reference: string;
  /** The --reference asked for, when this board lacks it and fell back to the default. */
  readonly referenceRequested?: string;
  readonly requireVariants: boolean;
  /** Runtime budget per column (seconds), from the trials' rows: a miss counts as budget + 1 s. */
  readonly budgets: Readonly<Record<string, number>>;
  readonly confidence: number;
  readonly resamples: number;
  readonly bootstrapSeed: number;
  /** The trials scored: the latest finished attempt of each trial. */
  readonly trials: readonly TrialRow[];
  /** Every attempt on this board, including running, stale, interrupted, abandoned and superseded ones. */
  readonly attempts: readonly TrialRow[];
}

export function workloadColumn(t: Pick<TrialRow, 'workload' | 'variant'>): string {
  return formatWorkloadRef({ name: t.workload, variant: t.variant });
}

/** The code version of a trial's submission: its module and search space hashes. */
export function submissionVersion(t: Pick<TrialRow, 'submission_hash' | 'search_space_hash'>): string {
  if (t.submission_hash === '') return 'unversioned';
  return createHash('sha256').update(`${t.submission_hash}:${t.search_space_hash ?? ''}`).digest('hex').slice(0, 7);
}

/** `name@version`, the entry of one version of a submission on a board where it has several. */
function versionLabel(t: Pick<TrialRow, 'submission' | 'submission_hash' | 'search_space_hash'>): string {
  return `${t.submission}@${submissionVersion(t)}`;
}

/**
 * Where a workload column was run under more than one workload definition or targets,
 * only the trials of the latest are kept, over the whole store (the others are
 * superseded, as by a re-derivation of targets).
 */
export function currentDefinitions(trials: readonly TrialRow[]): TrialRow[] {
  const latestDefinition = new Map<string, { id: number; def: string }>();
  for (const t of trials) {
    const col = workloadColumn(t);
    const prev = latestDefinition.get(col);
    if (prev === undefined || prev.id < t.id) latestDefinition.set(col, { id: t.id, def: `${t.workload_hash}:${t.targets_hash}` });
  }
  return trials.filter((t) => latestDefinition.get(workloadColumn(t))?.def === `${t.workload_hash}:${t.targets_hash}`);
}

/**
 * Per workload column, only the trials granted the budget of the latest: on one board
 * (one ruleset and --budget-scale) another budget still comes from another self-tuning
 * budget scale (`--self-budget-scale`), and trials of two budgets are no one study's (the
 * older are superseded, as by a re-derivation of targets).
 */
export function latestBudgets(boardTrials: readonly TrialRow[]): TrialRow[] {
  const latest = new Map<string, { id: number; budget: number }>();
  for (const t of boardTrials) {
    const col = workloadColumn(t);
    const prev = latest.get(col);
    if (prev === undefined || prev.id < t.id) latest.set(col, { id: t.id, budget: t.budget_sec });
  }
  return boardTrials.filter((t) => latest.get(workloadColumn(t))?.budget === t.budget_sec);
}

/**
 * Two versions of a submission on one board are two entries, never one pooled: where a
 * name has trials of more than one version there, each is labelled `name@version`.
 * Versions are counted within one board (one hardware group, ruleset and budget
 * scale), never across boards: the version hash covers the search space, which
 * self-tuning trials have none of, so the same code run under both rulesets would
 * otherwise read as two versions on each board and lose its plain name (and `adamw`
 * its place as the default reference).
 */
export function labelVersions(boardTrials: readonly TrialRow[]): TrialRow[] {
  const versions = new Map<string, Set<string>>();
  for (const t of boardTrials) (versions.get(t.submission) ?? versions.set(t.submission, new Set()).get(t.submission)!).add(submissionVersion(t));
  return boardTrials.map((t) => ((versions.get(t.submission)?.size ?? 0) > 1 ? { ...t, submission: versionLabel(t) } : t));
}

/**
 * The entry a name stands for on a board: the entry of that name, or where the name
 * has several versions there, the version with the latest trial. `name@version` names
 * itself.
 */
function entryNamed(boardTrials: readonly TrialRow[], name: string): string | undefined {
  let latest: TrialRow | undefined;
  for (const t of boardTrials) {
    if (t.submission === name) return name;
    if (t.submission === `${name}@${submissionVersion(t)}` && (latest === undefined || latest.id < t.id)) latest = t;
  }
  return latest?.submission;
}

/**
 * The latest finished attempt of each trial key (a resumed trial replaces none).
 * Running, stale, interrupted and abandoned attempts never count.
 */
function latestFinished(trials: readonly TrialRow[]): TrialRow[] {
  const byKey = new Map<string, TrialRow>();
  for (const t of trials) {
    if (!isFinishedStatus(t.status)) continue;
    const key = [t.workload, t.variant, t.submission, t.ruleset, t.budget_scale, t.base_seed, t.study, t.trial, t.code_key].join('\u0000');
    const prev = byKey.get(key);
    if (prev === undefined || prev.id < t.id) byKey.set(key, t);
  }
  return [...byKey.values()].sort((a, b) => a.id - b.id);
}

/**
 * The study a trial counts in. A study is (base seed, study index): `run --seed 0` and
 * `run --seed 1` each ran a study 0, two independent studies (other trial seeds, other
 * hyperparameter draws), never one to be stitched together slot by slot.
 *
 * Under the self-tuning ruleset every run is a study of its own, trial index included:
 * AlgoPerf scores a self-tuning submission by the median over studies of single runs,
 * t = median_j(t_j) (DOCUMENTATION.md, "Self-Tuning Ruleset"), where external tuning
 * takes median_j(min_i t_ij). A minimum over repeated untuned runs would reward seed
 * luck, so a self-tuning time is never the best of several runs.
 */
export function scoringStudy(t: Pick<TrialRow, 'ruleset' | 'base_seed' | 'study' | 'trial'>): string {
  return t.ruleset === 'self' ? `${t.base_seed}/${t.study}/${t.trial}` : `${t.base_seed}/${t.study}`;
}

/**
 * Study × trial time tables per submission and workload column (Infinity = missed),
 * studies as scoringStudy counts them, in (base seed, study, trial) order. Studies and
 * trials that were never run are absent; gaps must not read as misses.
 */
export function timesTable(trials: readonly TrialRow[]): TimesTable {
  // One time per grid slot: latestFinished keeps one trial per code key, in id order, so
  // of two code keys in one slot (one version under another backend) the later counts.
  const bySlot = new Map<string, TrialRow>();
  for (const t of latestFinished(trials)) bySlot.set([t.submission, workloadColumn(t), t.base_seed, t.study, t.trial].join('\u0000'), t);
  const ordered = [...bySlot.values()].sort((a, b) => a.base_seed - b.base_seed || a.study - b.study || a.trial - b.trial);
  const table: Record<string, Record<string, number[][]>> = {};
  const studyTimes = new Map<string, number[]>();
  for (const t of ordered) {
    const column = workloadColumn(t);
    const key = [t.submission, column, scoringStudy(t)].join('\u0000');
    let study = studyTimes.get(key);
    if (study === undefined) {
      studyTimes.set(key, (study = []));
      ((table[t.submission] ??= {})[column] ??= []).push(study);
    }
    study.push(t.status === 'reached' && t.time_to_target_sec !== null ? t.time_to_target_sec : Infinity);
  }
  return { submissions: table };
}

/**
 * Whether a trial ran with the budget saver (docs/budget_saver.md): such a run is
 * exploratory — the saver stopped some of its trials on a prediction, so its best
 * trials are not what a full run's would be — and never scored.
 */
export function ranWithBudgetSaver(t: Pick<TrialRow, 'budget_saver_json'>): boolean {
  return (t.budget_saver_json ?? null) !== null;
}

/**
 * Every leaderboard of the store; trials run with the budget saver are left out (they
 * are exploratory). Throws E_USAGE when `reference` names a submission
 * with no trials at all (a typo should not silently fall back to the default).
 */
export function buildLeaderboards(store: Store, options: LeaderboardOptions = {}): Leaderboard[] {
  const hardware = store.hardware();
  const everything = currentDefinitions(store.trials().filter((t) => !ranWithBudgetSaver(t)));
  const reference = options.reference;
  if (reference !== undefined && !everything.some((t) => t.submission === reference || versionLabel(t) === reference)) {
    const names = [...new Set(everything.map((t) => t.submission))].sort();
    throw new AlgobenchError(
      'E_USAGE',
      `${setting('reference')} "${reference}" has no trials in ${store.path}; pick one of: ${names.join(', ') || '(none stored)'}`,
    );
  }
  const groups = options.allowMixedHardware
    ? [everything]
    : hardware.map((h) => everything.filter((t) => t.hardware_id === h.id));
  const boards: Leaderboard[] = [];
  for (const group of groups) {
    const scales = [...new Set(group.map((t) => t.budget_scale))].sort((a, b) => b - a);
    for (const ruleset of ['external', 'self'] as const) {
      for (const scale of scales) {
        const attempts = labelVersions(latestBudgets(group.filter((t) => t.ruleset === ruleset && t.budget_scale === scale)));
        const mine = latestFinished(attempts);
        if (mine.length === 0) continue;
        const ids = new Set(mine.map((t) => t.hardware_id));
        boards.push(buildOne(hardware.filter((h) => ids.has(h.id)), ruleset, scale, mine, attempts, options));
      }
    }
  }
  return boards;
}

function buildOne(
  hardwareRows: HardwareRow[],
  ruleset: Ruleset,
  budgetScale: number,
  trials: TrialRow[],
  attempts: TrialRow[],
  options: LeaderboardOptions,
): Leaderboard {
  const columns = [...new Set(trials.map(workloadColumn))].sort(baseFirst);
  const bases = columns.filter((c) => !c.includes(':'));
  const scored = bases.length > 0 ? bases : columns;
  const submissions = [...new Set(trials.map((t) => t.submission))].sort();
  const ran = new Map<string, Set<string>>(submissions.map((s) => [s, new Set()]));
  for (const t of trials) ran.get(t.submission)?.add(workloadColumn(t));

  // Robustness is judged on the times as measured; the v0.5 rule then voids base times.
  const raw = timesTable(trials);
  const rawAll = scoreTable(raw, { workloads: columns });
  const robustness = Object.fromEntries(
    submissions.map((s) => [s, variantRobustness(rawAll.submissions[s]?.workloadTimes ?? {}, ran.get(s) ?? new Set(), columns)]),
  );
  const measured = Object.fromEntries(submissions.map((s) => [s, rawAll.submissions[s]?.workloadTimes ?? {}]));
  const ruleVoids = options.requireVariants ? variantRuleVoids(measured, ran, columns) : {};
  const voidReason = (s: string, c: string): BaseVoid | undefined => ruleVoids[s]?.[c];
  const isVoided = (s: string, c: string) => voidReason(s, c) !== undefined;
  const table = voidCells(raw, Object.fromEntries(Object.entries(ruleVoids).map(([s, byBase]) => [s, Object.keys(byBase)])));

  const boot = { seed: 0, resamples: 1000, confidence: 0.95, ...options.bootstrap };
  const report = scoreTable(table, { workloads: scored, bootstrap: boot });
  const all = scoreTable(table, { workloads: columns });
  const extra = columns.filter((c) => !scored.includes(c));
  const extraCI: BootstrapResult | undefined = extra.length > 0 ? bootstrapScores(table.submissions, extra, boot) : undefined;

  const requested = options.reference === undefined ? undefined : entryNamed(trials, options.reference);
  const reference = chooseReference(submissions, requested, entryNamed(trials, DEFAULT_REFERENCE));
  const budgets = columnBudgets(trials, workloadColumn);
  const paired = pairedTimes(trials, workloadColumn, isVoided);
  const timesOf = (s: string): Record<string, number> =>
    Object.fromEntries(scored.map((w) => [w, report.submissions[s]?.workloadTimes[w] ?? Infinity]));

  const rows: LeaderboardRow[] = submissions.map((submission) => {
    const cells: Record<string, LeaderboardCell> = {};
    for (const column of columns) {
      const mine = trials.filter((t) => t.submission === submission && workloadColumn(t) === column);
      if (mine.length === 0) continue;
      const statuses: Record<string, number> = {};
      for (const t of mine) statuses[t.status] = (statuses[t.status] ?? 0) + 1;
      const seconds = all.submissions[submission]?.workloadTimes[column] ?? null;
      const ci = scored.includes(column)
        ? (report.submissions[submission]?.ci?.workloadTimes[column] ?? null)
        : jsonInterval(extraCI?.submissions[submission]?.workloadTimes[column]);
      const why = voidReason(submission, column);
      cells[column] = {
        seconds,
        rawSeconds: rawAll.submissions[submission]?.workloadTimes[column] ?? null,
        ci,
        best: seconds !== null && all.submissions[submission]?.ratios[column] === 1,
        trials: mine.length,
        reached: statuses['reached'] ?? 0,
        statuses,
        noisy: mine.filter((t) => t.noisy === 1).length,
        msPerStep: medianMsPerStep(mine),
        ...(submission === reference ? {} : { vsReference: signTestVs(paired.get(submission), paired.get(reference), [column]) }),
        ...(why === undefined ? {} : { voidedBy: why.variants.map((v) => v.column), voidReason: why }),
      };
    }
    const rob = robustness[submission] ?? {};
    const summary = Object.values(rob).reduce((acc, r) => ({ reached: acc.reached + r.reached, total: acc.total + r.total }), {
      reached: 0,
      total: 0,
    });
    const scoreCI = report.submissions[submission]?.ci?.score ?? null;
    const own = trials.find((t) => t.submission === submission);
    return {
      submission,
      version: own === undefined ? 'unversioned' : submissionVersion(own),
      score: report.submissions[submission]?.score ?? 0,
      scoreCI,
      speedup: geomeanSpeedup({ submission: timesOf(submission), reference: timesOf(reference), budgets, workloads: scored }),
      ...(submission === reference ? {} : { vsReference: signTestVs(paired.get(submission), paired.get(reference), scored) }),
      cells,
      robustness: rob,
      robustnessSummary: summary,
    };
  });
  rows.sort((a, b) => b.score - a.score || a.submission.localeCompare(b.submission));
  const studies = new Set(trials.map(scoringStudy)).size;
  const mixedHardware = hardwareRows.length > 1;
  const first = hardwareRows[0];
  if (first === undefined) throw new AlgobenchError('E_STORE', 'a leaderboard has trials but no hardware row; the results database is inconsistent');
  const id = `${ruleset}-${mixedHardware ? 'mixed' : first.fingerprint}-x${budgetScale}`.replace(/[^A-Za-z0-9_.-]/g, '_');
  return {
    id,
    hardware: first,
    hardwareRows,
    mixedHardware,
    ruleset,
    budgetScale,
    columns,
    scored,
    rows,
    studies,
    report,
    reference,
    ...(options.reference !== undefined && requested === undefined ? { referenceRequested: options.reference } : {}),
    requireVariants: options.requireVariants ?? false,
    budgets,
    confidence: boot.confidence,
    resamples: boot.resamples,
    bootstrapSeed: boot.seed,
    trials,
    attempts,
  };
}

/** Median of 1000 × submission time ÷ steps over the trials that took a step. */
export function medianMsPerStep(trials: readonly Pick<TrialRow, 'steps' | 'submission_time_sec'>[]): number | null {
  const xs = trials
    .filter((t) => (t.steps ?? 0) > 0 && t.submission_time_sec !== null)
    .map((t) => (1000 * (t.submission_time_sec ?? 0)) / (t.steps ?? 1))
    .sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mid = xs.length >> 1;
  return xs.length % 2 === 1 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
}

function jsonInterval(iv: { lower: number; upper: number } | undefined): readonly [JsonTime, JsonTime] | null {
  if (iv === undefined) return null;
  const j = (x: number): JsonTime => (Number.isFinite(x) ? x : null);
  return [j(iv.lower), j(iv.upper)];
}

function baseFirst(a: string, b: string): number {
  const [wa = '', va = ''] = a.split(':');
  const [wb = '', vb = ''] = b.split(':');
  return wa.localeCompare(wb) || (va === '' ? -1 : vb === '' ? 1 : va.localeCompare(vb));
}
