/**
 * `algobench run` (the grid of trials) and `algobench quick` (the default benchmark
 * that `npm start` runs: mnist_mlp with three baselines, then the leaderboard).
 */
import { Command, Option } from 'commander';
import { AlgobenchError } from '../errors.ts';
import { BACKEND_CHOICES, parseBackendChoice } from '../backends/select.ts';
import { runBenchmark, type BenchmarkOptions, type BenchmarkSummary } from '../benchmark.ts';
import { DEFAULT_DB_PATH } from '../store/store.ts';
import type { Ruleset } from '../spec.ts';
import { collect, integer } from './options.ts';
import { progressDisplay } from './progress.ts';
import { writeReport } from './report_command.ts';

/** Ctrl-C once: the running trial stops at its next step and is stored as interrupted. Twice: exit now. */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  process.on('SIGINT', () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nalgobench: interrupting after the current step (Ctrl-C again to quit now)\n');
    controller.abort();
  });
  return controller.signal;
}

function printSummary(summary: BenchmarkSummary, dbPath: string): void {
  const lines = [`algobench: ran ${summary.ran} trial(s), skipped ${summary.skipped} already finished; results in ${dbPath}`];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (summary.interrupted) {
    throw new AlgobenchError('E_INTERRUPTED', 'interrupted; run the same command again to resume where it stopped');
  }
}

interface RunFlags {
  workload: string[];
  submission: string[];
  ruleset: Ruleset;
  trials: number;
  studies: number;
  seed: number;
  db: string;
  backend: string;
  selfBudgetScale: number;
  budgetScale: number;
}

export function runCommand(): Command {
  return new Command('run')
    .description('run trials of submissions on workloads and store them (re-running the same command resumes)')
    .requiredOption('-w, --workload <name[:variant]>', 'workload, e.g. mnist_mlp, mnist_mlp:tanh, mnist_mlp:* (all its variants) or all (the fixed suite); repeat or comma-separate', collect, [])
    .requiredOption('-s, --submission <name|path>', 'submission name from submissions/ or path to a .ts/.js module (repeat or comma-separate)', collect, [])
    .addOption(new Option('--ruleset <ruleset>', 'external tuning (search space) or self-tuning (no hyperparameters, 1.5× budget)').choices(['external', 'self']).default('external'))
    .option('--trials <n>', 'tuning trials per study', integer('trials'), 1)
    .option('--studies <n>', 'independent studies', integer('studies'), 1)
    .option('--seed <n>', 'base seed of the run', integer('seed'), 0)
    .option('--db <path>', 'SQLite results file', DEFAULT_DB_PATH)
    .option('--backend <backend>', `compute backend: ${BACKEND_CHOICES.join('|')}`, 'auto')
    .option('--self-budget-scale <x>', 'budget multiplier of the self-tuning ruleset', Number, 1.5)
    .option('--budget-scale <x>', 'multiply every budget (smoke tests); such runs get leaderboards of their own', Number, 1)
    .action(async (flags: RunFlags) => {
      const options = toOptions(flags);
      const summary = await runBenchmark(options, progressDisplay(), `run ${process.argv.slice(3).join(' ')}`);
      printSummary(summary, options.dbPath);
    });
}

function toOptions(flags: RunFlags): BenchmarkOptions {
  if (!(flags.selfBudgetScale > 0)) throw new AlgobenchError('E_USAGE', '--self-budget-scale must be a positive number');
  return {
    workloads: flags.workload,
    submissions: flags.submission,
    ruleset: flags.ruleset,
    trials: flags.trials,
    studies: flags.studies,
    seed: flags.seed,
    dbPath: flags.db,
    backend: parseBackendChoice(flags.backend),
    selfTuningBudgetScale: flags.selfBudgetScale,
    budgetScale: flags.budgetScale,
    signal: interruptSignal(),
  };
}

export const QUICK_SUBMISSIONS = ['adamw', 'sgd_momentum', 'nesterov'];

export function quickCommand(): Command {
  return new Command('quick')
    .description('the default quick benchmark (npm start): mnist_mlp × adamw, sgd_momentum, nesterov, then the leaderboard')
    .option('--db <path>', 'SQLite results file', DEFAULT_DB_PATH)
    .option('--out <dir>', 'where to write the leaderboard', 'results/leaderboard')
    .option('--backend <backend>', `compute backend: ${BACKEND_CHOICES.join('|')}`, 'auto')
    .option('--seed <n>', 'base seed of the run', integer('seed'), 0)
    .action(async (flags: { db: string; out: string; backend: string; seed: number }) => {
      const started = performance.now();
      const summary = await runBenchmark(
        {
          workloads: ['mnist_mlp'],
          submissions: QUICK_SUBMISSIONS,
          ruleset: 'external',
          trials: 1,
          studies: 1,
          seed: flags.seed,
          dbPath: flags.db,
          backend: parseBackendChoice(flags.backend),
          signal: interruptSignal(),
        },
        progressDisplay(),
        'quick',
      );
      printSummary(summary, flags.db);
      const path = await writeReport(flags.db, flags.out);
      process.stdout.write(`algobench: quick benchmark took ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
      process.stdout.write(`Leaderboard: ${path}\n`);
    });
}
