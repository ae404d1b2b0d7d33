/**
 * `compare A B`, run: A's and B's trials interleaved pair by pair on the same seeds,
 * studies and trial indices (runBenchmark in its 'paired' order), into the store, so
 * a re-run resumes the same sequence from the trials it finds there. Each workload
 * stops at the sequential test's decision (scoring/sequential.ts) or when the
 * declared budget (pairs, minutes) is spent. The statistics of the result are the
 * report layer's (report/comparison.ts); this module only runs and collects pairs.
 *
 * A pair is one study: under self-tuning one trial per side (the submission's own
 * defaults); under external tuning `trials` points per side from each submission's
 * own search space (the same points when both share a space), the pair's time per
 * side being the best of its study (AlgoPerf's per-study time). Any status but
 * `reached` is a miss (Infinity).
 */
import { AlgobenchError } from '../core/errors.ts';
import { formatWorkloadRef } from '../core/workload_ref.ts';
import { sequentialSignTest, type PairTimes } from '../scoring/sequential.ts';
import { resolveModulePath } from '../submissions/load.ts';
import { runBenchmark, type BenchmarkListener, type BenchmarkSummary } from './execute.ts';
import { MAX_STUDIES } from './plan_bounds.ts';
import type { BenchmarkOptions, PlannedTrial } from './plan.ts';

export interface CompareOptions extends Omit<BenchmarkOptions, 'submissions' | 'studies' | 'order' | 'wanted'> {
  readonly a: string;
  readonly b: string;
  readonly alpha: number;
  /** At most this many pairs per workload (at most MAX_STUDIES: a pair is a study). */
  readonly maxPairs?: number;
  /** No new pair starts after this many minutes (a started pair is finished). */
  readonly maxMinutes?: number;
}

export type StopReason = 'decided' | 'max_pairs' | 'max_minutes' | 'interrupted' | 'incomplete';

export interface ComparedWorkload {
  readonly workload: string;
  /** Complete pairs in study order, up to the decision. */
  readonly pairs: readonly PairTimes[];
  readonly stoppedBy: StopReason;
}

export interface ComparisonRun {
  /** The submissions' own names (as the store keys their trials). */
  readonly aName: string;
  readonly bName: string;
  readonly workloads: readonly ComparedWorkload[];
  readonly summary: BenchmarkSummary;
}

/** Pairs planned when only a time budget is given: the most studies a plan may hold. */
const PAIRS_WITHOUT_CAP = MAX_STUDIES;

export async function runComparison(options: CompareOptions, listener: BenchmarkListener = {}, command = 'compare'): Promise<ComparisonRun> {
  checkDistinct(options.a, options.b);
  const maxPairs = options.maxPairs ?? PAIRS_WITHOUT_CAP;
  const pathA = resolveModulePath(options.a);
  const started = performance.now();
  const collector = new PairCollector(trialsPerSide(options), options.alpha);
  const units = new Map<string, boolean>();
  let timeUp = false;

  const names = { a: options.a, b: options.b };
  const workloadOf = (p: PlannedTrial) => formatWorkloadRef(p.workload);
  const wanted = (p: PlannedTrial): boolean => {
    names[p.submission.modulePath === pathA ? 'a' : 'b'] = p.submission.name;
    const w = workloadOf(p);
    if (collector.isDecided(w)) return false;
    const unit = `${w}\u0000${p.study}`;
    const known = units.get(unit);
    if (known !== undefined) return known;
    // A new pair starts only within the time budget; one already started is finished.
    timeUp ||= options.maxMinutes !== undefined && (performance.now() - started) / 60_000 >= options.maxMinutes;
    units.set(unit, !timeUp);
    return !timeUp;
  };
  const onTrialOutcome = (p: PlannedTrial, outcome: { status: string; timeToTargetSec: number | null }) =>
    collector.add({ workload: workloadOf(p), study: p.study, side: p.submission.modulePath === pathA ? 'a' : 'b', status: outcome.status, timeToTargetSec: outcome.timeToTargetSec });

  const summary = await runBenchmark(
    {
      ...options,
      submissions: [options.a, options.b],
      studies: maxPairs,
      trials: trialsPerSide(options),
      order: 'paired',
      wanted,
    },
    { ...listener, onTrialOutcome },
    command,
  );
  const seen = [...new Set(summary.results.map((r) => workloadOf(r.planned)).concat(collector.workloads()))];
  const workloads = orderedWorkloads(options.workloads, seen).map((workload): ComparedWorkload => {
    const done = collector.pairs(workload);
    const stoppedBy: StopReason = collector.isDecided(workload)
      ? 'decided'
      : summary.interrupted ? 'interrupted' : done.length >= maxPairs ? 'max_pairs' : timeUp ? 'max_minutes' : 'incomplete';
    return { workload, pairs: done, stoppedBy };
  });
  return { aName: names.a, bName: names.b, workloads, summary };
}

/** One finished trial as compare pairs it: which side ran it, in which study, and how it ended. */
export interface SideOutcome {
  readonly workload: string;
  readonly study: number;
  readonly side: 'a' | 'b';
  readonly status: string;
  readonly timeToTargetSec: number | null;
}

/**
 * compare's pairing and stopping, apart from running trials (runComparison feeds it as
 * trials finish; test/benchmark/compare_recorded.test.ts replays recorded trials
 * through it): any status but `reached` is a miss (Infinity), a side's time in a pair
 * is the best of its study, and pairs enter the sequential test in study order only,
 * so the sequence is the same however the outcomes arrive, and on every resume.
 */
export class PairCollector {
  private readonly studies = new Map<string, Map<number, { a: number[]; b: number[] }>>();
  private readonly done = new Map<string, PairTimes[]>();
  private readonly decided = new Set<string>();

  constructor(private readonly trialsPerSide: number, private readonly alpha: number) {}

  add(outcome: SideOutcome): void {
    const w = outcome.workload;
    const studies = this.studies.get(w) ?? new Map<number, { a: number[]; b: number[] }>();
    this.studies.set(w, studies);
    const study = studies.get(outcome.study) ?? { a: [], b: [] };
    studies.set(outcome.study, study);
    study[outcome.side].push(outcome.status === 'reached' && outcome.timeToTargetSec !== null ? outcome.timeToTargetSec : Infinity);
    const done = this.done.get(w) ?? [];
    this.done.set(w, done);
    for (let next = studies.get(done.length); next !== undefined && this.complete(next); next = studies.get(done.length)) {
      done.push({ a: Math.min(...next.a), b: Math.min(...next.b) });
      if (sequentialSignTest(done, this.alpha).decided !== undefined) this.decided.add(w);
    }
  }

  /** A workload's complete pairs in study order (up to the decision when no more trials ran after it). */
  pairs(workload: string): readonly PairTimes[] {
    return this.done.get(workload) ?? [];
  }

  isDecided(workload: string): boolean {
    return this.decided.has(workload);
  }

  workloads(): string[] {
    return [...this.done.keys()];
  }

  private complete(study: { a: number[]; b: number[] }): boolean {
    return study.a.length === this.trialsPerSide && study.b.length === this.trialsPerSide;
  }
}

/** Self-tuning runs one trial per study; external tuning the requested points. */
function trialsPerSide(options: CompareOptions): number {
  return options.ruleset === 'self' ? 1 : options.trials;
}

/** A and B must be two submissions: the same one twice would pair every trial with itself. */
function checkDistinct(a: string, b: string): void {
  const [pathA, pathB] = [resolveModulePath(a), resolveModulePath(b)];
  if (pathA === pathB) {
    throw new AlgobenchError('E_USAGE', `A and B are the same submission (${pathA}); name two different ones (to compare a submission with itself, copy its folder under another name)`);
  }
}

/** The workloads in the order the user named them where possible, then any others. */
function orderedWorkloads(requested: readonly string[], seen: readonly string[]): string[] {
  const first = requested.filter((w) => seen.includes(w));
  return [...first, ...seen.filter((w) => !first.includes(w)).sort()];
}

