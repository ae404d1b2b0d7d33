/**
 * From trial times to one time per workload, as AlgoPerf's external-tuning ruleset
 * does: within a study the tuner keeps its best trial, and across studies the median
 * tells how reliably the algorithm can be tuned.
 *
 * Times are seconds to target; Infinity means the target was missed. Infinity is
 * kept as a value (not dropped) on purpose: a study that never reached the target is
 * a failed study and must pull the median up, not vanish from it.
 */

/** Best (smallest) time of one study; Infinity when every trial missed or there are none. */
export function bestTime(trials: readonly number[]): number {
  let best = Infinity;
  for (const t of trials) if (t < best) best = t;
  return best;
}

/**
 * Median that understands Infinity: values sort with Infinity last, and with an even
 * count the mean of the two middle values is Infinity when either is. Empty → Infinity
 * (no evidence of reaching the target is a miss).
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Infinity;
  const sorted = [...values].sort((a, b) => (a === b ? 0 : a < b ? -1 : 1));
  const mid = sorted.length >> 1;
  const upper = sorted[mid] ?? Infinity;
  if (sorted.length % 2 === 1) return upper;
  const lower = sorted[mid - 1] ?? Infinity;
  if (!Number.isFinite(lower) || !Number.isFinite(upper)) return Infinity;
  return (lower + upper) / 2;
}

/**
 * Workload time of one submission: median over studies of each study's best trial.
 * `studies[s][t]` is the time of trial t in study s.
 *
 * The best of a study is external tuning's rule. Under self-tuning a study is one run
 * and the time is the median over runs, t = median_j(t_j) (AlgoPerf DOCUMENTATION.md,
 * "Self-Tuning Ruleset"): pass each self-tuning run as a study of its own (the
 * leaderboard does, report/leaderboard.ts scoringStudy), so that no minimum is ever
 * taken over repeated runs.
 *
 * @example
 * workloadTime([[10, 12], [Infinity, 9], [Infinity]]) // median(10, 9, ∞) = 10
 */
export function workloadTime(studies: readonly (readonly number[])[]): number {
  return median(studies.map(bestTime));
}
