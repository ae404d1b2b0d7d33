/**
 * `algobench merge OUT SHARD...`: folds the shard stores of a planned run into one
 * (store/merge.ts: one transaction, idempotent, conflicts reported and never
 * overwritten) and, with --plan, lists the planned trials that did not come back.
 */
import { Command, Option } from 'commander';
import { AlgobenchError } from '../core/errors.ts';
import { readPlanFile } from '../benchmark/plan_file.ts';

/** How many keys a message lists before "and N more". */
const LISTED = 10;
const list = (keys: readonly string[]): string => `${keys.slice(0, LISTED).join(', ')}${keys.length > LISTED ? `, and ${keys.length - LISTED} more` : ''}`;

export function mergeCommand(): Command {
  return new Command('merge')
    .description('fold shard stores of a planned run (run --plan --shard) into one store; merging a shard again changes nothing')
    .argument('<out>', 'the merged SQLite store (created if missing)')
    .argument('<shards...>', 'the shard stores')
    .addOption(new Option('--plan <file>', 'the plan of the shards: refuse shards of another plan and list planned trials that are missing or unfinished'))
    .addOption(new Option('--allow-conflicts', 'exit 0 even when a trial came back twice with different results (the first merged result is kept either way)'))
    .action(async (out: string, shards: string[], flags: { plan?: string; allowConflicts?: boolean }) => {
      const { mergeStores } = await import('../store/merge.ts');
      const plan = flags.plan === undefined ? undefined : readPlanFile(flags.plan);
      const summary = mergeStores(out, shards, plan?.planHash);
      process.stdout.write(
        `algobench: merged ${shards.length} shard(s) of plan ${summary.planHash.slice(0, 12)}… into ${out}: ${summary.added} trial(s) and ${summary.evals} eval(s) added, ${summary.alreadyThere} already there\n`,
      );
      const problems: string[] = [];
      if (summary.conflicts.length > 0) {
        for (const c of summary.conflicts) process.stderr.write(`algobench: conflict: ${c.key} on ${c.fingerprint.slice(0, 12)}…: kept ${c.kept}; not merged from ${c.shard}: ${c.refused}\n`);
        if (!flags.allowConflicts) problems.push(`${summary.conflicts.length} trial(s) came back with two different results (listed above; the first merged kept); pass --allow-conflicts to accept that`);
      }
      if (plan !== undefined) {
        const missing = plan.trials.filter((t) => !summary.finishedKeys.has(t.key));
        const unfinished = missing.filter((t) => summary.unfinishedKeys.has(t.key)).map((t) => `#${t.index} ${t.key}`);
        const absent = missing.filter((t) => !summary.unfinishedKeys.has(t.key)).map((t) => `#${t.index} ${t.key}`);
        if (missing.length === 0) process.stdout.write(`algobench: all ${plan.trialCount} planned trial(s) are in ${out}\n`);
        else {
          if (unfinished.length > 0) process.stderr.write(`algobench: ${unfinished.length} planned trial(s) unfinished: ${list(unfinished)}\n`);
          if (absent.length > 0) process.stderr.write(`algobench: ${absent.length} planned trial(s) missing: ${list(absent)}\n`);
          problems.push(`${missing.length} of ${plan.trialCount} planned trial(s) are not in ${out}; run their shards again (run --plan ${flags.plan} --shard I/N resumes) and merge again`);
        }
      }
      if (problems.length > 0) throw new AlgobenchError('E_PLAN', problems.join('; '));
    });
}
