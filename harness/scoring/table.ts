/**
 * The times file and the JSON-ready leaderboard scored from it.
 *
 * File format: `{"submissions": {"<name>": {"<workload>": [[t, t, null], ...]}}}`,
 * outer list = studies, inner list = trials, times in seconds, `null` = missed. Other
 * top-level keys (a hardware fingerprint, a note) are ignored. JSON has no Infinity,
 * hence null on the way in and on the way out.
 */
import { AlgobenchError } from '../core/errors.ts';
import { bootstrapScores, type BootstrapOptions, type TrialTables } from './bootstrap.ts';
import { workloadTime } from './aggregate.ts';
import { DEFAULT_MAX_TAU, performanceProfile, type ProfileStep } from './profile.ts';

/** A parsed times file; missed trials are Infinity. */
export interface TimesTable {
  readonly submissions: TrialTables;
}

/** A time as JSON can hold it: null = missed (Infinity). */
export type JsonTime = number | null;

export interface ScoreTableOptions {
  /** Workloads to score over; a submission without one missed it. @default every workload in the table, sorted */
  readonly workloads?: readonly string[];
  /** τ_max of the performance profile. @default 4 */
  readonly maxTau?: number;
  /** Bootstrap intervals: options, or true for the defaults. @default false */
  readonly bootstrap?: BootstrapOptions | boolean;
}

export interface ScoredSubmission {
  /** Benchmark score in [0, 1]. */
  readonly score: number;
  readonly workloadTimes: Record<string, JsonTime>;
  /** Performance ratio per workload; null = missed or above maxTau. */
  readonly ratios: Record<string, JsonTime>;
  /** Profile corners [τ, ρ] for charting. */
  readonly rho: ProfileStep[];
  readonly ci?: {
    readonly confidence: number;
    readonly resamples: number;
    readonly score: [number, number];
    readonly workloadTimes: Record<string, [JsonTime, JsonTime]>;
  };
}

export interface ScoreReport {
  readonly workloads: string[];
  readonly maxTau: number;
  readonly submissions: Record<string, ScoredSubmission>;
}

/** Validates a times file; `source` names it in errors. */
export function parseTimesTable(json: unknown, source: string): TimesTable {
  const fail = (message: string): never => {
    throw new AlgobenchError('E_TIMES_FILE', `times file "${source}": ${message}`);
  };
  if (!isPlainObject(json)) return fail('must be an object {"submissions": {"<name>": {"<workload>": [[seconds|null, ...], ...]}}}');
  const subs = json['submissions'];
  if (!isPlainObject(subs)) return fail('"submissions" must be an object of submissions by name');
  const names = Object.keys(subs);
  if (names.length === 0) return fail('"submissions" is empty; add at least one submission');
  const submissions: Record<string, Record<string, number[][]>> = {};
  for (const name of names) {
    const byWorkload = subs[name];
    const at = `submissions.${name}`;
    if (!isPlainObject(byWorkload)) return fail(`"${at}" must be an object of study lists by workload`);
    const parsed: Record<string, number[][]> = {};
    for (const [workload, studies] of Object.entries(byWorkload)) {
      parsed[workload] = parseStudies(studies, `${at}.${workload}`, fail);
    }
    submissions[name] = parsed;
  }
  return { submissions };
}

function parseStudies(studies: unknown, at: string, fail: (message: string) => never): number[][] {
  if (!Array.isArray(studies) || studies.length === 0) {
    return fail(`"${at}" must be a non-empty list of studies (lists of trial times); omit a workload that was not run`);
  }
  let trialCount = -1;
  return studies.map((trials: unknown, s) => {
    if (!Array.isArray(trials) || trials.length === 0) {
      return fail(`"${at}[${s}]" must be a non-empty list of trial times (seconds, or null for missed)`);
    }
    if (trialCount >= 0 && trials.length !== trialCount) {
      return fail(`"${at}[${s}]" has ${trials.length} trials but "${at}[0]" has ${trialCount}; give every study the same number`);
    }
    trialCount = trials.length;
    return trials.map((t: unknown, i) => {
      if (t === null) return Infinity;
      if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) {
        return fail(`"${at}[${s}][${i}]" is ${JSON.stringify(t) ?? String(t)}; use a non-negative number of seconds, or null for missed`);
      }
      return t;
    });
  });
}

/**
 * Scores a parsed times file: workload times, ratios, profile corners and benchmark
 * score of every submission, with bootstrap intervals when asked.
 *
 * @example
 * const report = scoreTable(parseTimesTable(JSON.parse(text), path), { bootstrap: { seed: 1 } });
 */
export function scoreTable(table: TimesTable, options: ScoreTableOptions = {}): ScoreReport {
  const maxTau = options.maxTau ?? DEFAULT_MAX_TAU;
  const workloads = options.workloads ? [...options.workloads] : allWorkloads(table);
  const names = Object.keys(table.submissions);
  const times: Record<string, Record<string, number>> = {};
  for (const s of names) {
    const row: Record<string, number> = {};
    for (const w of workloads) row[w] = workloadTime(table.submissions[s]?.[w] ?? []);
    times[s] = row;
  }
  const profile = performanceProfile(times, workloads, { maxTau });
  const boot =
    options.bootstrap === undefined || options.bootstrap === false
      ? undefined
      : bootstrapScores(table.submissions, workloads, { ...(options.bootstrap === true ? {} : options.bootstrap), maxTau });

  const submissions: Record<string, ScoredSubmission> = {};
  for (const s of names) {
    const jsonRow = (row: Readonly<Record<string, number>> | undefined): Record<string, JsonTime> =>
      Object.fromEntries(workloads.map((w) => [w, toJson(row?.[w] ?? Infinity)]));
    const intervals = boot?.submissions[s];
    submissions[s] = {
      score: profile.scores[s] ?? 0,
      workloadTimes: jsonRow(times[s]),
      ratios: jsonRow(profile.ratios[s]),
      rho: profile.steps[s] ?? [],
      ...(boot && intervals
        ? {
            ci: {
              confidence: boot.confidence,
              resamples: boot.resamples,
              score: [intervals.score.lower, intervals.score.upper],
              workloadTimes: Object.fromEntries(
                workloads.map((w) => {
                  const iv = intervals.workloadTimes[w];
                  return [w, [toJson(iv?.lower ?? Infinity), toJson(iv?.upper ?? Infinity)]];
                }),
              ),
            },
          }
        : {}),
    };
  }
  return { workloads, maxTau, submissions };
}

/** Every workload any submission ran, sorted so that reports list them stably. */
function allWorkloads(table: TimesTable): string[] {
  const set = new Set<string>();
  for (const byWorkload of Object.values(table.submissions)) for (const w of Object.keys(byWorkload)) set.add(w);
  return [...set].sort();
}

function toJson(t: number): JsonTime {
  return Number.isFinite(t) ? t : null;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
