/**
 * Variant robustness: does a submission still reach the target when the model of a
 * workload changes? And AlgoPerf v0.5's rule that makes it count: a base-workload
 * time only stands if the variants of that workload were reached too.
 *
 * Definitions (stated on the report page):
 * - a variant column `w:v` counts as **reached** by a submission when its workload
 *   time on it (median over studies of each study's best trial) is finite, i.e. the
 *   target was met within budget in more than half of the studies;
 * - a variant that other submissions ran on this board but this one did not counts
 *   as not reached under the rule, and as "not run" in the matrix.
 */
import type { TimesTable } from '../scoring/index.ts';

/** Variant columns (`w:v`) of each base workload, in column order. */
export function variantsByWorkload(columns: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const c of columns) {
    const [base = c, variant] = c.split(':');
    const list = (out[base] ??= []);
    if (variant !== undefined) list.push(c);
  }
  return out;
}

export interface VariantOutcome {
  /** The column, `w:v`. */
  readonly column: string;
  readonly variant: string;
  /** null: this submission did not run the variant. */
  readonly reached: boolean | null;
  /** Median-over-studies time; null when missed or not run. */
  readonly seconds: number | null;
}

export interface WorkloadRobustness {
  readonly workload: string;
  readonly variants: readonly VariantOutcome[];
  /** Variants reached / variants on the board for this workload. */
  readonly reached: number;
  readonly total: number;
  /** Every variant on the board was reached (vacuously true with none). */
  readonly all: boolean;
}

/**
 * Per base workload, which of its variant columns one submission reached.
 * `times` are the submission's workload times (Infinity = missed); a column absent
 * from `ran` was not run by it.
 */
export function variantRobustness(
  times: Readonly<Record<string, number | null>>,
  ran: ReadonlySet<string>,
  columns: readonly string[],
): Record<string, WorkloadRobustness> {
  const out: Record<string, WorkloadRobustness> = {};
  for (const [workload, variants] of Object.entries(variantsByWorkload(columns))) {
    const outcomes = variants.map((column): VariantOutcome => {
      const variant = column.slice(workload.length + 1);
      if (!ran.has(column)) return { column, variant, reached: null, seconds: null };
      const t = times[column];
      const reached = t !== null && t !== undefined && Number.isFinite(t);
      return { column, variant, reached, seconds: reached ? t : null };
    });
    const reached = outcomes.filter((o) => o.reached === true).length;
    out[workload] = { workload, variants: outcomes, reached, total: outcomes.length, all: reached === outcomes.length };
  }
  return out;
}

/**
 * The base workloads whose time the v0.5 rule voids for one submission: those with a
 * variant on the board that the submission did not reach (or did not run).
 */
export function voidedWorkloads(robustness: Readonly<Record<string, WorkloadRobustness>>): string[] {
  return Object.values(robustness)
    .filter((r) => !r.all)
    .map((r) => r.workload);
}

/**
 * The table with the given (submission, column) cells turned into misses, keeping
 * their study × trial shape so that the bootstrap and paired tests see misses too.
 */
export function voidCells(table: TimesTable, voids: Readonly<Record<string, readonly string[]>>): TimesTable {
  const submissions: Record<string, Record<string, number[][]>> = {};
  for (const [s, byColumn] of Object.entries(table.submissions)) {
    const cols: Record<string, number[][]> = {};
    const voided = new Set(voids[s] ?? []);
    for (const [c, studies] of Object.entries(byColumn)) {
      cols[c] = studies.map((trials) => trials.map((t) => (voided.has(c) ? Infinity : t)));
    }
    submissions[s] = cols;
  }
  return { submissions };
}
