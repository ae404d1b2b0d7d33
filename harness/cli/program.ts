/**
 * The `algobench` program: every command, each defined in its own file, wired into
 * commander. Apart from main.ts (which runs it and turns errors into exit codes) so
 * that a test can walk the commands and their options without running anything.
 */
import { Command } from 'commander';
import { benchCommand } from './bench_command.ts';
import { compareCommand } from './compare_command.ts';
import { listCommand } from './list_command.ts';
import { quickCommand, runCommand } from './run_command.ts';
import { reportCommand, scoreCommand } from './report_command.ts';
import { exportCommand } from './export_command.ts';
import { saverReplayCommand } from './saver_replay_command.ts';
import { newSubmissionCommand, validateCommand } from './submission_commands.ts';
import { setTargetsCommand } from './targets_command.ts';
import { verifyTargetsCommand } from './verify_command.ts';
import { planCommand } from './plan_command.ts';
import { mergeCommand } from './merge_command.ts';
import { k8sCommand, slurmCommand } from './scheduler_command.ts';

export function algobenchProgram(): Command {
  return new Command()
    .name('algobench')
    .description('Time-to-target benchmarks of neural-network training algorithms (AlgoPerf-style) on TensorFlow.js')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addCommand(listCommand())
    .addCommand(runCommand())
    .addCommand(compareCommand())
    .addCommand(quickCommand())
    .addCommand(planCommand())
    .addCommand(mergeCommand())
    .addCommand(slurmCommand())
    .addCommand(k8sCommand())
    .addCommand(scoreCommand())
    .addCommand(reportCommand())
    .addCommand(exportCommand())
    .addCommand(saverReplayCommand())
    .addCommand(validateCommand())
    .addCommand(benchCommand())
    .addCommand(setTargetsCommand())
    .addCommand(verifyTargetsCommand())
    .addCommand(newSubmissionCommand());
}
