/**
 * compare's verdicts when misses leave the speedup without a number or its interval
 * open: the words must say why ("nesterov never reached the target") instead of
 * printing "0 (0–∞)". The pairs are synthetic; every expected string is worked out by
 * hand from the rules in docs/compare.md (median of t_A / t_B, a miss of B a ratio of
 * 0, of A of ∞; the confidence sequence that inverts the sign test).
 */
import { describe, expect, it } from 'vitest';
import { summarizeComparison } from '../../harness/report/comparison.ts';
import type { PairTimes } from '../../harness/scoring/sequential.ts';

const settings = { a: 'sgd_momentum', b: 'nesterov', alpha: 0.01, minEffect: 0.05 };
const repeat = (n: number, pair: PairTimes): PairTimes[] => Array.from({ length: n }, () => pair);
const verdictOf = (pairs: readonly PairTimes[]) => summarizeComparison(settings, [{ workload: 'mnist_mlp', pairs }]).workloads[0]!.verdict;

describe('compare verdicts when misses decide the speedup', () => {
  it('B never reached the target: A is faster, and the speedup is unknown, not "0 (0–∞)"', () => {
    // 11 straight wins of A: LR = 2¹¹ · 11! / 12! = 170.7 ≥ 1/α, p = 1/170.7 = 0.0059.
    expect(verdictOf(repeat(11, { a: 2, b: Infinity }))).toBe(
      'sgd_momentum is faster than nesterov on mnist_mlp: speedup unknown: nesterov never reached the target, p = 0.0059, 11 paired trials (sequential sign test at α = 0.01)',
    );
  });

  it('A never reached the target: B is faster, the speedup unknown because of A', () => {
    expect(verdictOf(repeat(11, { a: Infinity, b: 3 }))).toBe(
      'nesterov is faster than sgd_momentum on mnist_mlp: speedup unknown: sgd_momentum never reached the target, p = 0.0059, 11 paired trials (sequential sign test at α = 0.01)',
    );
  });

  it('B missed in 7 of 12 pairs: the median pair is a miss of B, said with the count', () => {
    // 7 wins of A and 5 of B decide nothing; the 6th and 7th of the sorted ratios are misses of B.
    const verdict = verdictOf([...repeat(7, { a: 1, b: Infinity }), ...repeat(5, { a: 1, b: 0.5 })]);
    expect(verdict).toMatch(/^no detectable difference on mnist_mlp at this budget \(speedup unknown: nesterov missed the target in 7 of 12 pairs, p = 0\.\d+, 12 paired trials\)/);
  });

  it('one miss on each side in the middle: both counts are given', () => {
    const verdict = verdictOf([{ a: Infinity, b: 1 }, { a: 1, b: Infinity }]);
    expect(verdict).toMatch(/^no detectable difference on mnist_mlp at this budget \(speedup unknown: sgd_momentum missed the target in 1 of 2 pairs and nesterov missed the target in 1 of 2 pairs, p = 1\.000, 2 paired trials\)/);
  });

  it('an interval left open by misses of A reads as a one-sided bound', () => {
    // 6 pairs at 1.5× and 5 misses of A: 11 wins of B decide; the median is 1.5×. The
    // interval keeps θ = ln 1.5 (5 above, 6 ties: LR 2⁵/6 = 5.3 < 100) and every θ above
    // it (at most 5 above, 6 below), and drops every θ below it (11 above, LR 170.7).
    expect(verdictOf([...repeat(6, { a: 1.5, b: 1 }), ...repeat(5, { a: Infinity, b: 1 })])).toBe(
      'nesterov is faster than sgd_momentum on mnist_mlp: 1.50× (at least 1.50×), p = 0.0059, 11 paired trials (sequential sign test at α = 0.01)',
    );
  });

  it('no verdict, per workload or overall, prints a bare 0 or ∞', () => {
    const comparison = summarizeComparison(settings, [
      { workload: 'mnist_mlp', pairs: repeat(11, { a: 2, b: Infinity }) },
      { workload: 'mnist_cnn', pairs: repeat(3, { a: 2, b: 1 }) },
    ]);
    const texts = [...comparison.workloads.map((w) => w.verdict), comparison.overall.verdict];
    for (const text of texts) expect(text).not.toMatch(/∞|\(0[,–]|–0\b|\b0×/);
    expect(comparison.workloads[1]!.verdict).toMatch(/^no detectable difference on mnist_cnn at this budget \(2\.00× \(unbounded\), /);
    expect(comparison.overall.verdict).toMatch(/^overall: .*\(speedup unknown: none on mnist_mlp, p = /);
  });
});
