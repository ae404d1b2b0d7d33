/**
 * AlgoPerf v0.5's held-out-workload rule over workload times, done as AlgoPerf's code
 * does it (scoring/performance_profile.py, compute_performance_profiles, lines 357–378
 * at mlcommons/algorithmic-efficiency 2c90454). The rule in words (DOCUMENTATION.md of
 * v0.5, "Using held-out workloads in scoring"): a base workload's time counts only if
 * the submission (1) reached its target, (2) within 4× the fastest submission, and
 * reached the target of each variant (3) within budget, (4) within 4× the fastest
 * submission on that variant, the fastest taken over the submissions that reached the
 * base workload.
 *
 * The code, in three passes over the table of workload times:
 *   1. (357–364) a variant time becomes a miss where the base time is missed or not run;
 *   2. (366–368) every time, base or variant, over 4× its column's fastest becomes a
 *      miss — the fastest base time taken here, before any base time is voided;
 *   3. (370–377) a base time becomes a miss where a variant time is missed or not run.
 * The profile then divides what is left by the fastest base time left (392–394).
 *
 * Times are seconds, Infinity = missed; a column absent from a submission's record
 * means it did not run it (NaN in AlgoPerf's table).
 */
import { DEFAULT_MAX_TAU, type TimesBySubmission } from './profile.ts';

/** AlgoPerf's factor in pass 2, written there as a literal 4 (equal to its τ_max). */
export const VARIANT_RULE_FACTOR = DEFAULT_MAX_TAU;

/** Why a variant voids its base time. */
export type VariantFailure =
  | { readonly column: string; readonly why: 'missed' | 'not run' }
  /** More than 4× `fastest`, the fastest time on the variant of a submission that reached the base. */
  | { readonly column: string; readonly why: 'over 4×'; readonly fastest: number };

/** Why the rule made one finite base time a miss. */
export interface BaseVoid {
  /** Variants that failed requirement 3 or 4 (pass 3); empty when none did. */
  readonly variants: readonly VariantFailure[];
  /** Set when the base time itself was over 4× this, the fastest base time before voiding (pass 2). */
  readonly overFastest?: number;
}

export interface VariantRuleResult {
  /** Base-workload times after the rule (AlgoPerf's `df[BASE_WORKLOADS]`), by submission. */
  readonly times: Record<string, Record<string, number>>;
  /** For each base time that was finite and is now a miss: why, by submission then base workload. */
  readonly voids: Record<string, Record<string, BaseVoid>>;
}

/**
 * @param times workload times of every column (base and variants) by submission; a column absent = not run
 * @param variantsOf the variant columns of each base workload the rule applies to
 * @example
 * // a: w 10 s, w:v missed; b: w 30 s, w:v 30 s; c: w 45 s, w:v 45 s.
 * // Pass 2 cuts c's 45 s (> 4 × 10 s, a's time); pass 3 then voids a's w:
 * applyVariantRule({ a: { w: 10, 'w:v': Infinity }, b: { w: 30, 'w:v': 30 }, c: { w: 45, 'w:v': 45 } }, { w: ['w:v'] }).times
 * // { a: { w: Infinity }, b: { w: 30 }, c: { w: Infinity } }
 */
export function applyVariantRule(
  times: TimesBySubmission,
  variantsOf: Readonly<Record<string, readonly string[]>>,
): VariantRuleResult {
  const submissions = Object.keys(times);
  const ran = (s: string, c: string): number | undefined => times[s]?.[c];
  const reachedBase = (s: string, base: string): boolean => Number.isFinite(ran(s, base) ?? Infinity);

  // Pass 1: a variant time counts only beside a reached base time.
  const pass1 = (s: string, base: string, column: string): number | undefined =>
    column === base || reachedBase(s, base) ? ran(s, column) : Infinity;
  // Pass 2: the fastest of each column after pass 1 (pandas' min skips the not-run).
  const fastest = (base: string, column: string): number =>
    Math.min(Infinity, ...submissions.map((s) => pass1(s, base, column)).filter((t): t is number => t !== undefined));
  const overFastest = (t: number, best: number): boolean => t > VARIANT_RULE_FACTOR * best;

  const out: Record<string, Record<string, number>> = Object.fromEntries(submissions.map((s) => [s, {}]));
  const voids: Record<string, Record<string, BaseVoid>> = {};
  for (const [base, variants] of Object.entries(variantsOf)) {
    const baseBest = fastest(base, base);
    const variantBest = Object.fromEntries(variants.map((v) => [v, fastest(base, v)]));
    for (const s of submissions) {
      const measured = ran(s, base);
      if (measured === undefined) continue;
      const cut = overFastest(measured, baseBest);
      // Pass 3: a variant missed, not run, or cut in pass 2 voids the base time.
      const failed: VariantFailure[] = [];
      for (const column of variants) {
        const t = pass1(s, base, column);
        if (t === undefined) failed.push({ column, why: 'not run' });
        else if (!Number.isFinite(t)) failed.push({ column, why: 'missed' });
        else if (overFastest(t, variantBest[column] ?? Infinity)) failed.push({ column, why: 'over 4×', fastest: variantBest[column] ?? Infinity });
      }
      const voided = cut || failed.length > 0;
      (out[s] ??= {})[base] = voided ? Infinity : measured;
      if (voided && Number.isFinite(measured)) {
        (voids[s] ??= {})[base] = { variants: failed, ...(cut ? { overFastest: baseBest } : {}) };
      }
    }
  }
  return { times: out, voids };
}
