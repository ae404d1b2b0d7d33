/**
 * Comparisons against a reference submission: AlgoPerf's geometric-mean speedup and
 * a paired sign test per workload ("is this submission faster than the reference?").
 *
 * Pairs are trials with the same base seed, study index and trial index: the runner
 * derives the seed from those alone, so paired trials of two submissions start from
 * the same initialisation and see the same data order.
 */
import { AlgobenchError } from '../core/errors.ts';
import { pairedSignTest, type SignTestResult } from '../scoring/index.ts';
import type { TrialRow } from '../store/rows.ts';

/** A one-sided p-value below this marks a submission "faster than the reference". */
export const SIGNIFICANCE = 0.05;

/** AlgoPerf's baseline when present, otherwise the first name alphabetically. */
export const DEFAULT_REFERENCE = 'adamw';

/**
 * The entry asked for when it is on the board, else `defaultEntry` (adamw's entry: on
 * a board where adamw ran in several versions, the caller names one), else the first
 * name alphabetically.
 */
export function chooseReference(
  submissions: readonly string[],
  requested?: string,
  defaultEntry: string | undefined = DEFAULT_REFERENCE,
): string {
  if (requested !== undefined && submissions.includes(requested)) return requested;
  if (defaultEntry !== undefined && submissions.includes(defaultEntry)) return defaultEntry;
  const first = [...submissions].sort()[0];
  if (first === undefined) throw new AlgobenchError('E_USAGE', 'no submissions to compare');
  return first;
}

/** A sign test against the reference, with the verdict the report flags. */
export interface ReferenceTest extends SignTestResult {
  /** p < SIGNIFICANCE: faster than the reference on paired trials. */
  readonly faster: boolean;
  /** The one-sided p-value of the other direction ("slower than the reference"). */
  readonly pSlower: number;
  /** pSlower < SIGNIFICANCE: slower than the reference on paired trials. */
  readonly slower: boolean;
}

/** Per-trial times by pair key, for one submission and one column (Infinity = missed). */
export type PairedTimes = ReadonlyMap<string, number>;

export function pairKey(t: Pick<TrialRow, 'base_seed' | 'study' | 'trial'>): string {
  return `${t.base_seed}/${t.study}/${t.trial}`;
}

/**
 * Trial times by submission, column and pair key. `column` names a trial's column;
 * `voided(submission, column)` turns the whole cell into misses (the v0.5 rule).
 */
export function pairedTimes(
  trials: readonly TrialRow[],
  column: (t: TrialRow) => string,
  voided: (submission: string, column: string) => boolean,
): Map<string, Map<string, Map<string, number>>> {
  const out = new Map<string, Map<string, Map<string, number>>>();
  for (const t of trials) {
    const c = column(t);
    let bySub = out.get(t.submission);
    if (bySub === undefined) out.set(t.submission, (bySub = new Map()));
    let cell = bySub.get(c);
    if (cell === undefined) bySub.set(c, (cell = new Map()));
    const reached = t.status === 'reached' && t.time_to_target_sec !== null && !voided(t.submission, c);
    cell.set(pairKey(t), reached ? (t.time_to_target_sec ?? Infinity) : Infinity);
  }
  return out;
}

/**
 * One-sided sign test of "a is faster than b" over the pair keys both ran, pooled
 * over the given columns. Keys only one side ran are left out.
 */
export function signTestVs(
  a: ReadonlyMap<string, PairedTimes> | undefined,
  b: ReadonlyMap<string, PairedTimes> | undefined,
  columns: readonly string[],
): ReferenceTest {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const c of columns) {
    const ca = a?.get(c);
    const cb = b?.get(c);
    if (ca === undefined || cb === undefined) continue;
    for (const [key, x] of ca) {
      const y = cb.get(key);
      if (y === undefined) continue;
      xs.push(x);
      ys.push(y);
    }
  }
  const result = pairedSignTest(xs, ys);
  const pSlower = pairedSignTest(ys, xs).pValue;
  return { ...result, faster: result.n > 0 && result.pValue < SIGNIFICANCE, pSlower, slower: result.n > 0 && pSlower < SIGNIFICANCE };
}

/** The runtime budget of each column: the largest `budget_sec` of its trials. */
export function columnBudgets(trials: readonly TrialRow[], column: (t: TrialRow) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of trials) {
    const c = column(t);
    out[c] = Math.max(out[c] ?? 0, t.budget_sec);
  }
  return out;
}
