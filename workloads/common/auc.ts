/**
 * Area under the ROC curve, computed exactly from scores: the probability that a
 * random positive scores above a random negative, ties counting one half
 * (Mann–Whitney U with mid-ranks). O(n log n); no thresholds, no interpolation.
 */

/**
 * AUC of `scores` against binary `labels` (1 positive, 0 negative). NaN when either
 * class is absent, since the area is then undefined.
 *
 * @example rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) // 0.75
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  if (labels.length !== n) throw new Error(`rocAuc: ${n} scores but ${labels.length} labels`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && scores[order[end]!] === scores[order[start]!]) end++;
    // Ranks start + 1 … end share their mean.
    const midRank = (start + 1 + end) / 2;
    for (let i = start; i < end; i++) {
      if (labels[order[i]!] === 1) {
        positives++;
        rankSum += midRank;
      }
    }
    start = end;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
