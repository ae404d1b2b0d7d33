/** `algobench score` (tables or JSON) and `algobench report` (the static HTML site). */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { AlgobenchError, errorMessage } from '../errors.ts';
import { buildLeaderboards, type Leaderboard } from '../leaderboard.ts';
import { parseTimesTable, scoreTable } from '../scoring/index.ts';
import { DEFAULT_DB_PATH, Store } from '../store/store.ts';
import { formatSeconds, renderLeaderboard } from '../../reports/render.ts';

function readLeaderboards(dbPath: string): { boards: Leaderboard[]; path: string } {
  const store = Store.open(dbPath, { readonly: true });
  try {
    return { boards: buildLeaderboards(store), path: store.path };
  } finally {
    store.close();
  }
}

/** Renders the leaderboard of `dbPath` into `outDir` and returns the page's path. */
export function writeReport(dbPath: string, outDir: string): string {
  const { boards, path } = readLeaderboards(dbPath);
  return renderLeaderboard(boards, outDir, path);
}

function readTimesFile(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new AlgobenchError('E_TIMES_FILE', `cannot read times file "${file}": ${errorMessage(err)}; pass a JSON file`);
  }
}

export function scoreCommand(): Command {
  return new Command('score')
    .description('score stored trials per hardware and ruleset (or a given --times table) with AlgoPerf\'s performance profiles')
    .option('--db <path>', 'SQLite results file', DEFAULT_DB_PATH)
    .option('--times <file>', 'score this JSON table instead: {"submissions": {"<name>": {"<workload>": [[t, null, ...], ...]}}}')
    .option('--json', 'print machine-readable JSON')
    .action((flags: { db: string; times?: string; json?: boolean }) => {
      if (flags.times !== undefined) {
        const report = scoreTable(parseTimesTable(readTimesFile(flags.times), flags.times));
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      const { boards } = readLeaderboards(flags.db);
      if (flags.json) {
        const out = boards.map((b) => ({ hardware: b.hardware.fingerprint, ruleset: b.ruleset, budgetScale: b.budgetScale, scoredWorkloads: b.scored, ...b.report }));
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        return;
      }
      if (boards.length === 0) process.stdout.write('no finished trials in the store\n');
      for (const b of boards) {
        process.stdout.write(`\n${b.ruleset} tuning on hardware ${b.hardware.fingerprint} (${b.hardware.cpu_model}, ${b.hardware.backend})${b.budgetScale === 1 ? '' : `, budgets × ${b.budgetScale}`}\n`);
        const header = ['submission'.padEnd(22), 'score'.padStart(6), ...b.columns.map((c) => c.padStart(16))].join(' ');
        process.stdout.write(`${header}\n`);
        for (const row of b.rows) {
          const cells = b.columns.map((c) => {
            const cell = row.cells[c];
            return (cell === undefined ? '—' : formatSeconds(cell.seconds)).padStart(16);
          });
          process.stdout.write(`${[row.submission.padEnd(22), row.score.toFixed(3).padStart(6), ...cells].join(' ')}\n`);
        }
      }
    });
}

export function reportCommand(): Command {
  return new Command('report')
    .description('write the static HTML leaderboard (works offline) and print its path')
    .option('--db <path>', 'SQLite results file', DEFAULT_DB_PATH)
    .requiredOption('--out <dir>', 'output directory')
    .action((flags: { db: string; out: string }) => {
      process.stdout.write(`${writeReport(flags.db, flags.out)}\n`);
    });
}
