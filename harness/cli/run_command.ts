/**
 * `algobench run` (the grid of trials) and `algobench quick` (the default benchmark
 * that `npm start` runs: mnist_mlp with three baselines, then the leaderboard).
 */
import { Command } from 'commander';
import { AlgobenchError } from '../core/errors.ts';
import type { BackendChoice } from '../backends/select.ts';
import { runBenchmark, type BenchmarkListener, type BenchmarkSummary } from '../benchmark/execute.ts';
import type { BenchmarkOptions } from '../benchmark/plan.ts';
import { checkRunBounds } from '../benchmark/plan_bounds.ts';
import type { Ruleset } from '../spec.ts';
import {
  backendOption, budgetScaleOption, dbOption, outDirOption, rulesetOption, seedOption, selfBudgetScaleOption, studiesOption,
  submissionOption, trialsOption, workloadOption,
} from './options.ts';
import { expandWorkloadRefs } from '../../workloads/registry.ts';
import { progressDisplay } from './progress.ts';
import { writeReport } from './write_report.ts';
import { interruptHandling } from './interrupt.ts';

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
  backend: BackendChoice;
  selfBudgetScale: number;
  budgetScale: number;
}

export function runCommand(): Command {
  return new Command('run')
    .description('run trials of submissions on workloads and store them (re-running the same command resumes)')
    .addOption(workloadOption('none; at least one is required'))
    .addOption(submissionOption('none; at least one is required'))
    .addOption(rulesetOption())
    .addOption(trialsOption(1))
    .addOption(studiesOption(1))
    .addOption(seedOption())
    .addOption(dbOption())
    .addOption(backendOption())
    .addOption(selfBudgetScaleOption())
    .addOption(budgetScaleOption())
    .action(async (flags: RunFlags) => {
      const interrupt = interruptHandling();
      const options = toOptions(flags, interrupt.signal);
      const summary = await runBenchmark(options, interrupt.listen(progressDisplay()), `run ${process.argv.slice(3).join(' ')}`);
      printSummary(summary, options.dbPath);
    });
}

/** The run's options, every number in bounds and the grid's size checked before anything is planned. */
function toOptions(flags: RunFlags, signal: AbortSignal): BenchmarkOptions {
  checkRunBounds({
    studies: flags.studies,
    trials: flags.trials,
    seed: flags.seed,
    budgetScale: flags.budgetScale,
    selfTuningBudgetScale: flags.selfBudgetScale,
    workloadCount: expandWorkloadRefs(flags.workload).length,
    submissionCount: flags.submission.length,
  });
  return {
    workloads: flags.workload,
    submissions: flags.submission,
    ruleset: flags.ruleset,
    trials: flags.trials,
    studies: flags.studies,
    seed: flags.seed,
    dbPath: flags.db,
    backend: flags.backend,
    selfTuningBudgetScale: flags.selfBudgetScale,
    budgetScale: flags.budgetScale,
    signal,
  };
}

export const QUICK_SUBMISSIONS = ['adamw', 'sgd_momentum', 'nesterov'];

export function quickCommand(): Command {
  return new Command('quick')
    .description('the default quick benchmark (npm start): mnist_mlp × adamw, sgd_momentum, nesterov, then the leaderboard')
    .addOption(dbOption())
    .addOption(outDirOption().default('results/leaderboard'))
    .addOption(backendOption())
    .addOption(seedOption())
    .action(async (flags: { db: string; out: string; backend: BackendChoice; seed: number }) => {
      const started = performance.now();
      const interrupt = interruptHandling();
      const summary = await runBenchmark(
        {
          workloads: ['mnist_mlp'],
          submissions: QUICK_SUBMISSIONS,
          ruleset: 'external',
          trials: 1,
          studies: 1,
          seed: flags.seed,
          dbPath: flags.db,
          backend: flags.backend,
          signal: interrupt.signal,
        },
        interrupt.listen(progressDisplay()),
        'quick',
      );
      printSummary(summary, flags.db);
      const path = await writeReport(flags.db, flags.out);
      process.stdout.write(`algobench: quick benchmark took ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
      process.stdout.write(`Leaderboard: ${path}\n`);
    });
}
