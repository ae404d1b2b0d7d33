/**
 * The `algobench` command line: runs the program (program.ts). This file is the only
 * place that turns an error into an exit code: an AlgobenchError prints its one line
 * and exits 2 (bad input) or 1.
 */
import { CommanderError } from 'commander';
import { registerCjsFacades } from '../core/cjs_facades.ts';
import { AlgobenchError } from '../core/errors.ts';
import { flagOf } from './flags.ts';
import { interruptedExitCode } from './interrupt.ts';
import { algobenchProgram } from './program.ts';

const program = algobenchProgram();

const INPUT_ERRORS = new Set(['E_USAGE', 'E_UNKNOWN_WORKLOAD', 'E_UNKNOWN_VARIANT', 'E_UNKNOWN_SUBMISSION', 'E_BAD_SUBMISSION', 'E_SEARCH_SPACE', 'E_BACKEND', 'E_TIMES_FILE', 'E_TARGETS', 'E_PLAN']);

/**
 * Commands whose actions never load TensorFlow.js: quieting it would load it (the union
 * package, the wasm backend and algobench's kernels: over a second of CPU at every
 * start) for nothing. test/cli/startup_imports.test.ts checks that they load none.
 */
const WITHOUT_TFJS = new Set(['merge', 'slurm', 'k8s', 'score', 'export', 'saver-replay', 'new-submission']);

/**
 * TensorFlow.js's bundles, loaded with source maps off. tsx turns Node's source maps on
 * (for our TypeScript's stack traces), and Node then reads and parses the map files of
 * every module that names one at load: 17 MB for TensorFlow.js's, ~0.3 s of every start.
 * Loaded first, on their own, they keep their compiled lines in stack traces; everything
 * of ours, loaded after, stays mapped. They are loaded as CommonJS and imported through
 * their facades (core/cjs_facades.ts): Node's lexing of the bundles for their export
 * names was another ~170 ms of every start.
 */
async function loadTfjsWithoutSourceMaps(): Promise<void> {
  const on = process.sourceMapsEnabled;
  process.setSourceMapsEnabled(false);
  try {
    registerCjsFacades();
    await Promise.all([import('@tensorflow/tfjs'), import('@tensorflow/tfjs-backend-wasm')]);
  } finally {
    process.setSourceMapsEnabled(on);
  }
}

/**
 * Commands that time trials each in a process of its own: they run under the CPU plan
 * (backends/cpu_plan.ts), the harness on a CPU of its own beside each trial's. Not
 * `set-targets` and `verify-targets`, whose trials run in this process; not benchmarks of
 * kernels, optimizers and models, nor `bench --isolation` (it times a trial in this
 * process too, and it wins over --repeat): they keep every CPU.
 */
const timesTrials = (action: { name(): string; opts(): Record<string, unknown> }): boolean => {
  const opts = action.opts();
  return ['run', 'quick', 'compare'].includes(action.name()) || (action.name() === 'bench' && opts['repeat'] !== undefined && opts['isolation'] === undefined);
};

// TensorFlow.js loads with the first command that needs it; quiet it before that command runs.
program.hook('preAction', async (_program, action) => {
  if (WITHOUT_TFJS.has(action.name())) return;
  // Before any backend is chosen: the plan is part of the backend's version.
  if (timesTrials(action)) (await import('../backends/cpu_plan.ts')).enterTrialCpuPlan();
  await loadTfjsWithoutSourceMaps();
  (await import('../backends/select.ts')).quietTfjs();
});
try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Commander has printed its own message (or the help); keep its exit code.
    process.exit(err.exitCode);
  }
  if (err instanceof AlgobenchError) {
    process.stderr.write(`algobench: ${err.wordedWith(flagOf)}\n`);
    process.exit(err.code === 'E_INTERRUPTED' ? interruptedExitCode() : INPUT_ERRORS.has(err.code) ? 2 : 1);
  }
  throw err;
}
