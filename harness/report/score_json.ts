/**
 * `algobench score --json`: one object per leaderboard, JSON-safe (a missed time is
 * null, never Infinity), with everything the page shows: scores with intervals,
 * speedups, sign tests against the reference and variant robustness.
 */
import type { Leaderboard } from './leaderboard.ts';
import type { JsonTime } from '../scoring/index.ts';
import type { ReferenceTest } from './compare.ts';

const json = (x: number | null | undefined): JsonTime => (x !== null && x !== undefined && Number.isFinite(x) ? x : null);

function testJson(t: ReferenceTest | undefined) {
  if (t === undefined) return null;
  return { n: t.n, wins: t.wins, losses: t.losses, ties: t.ties, pValue: t.pValue, faster: t.faster, pSlower: t.pSlower, slower: t.slower };
}

export function boardJson(board: Leaderboard) {
  const submissions: Record<string, unknown> = {};
  board.rows.forEach((row, i) => {
    const scored = board.report.submissions[row.submission];
    const cells = Object.entries(row.cells);
    submissions[row.submission] = {
      rank: i + 1,
      score: row.score,
      scoreCI: row.scoreCI,
      speedup: row.speedup.geomean,
      speedupPerWorkload: row.speedup.perWorkload,
      vsReference: testJson(row.vsReference),
      workloadTimes: Object.fromEntries(board.columns.map((c) => [c, json(row.cells[c]?.seconds)])),
      workloadTimeCIs: Object.fromEntries(cells.map(([c, cell]) => [c, cell.ci])),
      measuredWorkloadTimes: Object.fromEntries(cells.map(([c, cell]) => [c, json(cell.rawSeconds)])),
      voided: Object.fromEntries(cells.filter(([, cell]) => cell.voidedBy !== undefined).map(([c, cell]) => [c, cell.voidedBy])),
      voidReasons: Object.fromEntries(cells.filter(([, cell]) => cell.voidReason !== undefined).map(([c, cell]) => [c, cell.voidReason])),
      ratios: scored?.ratios ?? {},
      rho: scored?.rho ?? [],
      signTests: Object.fromEntries(cells.filter(([, cell]) => cell.vsReference).map(([c, cell]) => [c, testJson(cell.vsReference)])),
      trials: Object.fromEntries(cells.map(([c, cell]) => [c, { total: cell.trials, reached: cell.reached, statuses: cell.statuses }])),
      robustness: Object.fromEntries(
        Object.entries(row.robustness).map(([w, r]) => [
          w,
          { reached: r.reached, total: r.total, all: r.all, variants: Object.fromEntries(r.variants.map((v) => [v.column, v.reached])) },
        ]),
      ),
    };
  });
  return {
    hardware: board.mixedHardware ? 'mixed' : board.hardware.fingerprint,
    hardwareFingerprints: board.hardwareRows.map((h) => h.fingerprint),
    mixedHardware: board.mixedHardware,
    ruleset: board.ruleset,
    budgetScale: board.budgetScale,
    studies: board.studies,
    reference: board.reference,
    ...(board.referenceRequested === undefined ? {} : { referenceRequested: board.referenceRequested }),
    requireVariants: board.requireVariants,
    scoredWorkloads: board.scored,
    workloads: board.report.workloads,
    columns: board.columns,
    maxTau: board.report.maxTau,
    budgets: board.budgets,
    missedTargetTime: 'budget + 1 s (speedups only)',
    confidence: board.confidence,
    resamples: board.resamples,
    bootstrapSeed: board.bootstrapSeed,
    ranking: board.rows.map((r) => r.submission),
    submissions,
  };
}
