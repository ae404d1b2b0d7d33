/**
 * Levenshtein distance and the error rate built on it: speech recognition's word
 * error rate (AlgoPerf's speech workloads) and, over phonemes, G2P's phoneme error
 * rate. Corpus-level, as those are reported: total edits over total reference
 * length, so long references weigh more than short ones.
 */

/**
 * The fewest insertions, deletions and substitutions (each costing 1) that turn
 * `hypothesis` into `reference`. O(n·m) time, O(m) memory.
 *
 * @example editDistance([1, 2, 3], [1, 3]) // 1
 */
export function editDistance(hypothesis: ArrayLike<number>, reference: ArrayLike<number>): number {
  const m = reference.length;
  let previous = Array.from({ length: m + 1 }, (_, j) => j);
  let current = new Array<number>(m + 1);
  for (let i = 1; i <= hypothesis.length; i++) {
    current[0] = i;
    for (let j = 1; j <= m; j++) {
      const substitution = previous[j - 1]! + (hypothesis[i - 1] === reference[j - 1] ? 0 : 1);
      current[j] = Math.min(substitution, previous[j]! + 1, current[j - 1]! + 1);
    }
    [previous, current] = [current, previous];
  }
  return previous[m]!;
}

/**
 * Σ editDistance(hypothesis, reference) / Σ |reference| over aligned lists. NaN when
 * the references are all empty, since the rate is then undefined.
 *
 * @example errorRate([[1, 2]], [[1, 2, 3]]) // 1/3
 */
export function errorRate(hypotheses: ReadonlyArray<ArrayLike<number>>, references: ReadonlyArray<ArrayLike<number>>): number {
  if (hypotheses.length !== references.length) {
    throw new Error(`errorRate: ${hypotheses.length} hypotheses but ${references.length} references`);
  }
  let edits = 0;
  let length = 0;
  references.forEach((ref, i) => {
    edits += editDistance(hypotheses[i]!, ref);
    length += ref.length;
  });
  return length === 0 ? Number.NaN : edits / length;
}
