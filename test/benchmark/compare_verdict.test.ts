/**
 * compare end to end on a pairing whose answer is certain by construction: adamw on its
 * reference configuration for mnist_mlp (the first point of its tuning_points.json,
 * which reaches the target on most seeds) against a submission that diverges at its
 * first step and so never reaches it. No pair is B's, so at α = 0.5 the sequential sign
 * test must decide "adamw is faster" at A's 3rd win (LR = 2³/4 = 2 = 1/α) and run no more.
 *
 * Real trials through the whole path (plan, store, trial runner, pairing, test, words),
 * in this process and on a clock that advances 1 ms per reading, so that a trial's time
 * is a function of its steps alone: the verdict cannot depend on how busy the machine
 * is. No assertion is about a time. On a fifth of the budget (2 s of that clock, ~1,900
 * steps): A's reaching trials meet the target by step ~930, and a seed where A misses
 * then costs ~1,900 steps instead of ~9,800 (the test took 25 s alone, now 11 s).
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runComparison } from '../../harness/benchmark/compare.ts';
import { summarizeComparison } from '../../harness/report/comparison.ts';
import { SUBMISSIONS_DIR } from '../../harness/submissions/load.ts';
import { cleanupDirs, tempDir } from '../store/_fixtures.ts';

afterAll(cleanupDirs);

const DIVERGES = new URL('../fixtures/submissions/diverges_at_once/submission.ts', import.meta.url).pathname;

describe('compare on a pairing with a certain answer', () => {
  it('adamw against a submission that never reaches the target: "adamw is faster", decided at A\'s 3rd win', async () => {
    let t = 0;
    const run = await runComparison({
      a: 'adamw',
      b: DIVERGES,
      workloads: ['mnist_mlp'],
      ruleset: 'external',
      trials: 1,
      seed: 0,
      searchSpaces: { adamw: join(SUBMISSIONS_DIR, 'adamw', 'tuning_points.json') },
      dbPath: join(tempDir('algobench-compare-verdict-'), 'c.sqlite'),
      backend: 'wasm',
      alpha: 0.5,
      maxPairs: 6,
      budgetScale: 0.2,
      isolation: 'inline',
      clock: { now: () => (t += 0.001) },
    });
    const [workload] = run.workloads;
    expect(workload?.stoppedBy).toBe('decided');
    // B never reaches the target, so no pair is B's. A's reference configuration reaches
    // it on most seeds; a seed where A misses too is a tie, which the sign test leaves
    // out. After w wins and no loss the mixture likelihood ratio is 2^w / (w + 1): it
    // first reaches 1/α = 2 at w = 3, so the comparison stops at the pair of A's 3rd win.
    const pairs = workload!.pairs;
    for (const pair of pairs) expect(pair.b).toBe(Infinity);
    expect(pairs.filter((p) => p.a < Infinity)).toHaveLength(3);
    expect(pairs.at(-1)!.a).toBeLessThan(Infinity);
    // The pairs after the decision are never run.
    expect(run.summary.results).toHaveLength(2 * pairs.length);
    const comparison = summarizeComparison({ a: run.aName, b: run.bName, alpha: 0.5, minEffect: 0.05 }, run.workloads);
    expect(comparison.workloads[0]?.decided).toBe('a_faster');
    expect(comparison.workloads[0]?.verdict).toBe(
      `adamw is faster than diverges_at_once on mnist_mlp: speedup unknown: diverges_at_once never reached the target, p = 0.500, ${pairs.length} paired trials (sequential sign test at α = 0.5)`,
    );
  }, 600_000);
});
