/**
 * Variant robustness: does a submission still reach the target when the model of a
 * workload changes? And AlgoPerf v0.5's rule that makes it count: a base-workload
 * time only stands if the variants of that workload were reached too, each within 4×
 * the fastest time on it (harness/scoring/variant_rule.ts does the rule as AlgoPerf's
 * code does).
 *
 * Definitions (stated on the report page):
 * - a variant column `w:v` counts as **reached** by a submission when its workload
 *   time on it (median over studies of each study's best trial) is finite, i.e. the
 *   target was met within budget in more than half of the studies;
 * - a variant that other submissions ran on this board but this one did not counts
 *   as not reached under the rule, and as "not run" in the matrix.
 */
import { DEFAULT_MAX_TAU, applyVariantRule, type BaseVoid, type TimesTable } from '../scoring/index.ts';

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
 * The base times the v0.5 rule voids, by submission then base workload, with why.
 * `times` are workload times of every column (null = missed); a column absent from a
 * submission's `ran` was not run by it.
 *
 * The rule's own 4× cut of a base time (AlgoPerf's pass 2) is the profile's τ_max cut
 * taken against the fastest base time before voiding; the profile cuts again against
 * the fastest time left, which is the same cut unless that fastest time was voided. A
 * time only the rule's cut reaches is voided here, since the score must count it
 * missed; a time both cuts reach keeps its measured value, as on a board without the
 * rule, and the profile counts it out. Either way the score is AlgoPerf's.
 */
export function variantRuleVoids(
  times: Readonly<Record<string, Readonly<Record<string, number | null>>>>,
  ran: ReadonlyMap<string, ReadonlySet<string>>,
  columns: readonly string[],
): Record<string, Record<string, BaseVoid>> {
  const measured: Record<string, Record<string, number>> = {};
  for (const [s, columnsRun] of ran) {
    measured[s] = Object.fromEntries([...columnsRun].map((c) => [c, times[s]?.[c] ?? Infinity]));
  }
  const variantsOf = Object.fromEntries(Object.entries(variantsByWorkload(columns)).filter(([base]) => columns.includes(base)));
  const rule = applyVariantRule(measured, variantsOf);
  const fastestLeft = (base: string) => Math.min(Infinity, ...Object.values(rule.times).map((row) => row[base] ?? Infinity));
  const out: Record<string, Record<string, BaseVoid>> = {};
  for (const [s, byBase] of Object.entries(rule.voids)) {
    for (const [base, why] of Object.entries(byBase)) {
      const keptByProfile = (measured[s]?.[base] ?? Infinity) <= DEFAULT_MAX_TAU * fastestLeft(base);
      if (why.variants.length > 0 || keptByProfile) (out[s] ??= {})[base] = why;
    }
  }
  return out;
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
