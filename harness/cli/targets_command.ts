/** `algobench set-targets`: derive workload variants' targets and budgets, with provenance. */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import type { BackendChoice } from '../backends/choice.ts';
import { AlgobenchError } from '../core/errors.ts';
import type { Hparams } from '../spec.ts';
import type { LoadedSubmission } from '../submissions/load.ts';
import { budgetFactor, nonNegativeNumber, positiveNumber, repeats } from './parsers.ts';
import { addHiddenAlias, backendOption, seedOption, submissionOption, trialsOption, workloadOption } from './options.ts';
import { checkPlannedTrials, MAX_BUDGET_SCALE } from '../benchmark/plan_bounds.ts';
import { getReference, TARGETS_PATH } from '../../workloads/targets.ts';

interface Flags {
  workload: string[]; submission: string[]; trials: number; reruns: number; seed: number;
  tuneBudgetFactor: number; budgetFactor: number; minBudget: number; targets: string; out?: string; dryRun?: boolean;
  backend: BackendChoice; reference?: boolean; slack: number;
}

/** The longest budget set-targets may write or grant a trial, in seconds (an hour). */
const MAX_MIN_BUDGET_SEC = 3_600;

/** The reference baselines tuned when no -s/--submission is given. */
const DEFAULT_BASELINES = ['adamw'];

export function setTargetsCommand(): Command {
  const submission = submissionOption(DEFAULT_BASELINES.join(','));
  const command = new Command('set-targets')
    .description(
      "derive targets and budgets as AlgoPerf does: tune the reference baselines (-s, each with a search_space.json) over their search spaces (external-tuning ruleset), rerun the best configuration with fresh seeds, write targets + budget + provenance to the targets file",
    )
    .addOption(workloadOption('none; at least one is required'))
    .addOption(submission)
    .addOption(trialsOption(8))
    .option('--reruns <n>', 'reruns of the best configuration with fresh seeds (at most 100)', repeats('reruns'), 5)
    .addOption(seedOption())
    .option('--tune-budget-factor <x>', 'tuning and reruns get this multiple of the current budget (at most 10)', budgetFactor('tune-budget-factor'), 2)
    .option(
      '--budget-factor <x>',
      'new budget = this × median rerun time-to-target (at most 10)',
      positiveNumber('budget-factor', MAX_BUDGET_SCALE, 'AlgoPerf-style budgets are 3× the median time-to-target'),
      3,
    )
    .option(
      '--min-budget <s>',
      'but at least this many seconds (warm-up would dominate a shorter one; at most 3600)',
      nonNegativeNumber('min-budget', MAX_MIN_BUDGET_SEC, 'a budget is seconds of one trial'),
      10,
    )
    .option('--slack <x>', 'relax the validation target from the median by this much (0 = the median, as AlgoPerf)', nonNegativeNumber('slack'), 0)
    .option(
      '--reference',
      "NOT AlgoPerf's procedure: skip tuning and rerun the reference configuration recorded in the targets file (the entry is labelled reference_rerun)",
    )
    .option('--targets <file>', 'targets file to read (and update, unless --out or --dry-run)', TARGETS_PATH)
    .option('--out <file>', 'write the updated targets file here instead (read first if it exists, so runs accumulate); --targets stays untouched')
    .option('--dry-run', 'write no file; print each derived entry as JSON')
    .addOption(backendOption())
    .action(async (flags: Flags) => {
      const [{ selectBackend }, { readHardware }, { loadSubmission }, { setTargets, targetsEntry, writeTargets }, { expandWorkloadRefs, getWorkload }] = await Promise.all([
        import('../backends/select.ts'),
        import('../identity/fingerprint.ts'),
        import('../submissions/load.ts'),
        import('../targets/set_targets.ts'),
        import('../../workloads/registry.ts'),
      ]);
      if (flags.workload.length === 0) throw new AlgobenchError('E_USAGE', 'no workload given; pass -w NAME[:VARIANT] (or all, NAME:*)');
      if (flags.out !== undefined && flags.dryRun) throw new AlgobenchError('E_USAGE', '--out and --dry-run exclude each other: --dry-run writes nothing');
      const refs = expandWorkloadRefs(flags.workload);
      // Tuning: workloads × baselines × trials, then workloads × reruns.
      const baselineNames = flags.submission.length > 0 ? flags.submission : DEFAULT_BASELINES;
      const baselines = flags.reference ? 0 : baselineNames.length;
      checkPlannedTrials(
        [{ what: 'workload(s)', n: refs.length }, { what: 'trial(s) per workload', n: baselines * flags.trials + flags.reruns }],
        'set targets a few workloads at a time (-w), or lower --trials / --reruns',
      );
      const workloads = refs.map((ref) => getWorkload(ref));
      // Everything is resolved before the first trial: bad input costs no time.
      const references = new Map<string, { submission: LoadedSubmission; hparams: Hparams }>();
      if (flags.reference) {
        for (const w of workloads) {
          const config = getReference(w.name, w.variant);
          if (config === undefined) {
            throw new AlgobenchError('E_TARGETS', `--reference: workloads/targets.json names no reference configuration for ${w.name}:${w.variant}; run set-targets without --reference to tune one`);
          }
          references.set(`${w.name}:${w.variant}`, { submission: await loadSubmission(config.submission), hparams: config.hparams });
        }
      }
      const submissions: LoadedSubmission[] = [];
      if (!flags.reference) {
        for (const name of baselineNames) submissions.push(await loadSubmission(name));
        for (const s of submissions) {
          if (s.searchSpace === undefined) {
            throw new AlgobenchError('E_SEARCH_SPACE', `set-targets: reference baseline "${s.name}" has no search_space.json beside ${s.modulePath}; the external-tuning ruleset tunes over one`);
          }
        }
      }
      const out = flags.out === undefined ? undefined : resolve(flags.out);
      if (out !== undefined) mkdirSync(dirname(out), { recursive: true });
      const backend = await selectBackend(flags.backend);
      const hardware = await readHardware(backend);
      const mode = flags.reference ? 'reference rerun (not AlgoPerf)' : `AlgoPerf external tuning of ${submissions.map((s) => s.name).join(', ')}: ${flags.trials} trials each`;
      process.stderr.write(`algobench: set-targets for ${workloads.length} workload(s), ${mode}, ${flags.reruns} reruns, on ${backend.name} ${backend.version}\n`);
      const started = performance.now();
      for (const workload of workloads) {
        const ref = `${workload.name}:${workload.variant}`;
        const reference = references.get(ref);
        const setting = await setTargets(
          {
            workload, submissions, trials: flags.trials, reruns: flags.reruns, seed: flags.seed,
            tuneBudgetFactor: flags.tuneBudgetFactor, budgetFactor: flags.budgetFactor, minBudgetSec: flags.minBudget, slack: flags.slack,
            ...(reference === undefined ? {} : { reference }),
            onTrial: (line) => process.stderr.write(`${line}\n`),
            onWarning: (line) => process.stderr.write(`${line}\n`),
          },
          { backend, hardware },
        );
        const summary = `${ref}: validation ${workload.metric.name} ${setting.validation}, test ${setting.test}, budget ${setting.budget.maxRuntimeSec} s, ` +
          `${setting.reference.submission} ${Object.entries(setting.reference.hparams).map(([k, v]) => `${k}=${v}`).join(' ')}` +
          `${setting.edges.length > 0 ? ` (on the edge: ${setting.edges.map((e) => e.name).join(', ')})` : ''}`;
        if (flags.dryRun) {
          process.stdout.write(`${summary} (dry run, nothing written)\n${JSON.stringify({ [workload.name]: { [workload.variant]: targetsEntry(setting) } }, null, 2)}\n`);
          continue;
        }
        const from = out !== undefined && existsSync(out) ? out : flags.targets;
        const file = writeTargets(from, workload.name, workload.variant, setting, out ?? flags.targets);
        process.stdout.write(`${summary} (targets file version ${file.version}: ${out ?? flags.targets})\n`);
      }
      process.stderr.write(`algobench: set-targets wall time ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    });
  // --submissions was set-targets' own spelling before the commands shared -s/--submission.
  return addHiddenAlias(command, 'submissions', submission);
}
