/** `algobench score` (tables or JSON) and `algobench report` (the static HTML site). */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { AlgobenchError, errorMessage } from '../core/errors.ts';
import { buildLeaderboards, ranWithBudgetSaver, type Leaderboard, type LeaderboardOptions } from '../report/leaderboard.ts';
import { boardJson } from '../report/score_json.ts';
import { parseTimesTable, scoreTable } from '../scoring/index.ts';
import type { ListedTrialStatus } from '../store/rows.ts';
import type { Store } from '../store/store.ts';
import { dbOption, jsonOption, outDirOption, pricePerCoreHourOption } from './options.ts';
import { formatScore, formatScoreInterval, formatSeconds } from '../../reports/format.ts';
import { speedupView, verdictText } from '../../reports/views.ts';

interface BoardFlags {
  db: string;
  reference?: string;
  allowMixedHardware?: boolean;
  requireVariants?: boolean;
}

function boardOptions(flags: BoardFlags): LeaderboardOptions {
  return {
    ...(flags.reference === undefined ? {} : { reference: flags.reference }),
    allowMixedHardware: flags.allowMixedHardware ?? false,
    requireVariants: flags.requireVariants ?? false,
  };
}

/** The options `score` and `report` share. */
function withBoardOptions(cmd: Command): Command {
  return cmd
    .addOption(dbOption())
    .option('--reference <submission>', 'reference of speedups and paired sign tests (default: adamw if present, else the first alphabetically)')
    .option('--allow-mixed-hardware', 'rank trials of different hardware fingerprints together (every output is then marked "mixed hardware")')
    .option('--require-variants', "AlgoPerf v0.5's held-out rule: a base workload's time counts only if every variant of it was reached too, within 4× the fastest time on that variant")
}

async function withStore<T>(dbPath: string, fn: (store: Store) => T): Promise<T> {
  const { Store } = await import('../store/store.ts');
  const store = Store.open(dbPath, { readonly: true });
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

function readTimesFile(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new AlgobenchError('E_TIMES_FILE', `cannot read times file "${file}": ${errorMessage(err)}; pass a JSON file`);
  }
}

/** A note for stores that hold several fingerprints and were scored apart. */
function hardwareNote(boards: readonly Leaderboard[], flags: BoardFlags): string {
  const fingerprints = new Set(boards.flatMap((b) => b.hardwareRows.map((h) => h.fingerprint)));
  if (fingerprints.size < 2 || flags.allowMixedHardware) return '';
  return `note: trials from ${fingerprints.size} hardware fingerprints are scored on separate leaderboards; pass --allow-mixed-hardware to rank them together\n`;
}

/** A note on attempts that are not scored: trials running now, and stale ones whose process is gone. */
export function unfinishedNote(counts: Partial<Record<ListedTrialStatus, number>>): string {
  const notes: string[] = [];
  const running = counts.running ?? 0;
  const stale = counts.stale ?? 0;
  if (running > 0) notes.push(`note: ${running} trial${running === 1 ? ' is' : 's are'} running now (claimed by a live run); the scores leave ${running === 1 ? 'it' : 'them'} out until ${running === 1 ? 'it finishes' : 'they finish'}\n`);
  if (stale > 0) {
    notes.push(
      `note: ${stale} trial${stale === 1 ? ' is' : 's are'} stale (status running, but ${stale === 1 ? 'its' : 'their'} process died or ${stale === 1 ? 'its' : 'their'} claim expired) and not scored; re-run the same run command to resume ${stale === 1 ? 'it' : 'them'}\n`,
    );
  }
  return notes.join('');
}

/** The line that says how many stored trials ran with the budget saver and are therefore not scored. */
export function exploratoryNote(exploratory: number): string {
  if (exploratory === 0) return '';
  return `note: ${exploratory} trial${exploratory === 1 ? '' : 's'} ran with the budget saver (run --budget-saver): exploratory, never scored; run without it for scored results\n`;
}

function printBoards(boards: readonly Leaderboard[]): void {
  if (boards.length === 0) process.stdout.write('no finished trials in the store\n');
  for (const b of boards) {
    const hw = b.mixedHardware
      ? `MIXED HARDWARE (${b.hardwareRows.map((h) => h.fingerprint).join(', ')})`
      : `hardware ${b.hardware.fingerprint} (${b.hardware.cpu_model}, ${b.hardware.backend})`;
    const rule = b.requireVariants ? ', variant rule on' : '';
    process.stdout.write(`\n${b.ruleset} tuning on ${hw}${b.budgetScale === 1 ? '' : `, budgets × ${b.budgetScale}`}; reference ${b.reference}${rule}\n`);
    const header = ['submission'.padEnd(20), 'score'.padStart(6), 'CI'.padStart(15), 'speedup'.padStart(9), ...b.columns.map((c) => c.padStart(18)), 'variants'.padStart(9)];
    process.stdout.write(`${header.join(' ')}\n`);
    for (const row of b.rows) {
      const cells = b.columns.map((c) => {
        const cell = row.cells[c];
        const text = cell === undefined ? '—' : `${formatSeconds(cell.seconds)}${cell.best ? ' ★' : ''}${cell.vsReference?.faster ? ' +' : cell.vsReference?.slower ? ' −' : ''}${cell.voidedBy ? ' (void)' : ''}`;
        return text.padStart(18);
      });
      const rob = row.robustnessSummary.total === 0 ? '—' : `${row.robustnessSummary.reached}/${row.robustnessSummary.total}`;
      process.stdout.write(
        `${[row.submission.padEnd(20), formatScore(row.score).padStart(6), formatScoreInterval(row.scoreCI).padStart(15), speedupView(b, row).text.replace(' (reference)', '').padStart(9), ...cells, rob.padStart(9)].join(' ')}\n`,
      );
    }
    // The speedups' bounds and the pooled verdicts in words, as the HTML report gives them.
    const others = b.rows.filter((r) => r.submission !== b.reference);
    if (others.length > 0) process.stdout.write(`against ${b.reference}:\n`);
    for (const row of others) {
      const speedup = speedupView(b, row);
      const pooled = verdictText(row.vsReference, b.reference, `pooled over the ${b.scored.length} scored workload${b.scored.length === 1 ? '' : 's'}`);
      process.stdout.write(`  ${row.submission}: ${speedup.text}${speedup.note === '' ? '' : ` (${speedup.note})`}${pooled === '' ? '' : `; ${pooled}`}\n`);
    }
  }
  if (boards.length > 0) {
    process.stdout.write(
      '\n★ fastest on the workload; + faster, − slower than the reference (one-sided paired sign tests, p < 0.05; unmarked: no significant difference); ' +
        'speedups count a miss as budget + 1 s, so over a workload the submission missed a speedup is an upper bound (≤), over one only the reference missed a lower bound (≥)\n',
    );
  }
}

export function scoreCommand(): Command {
  return withBoardOptions(
    new Command('score').description("score stored trials per hardware and ruleset (or a given --times table) with AlgoPerf's performance profiles; --json gives the scores with confidence intervals, speedups, p-values and robustness"),
  )
    .option('--times <file>', 'score this JSON table instead: {"submissions": {"<name>": {"<workload>": [[t, null, ...], ...]}}}')
    .addOption(jsonOption())
    .action(async (flags: BoardFlags & { times?: string; json?: boolean }) => {
      if (flags.times !== undefined) {
        const report = scoreTable(parseTimesTable(readTimesFile(flags.times), flags.times));
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      const { boards, counts, exploratory } = await withStore(flags.db, (store) => ({
        boards: buildLeaderboards(store, boardOptions(flags)),
        counts: store.statusCounts(),
        exploratory: store.trials().filter(ranWithBudgetSaver).length,
      }));
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(boards.map(boardJson), null, 2)}\n`);
        return;
      }
      process.stderr.write(hardwareNote(boards, flags));
      process.stderr.write(unfinishedNote(counts));
      process.stderr.write(exploratoryNote(exploratory));
      printBoards(boards);
    });
}

export function reportCommand(): Command {
  return withBoardOptions(new Command('report').description('write the static HTML report site (works offline) and print the path of its index page'))
    .addOption(outDirOption().makeOptionMandatory())
    .addOption(pricePerCoreHourOption())
    .action(async (flags: BoardFlags & { out: string; pricePerCoreHour?: number }) => {
      const render = flags.pricePerCoreHour === undefined ? {} : { pricePerCoreHour: flags.pricePerCoreHour };
      const { writeReport } = await import('./write_report.ts');
      process.stdout.write(`${await writeReport(flags.db, flags.out, boardOptions(flags), render)}\n`);
    });
}
