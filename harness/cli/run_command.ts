/**
 * `algobench run` (the grid of trials) and `algobench quick` (the default benchmark
 * that `npm start` runs: mnist_mlp with three baselines, then the leaderboard).
 */
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { AlgobenchError } from '../core/errors.ts';
import type { BackendChoice } from '../backends/select.ts';
import type { BenchmarkListener, BenchmarkSummary, PlanSlice } from '../benchmark/execute.ts';
import type { BenchmarkOptions } from '../benchmark/plan.ts';
import { optionsOfPlan, readPlanFile } from '../benchmark/plan_file.ts';
import { SHARD_COUNT_ENV, shardFromEnv, type Shard } from '../benchmark/shard.ts';
import { SUBMISSIONS_DIR } from '../submissions/load.ts';
import { backendOption, dbOption, outDirOption, seedOption } from './options.ts';
import { decimalText, parseShard, positiveCount } from './parsers.ts';
import { addSelectionOptions, optionsOfSelection, type SelectionFlags } from './selection.ts';
import { interruptHandling } from './interrupt.ts';
import { DEFAULT_SAVER_SETTINGS, type SaverSettings } from '../saver/policy.ts';

/**
 * Runs the trials. The runner, the store and TensorFlow.js load here, not at start-up:
 * `--help` and a flag refused while parsing stay quick (they are most of the CLI's uses
 * in tests and in a mistyped command).
 */
async function runTrials(options: BenchmarkOptions, listen: (inner: BenchmarkListener) => BenchmarkListener, commandLine: string, plan?: PlanSlice): Promise<BenchmarkSummary> {
  const [{ runBenchmark }, { progressDisplay }] = await Promise.all([import('../benchmark/execute.ts'), import('./progress.ts')]);
  const display = progressDisplay();
  try {
    return await runBenchmark(options, listen(display), commandLine, plan);
  } finally {
    display.close();
  }
}

function printSummary(summary: BenchmarkSummary, dbPath: string): void {
  const lines = [`algobench: ran ${summary.ran} trial(s), skipped ${summary.skipped} already finished; results in ${dbPath}`];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (summary.interrupted) {
    throw new AlgobenchError('E_INTERRUPTED', 'interrupted; run the same command again to resume where it stopped');
  }
}

interface RunFlags extends SelectionFlags {
  db: string;
  budgetSaver?: true | number;
  plan?: string;
  shard?: Shard;
  shardCount?: number;
}

/** `--budget-saver[=P]`: the probability below which the saver stops a trial, in (0, 1). */
function parseSaverThreshold(value: string): number {
  const p = decimalText(value);
  if (!(p > 0 && p < 1)) {
    throw new AlgobenchError('E_USAGE', `--budget-saver takes the stop threshold, a probability in (0, 1), got "${value}"; pass e.g. --budget-saver=${DEFAULT_SAVER_SETTINGS.threshold}, or --budget-saver alone for the calibrated default`);
  }
  return p;
}

/** The saver's settings from `--budget-saver[=P]`; undefined without the flag. */
function saverOf(flags: RunFlags): SaverSettings | undefined {
  if (flags.budgetSaver === undefined) return undefined;
  if (flags.ruleset !== 'external') throw new AlgobenchError('E_USAGE', '--budget-saver stops external-tuning trials; drop it or pass --ruleset external');
  return flags.budgetSaver === true ? DEFAULT_SAVER_SETTINGS : { ...DEFAULT_SAVER_SETTINGS, threshold: flags.budgetSaver };
}

export function runCommand(): Command {
  const command = new Command('run').description('run trials of submissions on workloads and store them (re-running the same command resumes)');
  return addSelectionOptions(command, 'none; at least one is required')
    .addOption(dbOption())
    .addOption(new Option('--plan <file>', 'run the trials of a plan file (algobench plan) instead of a selection; with --shard, only its slice'))
    .addOption(new Option('--shard <i/n>', 'with --plan: run slice I of N (trial k of the plan is slice k mod N); default: from SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT or JOB_COMPLETION_INDEX, else the whole plan').argParser(parseShard))
    .addOption(
      new Option(
        '--budget-saver [p]',
        `exploratory tuning: stop a trial once its learning curve predicts P(reach the target within budget) < P (default ${DEFAULT_SAVER_SETTINGS.threshold}, never before ${DEFAULT_SAVER_SETTINGS.minFraction * 100} % of the budget); its trials are marked and never scored (docs/budget_saver.md)`,
      ).argParser(parseSaverThreshold),
    )
    .addOption(new Option('--shard-count <n>', `with --plan: the number of slices, where the scheduler gives only the index (Kubernetes: JOB_COMPLETION_INDEX; or set ${SHARD_COUNT_ENV})`).argParser(positiveCount('shard-count')))
    .action(async (flags: RunFlags, cmd: Command) => {
      const interrupt = interruptHandling();
      const commandLine = `run ${process.argv.slice(3).join(' ')}`;
      if (flags.plan === undefined) {
        if (flags.shard !== undefined || flags.shardCount !== undefined) throw new AlgobenchError('E_USAGE', '--shard and --shard-count slice a plan; pass --plan FILE with them');
        const budgetSaver = saverOf(flags);
        const options = { ...(await optionsOfSelection(flags, flags.db, interrupt.signal)), ...(budgetSaver === undefined ? {} : { budgetSaver }) };
        printSummary(await runTrials(options, interrupt.listen, commandLine), options.dbPath);
        return;
      }
      if (flags.budgetSaver !== undefined) throw new AlgobenchError('E_USAGE', '--budget-saver is for exploratory runs of a selection, not for the trials of a plan; drop --plan or --budget-saver');
      const given = ['workload', 'submission', 'searchSpace', 'ruleset', 'trials', 'studies', 'seed', 'selfBudgetScale', 'budgetScale'].filter((o) => cmd.getOptionValueSource(o) === 'cli');
      if (given.length > 0) throw new AlgobenchError('E_USAGE', `--plan runs the selection the plan was made from; drop ${given.map((o) => cmd.options.find((x) => x.attributeName() === o)!.long).join(', ')} or plan again with it`);
      const file = readPlanFile(flags.plan);
      const shard = flags.shard ?? shardFromEnv(process.env, flags.shardCount) ?? { index: 0, count: 1 };
      const options = optionsOfPlan(file, { dbPath: flags.db, backend: flags.backend, signal: interrupt.signal });
      const summary = await runTrials(options, interrupt.listen, commandLine, { file, path: flags.plan, shard });
      printSummary(summary, options.dbPath);
    });
}

export const QUICK_SUBMISSIONS = ['adamw', 'sgd_momentum', 'nesterov'];

/**
 * quick runs each baseline on the first point of a fixed list shipped beside it (AlgoPerf's
 * list form of a search space), chosen from the external-tuning evidence to reach
 * mnist_mlp's target, not on a quasi-random draw from its search space: one draw is
 * often a poor one, and the first page a newcomer sees would show a reference baseline
 * failing. One fixed point is a demonstration, not a tuning study, and the page says so.
 */
export const QUICK_POINTS_FILE = 'tuning_points.json';

export const QUICK_NOTE =
  `Quick benchmark: each baseline ran one trial on the first point of a fixed list shipped beside it (submissions/<name>/${QUICK_POINTS_FILE}), ` +
  'a configuration known to reach the target — not a tuning study over its search space, so these are not scored external-tuning results. ' +
  'For those, run algobench run -w mnist_mlp -s adamw,sgd_momentum,nesterov --studies 5 --trials 5.';

export function quickCommand(): Command {
  return new Command('quick')
    .description(`the default quick benchmark (npm start): mnist_mlp × adamw, sgd_momentum, nesterov, one trial each on the first point of its ${QUICK_POINTS_FILE} (fixed points, not a tuning study), then the leaderboard`)
    .addOption(dbOption())
    .addOption(outDirOption().default('results/leaderboard'))
    .addOption(backendOption())
    .addOption(seedOption())
    .action(async (flags: { db: string; out: string; backend: BackendChoice; seed: number }) => {
      const started = performance.now();
      const interrupt = interruptHandling();
      const summary = await runTrials(
        {
          workloads: ['mnist_mlp'],
          submissions: QUICK_SUBMISSIONS,
          searchSpaces: Object.fromEntries(QUICK_SUBMISSIONS.map((s) => [s, join(SUBMISSIONS_DIR, s, QUICK_POINTS_FILE)])),
          ruleset: 'external',
          trials: 1,
          studies: 1,
          seed: flags.seed,
          dbPath: flags.db,
          backend: flags.backend,
          signal: interrupt.signal,
        },
        interrupt.listen,
        'quick',
      );
      printSummary(summary, flags.db);
      const { writeReport } = await import('./write_report.ts');
      const path = await writeReport(flags.db, flags.out, {}, { note: QUICK_NOTE });
      process.stdout.write(`algobench: ${QUICK_NOTE}\n`);
      process.stdout.write(`algobench: quick benchmark took ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
      process.stdout.write(`Leaderboard: ${path}\n`);
    });
}
