/** `algobench bench` (npm run bench): step, eval and harness-overhead timings per workload. */
import { Command } from 'commander';
import type { BenchFlags } from './bench_run.ts';
import { collect, integer, positiveNumber, repeats } from './parsers.ts';
import { backendOption, jsonOption, seedOption, submissionOption, workloadOption } from './options.ts';

/** Bounds of the timing options: a measured task or block longer than this is a slip. */
const MAX_TASK_MS = 600_000;
const MAX_BLOCK_SEC = 600;
const MAX_ROUNDS = 100;
/** The submission whose step is timed when none is given. */
const DEFAULT_SUBMISSION = 'adamw';

export function benchCommand(): Command {
  return new Command('bench')
    .description("time a training step (of one -s submission's update), an eval and the harness overhead for each workload (tinybench)")
    .addOption(workloadOption('all'))
    .addOption(submissionOption(DEFAULT_SUBMISSION))
    .addOption(backendOption())
    .option('--time <ms>', 'milliseconds per measured task (at most 600000; --optimizers: 1000 unless given)', positiveNumber('time', MAX_TASK_MS, 'it is milliseconds per task'), 3000)
    .option('--rounds <n>', 'alternating (bare loop, runner) rounds of the overhead measurement (at most 100)', integer('rounds', { min: 1, max: MAX_ROUNDS }), 6)
    .option('--block-sec <s>', 'seconds of each bare-loop and runner block (at most 600)', positiveNumber('block-sec', MAX_BLOCK_SEC), 1.5)
    .option('--torch', 'also time the same model and batch in PyTorch (2 threads, before and after; the faster counts) and report the ratio')
    .option('--python <path>', 'Python with torch for --torch', '/usr/bin/python3')
    .addOption(jsonOption())
    .option('--repeat <n>', "instead: run each workload's reference configuration n times (at most 100) from one seed, each in a trial process of its own as scored trials run, and report target steps, time-to-target CV, the calibration's CV and noise flags", repeats('repeat'))
    .option('--retries <n>', 'with --repeat: attempts allowed beyond n, each in place of a repeat flagged noisy (default: n; at most 100)', integer('retries', { min: 0, max: 100 }))
    // bench --repeat has measured from seed 1 since it was written; its CV history stays comparable.
    .addOption(seedOption(1))
    .option('--isolation', "instead: time each workload's reference trial (no evals, --block-sec budget) in this process and in a sandboxed process of its own, --rounds times alternately, and report the process boundary's cost and the timed step's change")
    .option('--zoo', 'instead: time the Adam training step of stock TensorFlow.js models (harness/bench/zoo/) next to their PyTorch twins (2 threads), timed in interleaved rounds (each side’s fastest round counts; the spread of the rounds is shown), a table of ratios and their geometric mean')
    .option('--zoo-model <names>', 'with --zoo: only these zoo models (repeat or comma-separate)', collect, [])
    .option('--optimizers', "instead: time one update of every kit optimizer on 1M and 10M parameters (fixed gradients) next to PyTorch's foreach update of the same rule (interleaved rounds, as --zoo) and the kit's fused AdamW")
    .option('--hostile <paths>', 'with --isolation: comma-separated hostile submissions to run before the same trial each round (their effect on the next trial)')
    // The benchmarks load here, not at start-up: they bring TensorFlow.js and every workload.
    .action(async (flags: Omit<BenchFlags, 'timeGiven'>, command: Command) =>
      (await import('./bench_run.ts')).runBench({ ...flags, timeGiven: command.getOptionValueSource('time') !== 'default' }, DEFAULT_SUBMISSION));
}
