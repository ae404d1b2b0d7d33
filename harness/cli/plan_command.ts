/**
 * `algobench plan`: the grid `run` would run for the same selection, written to a plan
 * file (benchmark/plan_file.ts) for a cluster's scheduler: `run --plan FILE --shard I/N`
 * runs a slice of it, `slurm` and `k8s` write the job for it, `merge` folds the slices.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command, Option } from 'commander';
import { AlgobenchError } from '../core/errors.ts';
import { planFileOf, planText, selectionOf } from '../benchmark/plan_file.ts';
import { ensureDir } from '../store/dirs.ts';
import { errnoText } from '../store/faults.ts';
import { addSelectionOptions, optionsOfSelection, type SelectionFlags } from './selection.ts';

/** Writes `text` to `path` whole or not at all (a temporary file renamed over it). */
export function writeWhole(path: string, text: string, what: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    ensureDir(dirname(path));
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (err) {
    throw new AlgobenchError('E_USAGE', `cannot write ${what} ${path}: ${errnoText(err)}; pass --out with a writable path`);
  }
}

export function planCommand(): Command {
  const command = new Command('plan').description('write the trials run would run for this selection to a plan file, for run --plan --shard, slurm and k8s');
  return addSelectionOptions(command, 'none; at least one is required')
    .addOption(new Option('--out <file>', 'the plan file to write').default('results/plan.json'))
    .action(async (flags: SelectionFlags & { out: string }) => {
      const { planBenchmark } = await import('../benchmark/plan.ts');
      const options = await optionsOfSelection(flags, '');
      const file = planFileOf(selectionOf(options), await planBenchmark(options));
      writeWhole(flags.out, planText(file), 'the plan');
      const hours = file.totalBudgetSec / 3600;
      process.stdout.write(
        `algobench: planned ${file.trialCount} trial(s), ${hours >= 1 ? `${hours.toFixed(1)} h` : `${(file.totalBudgetSec / 60).toFixed(1)} min`} of budget in all; plan ${file.planHash.slice(0, 12)}… written to ${flags.out}\n`,
      );
    });
}
