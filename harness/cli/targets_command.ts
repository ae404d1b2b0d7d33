/** `algobench set-targets`: re-derive a workload variant's targets and budget, with provenance. */
import { Command } from 'commander';
import { BACKEND_CHOICES, parseBackendChoice, selectBackend } from '../backends/select.ts';
import { readHardware } from '../fingerprint.ts';
import { AlgobenchError } from '../errors.ts';
import type { Hparams } from '../spec.ts';
import { loadSubmission, type LoadedSubmission } from '../submissions.ts';
import { setTargets, writeTargets } from '../targets/set_targets.ts';
import { getWorkload } from '../../workloads/registry.ts';
import { getReference, TARGETS_PATH } from '../../workloads/targets.ts';

export function setTargetsCommand(): Command {
  return new Command('set-targets')
    .description('tune the reference baselines, rerun the best configuration and write targets + budget to the targets file')
    .requiredOption('-w, --workload <name[:variant]>', 'workload variant to set targets for')
    .option('-s, --submissions <names>', 'reference baselines to tune', 'adamw,nadamw,nesterov')
    .option('--trials <n>', 'quasi-random tuning trials per baseline', Number, 8)
    .option('--reruns <n>', 'reruns of the best configuration with fresh seeds', Number, 5)
    .option('--seed <n>', 'base seed', Number, 0)
    .option('--tune-budget-factor <x>', 'tuning and reruns get this multiple of the current budget', Number, 2)
    .option('--budget-factor <x>', 'new budget = this × median rerun time-to-target', Number, 3)
    .option('--min-budget <s>', 'but at least this many seconds (warm-up would dominate a shorter one)', Number, 10)
    .option('--reference', "skip tuning: rerun the reference configuration recorded in the targets file (keeps the step hint)")
    .option('--slack <x>', 'relax the validation target from the median by this much (0 = the median, as AlgoPerf)', Number, 0)
    .option('--targets <file>', 'targets file to update', TARGETS_PATH)
    .option('--backend <backend>', `compute backend: ${BACKEND_CHOICES.join('|')}`, 'auto')
    .action(async (flags: {
      workload: string; submissions: string; trials: number; reruns: number; seed: number;
      tuneBudgetFactor: number; budgetFactor: number; minBudget: number; targets: string; backend: string; reference?: boolean; slack: number;
    }) => {
      const workload = getWorkload(flags.workload);
      if (!(flags.slack >= 0)) throw new AlgobenchError('E_USAGE', `--slack must be a number ≥ 0 (got ${flags.slack})`);
      let reference: { submission: LoadedSubmission; hparams: Hparams } | undefined;
      if (flags.reference) {
        const config = getReference(workload.name, workload.variant);
        if (config === undefined) {
          throw new AlgobenchError('E_TARGETS', `--reference: workloads/targets.json names no reference configuration for ${flags.workload}; run set-targets without --reference to tune one`);
        }
        reference = { submission: await loadSubmission(config.submission), hparams: config.hparams };
      }
      const submissions = [];
      for (const name of flags.submissions.split(',')) submissions.push(await loadSubmission(name.trim()));
      const backend = await selectBackend(parseBackendChoice(flags.backend));
      const hardware = await readHardware(backend);
      const setting = await setTargets(
        {
          workload, submissions, trials: flags.trials, reruns: flags.reruns, seed: flags.seed,
          tuneBudgetFactor: flags.tuneBudgetFactor, budgetFactor: flags.budgetFactor, minBudgetSec: flags.minBudget, slack: flags.slack,
          ...(reference === undefined ? {} : { reference }),
          onTrial: (line) => process.stderr.write(`${line}\n`),
        },
        { backend, hardware },
      );
      const file = writeTargets(flags.targets, workload.name, workload.variant, setting);
      process.stdout.write(
        `${workload.name}:${workload.variant}: validation ${workload.metric.name} ${setting.validation}, test ${setting.test}, budget ${setting.budget.maxRuntimeSec} s (targets file version ${file.version}: ${flags.targets})\n`,
      );
    });
}
