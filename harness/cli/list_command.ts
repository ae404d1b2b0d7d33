/** `algobench list`: workloads with their variants, targets and budgets; submissions. */
import { Command } from 'commander';
import { jsonOption } from './options.ts';

export function listCommand(): Command {
  return new Command('list')
    .description('list the workloads (with variants, targets and budgets) and the submissions')
    .addOption(jsonOption())
    .action(async (opts: { json?: boolean }) => {
      const [{ listSubmissionNames }, { getWorkload, WORKLOADS }, { getTargets }] = await Promise.all([
        import('../submissions/load.ts'),
        import('../../workloads/registry.ts'),
        import('../../workloads/targets.ts'),
      ]);
      const workloads = Object.values(WORKLOADS).map((def) => {
        // getWorkload applies the budgets set-targets derived (targets.json) over the defaults.
        const base = getWorkload(def.name);
        return {
          name: def.name,
          description: def.description,
          metric: base.metric,
          budget: base.budget,
          variants: def.variants.map((v) => ({
            ...v,
            targets: getTargets(def.name, v.name),
            budget: getWorkload(`${def.name}:${v.name}`).budget,
          })),
        };
      });
      const submissions = listSubmissionNames();
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ workloads, submissions }, null, 2)}\n`);
        return;
      }
      const out: string[] = ['Workloads (run as NAME or NAME:VARIANT):'];
      for (const w of workloads) {
        out.push(`  ${w.name} — ${w.description}`);
        out.push(`    budget ${w.budget.maxRuntimeSec} s, step hint ${w.budget.stepHint}`);
        const dir = w.metric.direction === 'max' ? '≥' : '≤';
        for (const v of w.variants) {
          const own = v.budget.maxRuntimeSec !== w.budget.maxRuntimeSec || v.budget.stepHint !== w.budget.stepHint
            ? `; budget ${v.budget.maxRuntimeSec} s, step hint ${v.budget.stepHint}`
            : '';
          out.push(`    :${v.name.padEnd(18)} ${v.description} (validation ${w.metric.name} ${dir} ${v.targets.validation}, test ${dir} ${v.targets.test}${own})`);
        }
      }
      out.push('', `Submissions (${submissions.length}):`, ...submissions.map((s) => `  ${s}`));
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
