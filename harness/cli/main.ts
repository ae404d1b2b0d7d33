/**
 * The `algobench` command line. Every command is defined in its own file; this one
 * wires them into commander and is the only place that turns an error into an exit
 * code: an AlgobenchError prints its one line and exits 2 (bad input) or 1.
 */
import { Command, CommanderError } from 'commander';
import { quietTfjs } from '../backends/select.ts';
import { AlgobenchError } from '../core/errors.ts';
import { benchCommand } from './bench_command.ts';
import { listCommand } from './list_command.ts';
import { quickCommand, runCommand } from './run_command.ts';
import { reportCommand, scoreCommand } from './report_command.ts';
import { exportCommand } from './export_command.ts';
import { newSubmissionCommand, validateCommand } from './submission_commands.ts';
import { setTargetsCommand } from './targets_command.ts';
import { verifyTargetsCommand } from './verify_command.ts';

const program = new Command()
  .name('algobench')
  .description('Time-to-target benchmarks of neural-network training algorithms (AlgoPerf-style) on TensorFlow.js')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

program.addCommand(listCommand());
program.addCommand(runCommand());
program.addCommand(quickCommand());
program.addCommand(scoreCommand());
program.addCommand(reportCommand());
program.addCommand(exportCommand());
program.addCommand(validateCommand());
program.addCommand(benchCommand());
program.addCommand(setTargetsCommand());
program.addCommand(verifyTargetsCommand());
program.addCommand(newSubmissionCommand());

const INPUT_ERRORS = new Set(['E_USAGE', 'E_UNKNOWN_WORKLOAD', 'E_UNKNOWN_VARIANT', 'E_UNKNOWN_SUBMISSION', 'E_BAD_SUBMISSION', 'E_SEARCH_SPACE', 'E_BACKEND', 'E_TIMES_FILE', 'E_TARGETS']);

quietTfjs();
try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Commander has printed its own message (or the help); keep its exit code.
    process.exit(err.exitCode);
  }
  if (err instanceof AlgobenchError) {
    process.stderr.write(`algobench: ${err.message}\n`);
    process.exit(err.code === 'E_INTERRUPTED' ? 130 : INPUT_ERRORS.has(err.code) ? 2 : 1);
  }
  throw err;
}
