/**
 * `algobench slurm --plan FILE` and `algobench k8s --plan FILE`: the job files that run
 * a plan's shards on a cluster (scheduler_scripts.ts). Neither submits anything: the
 * user submits with the cluster's own tools (README: plan → submit → merge → report).
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { AlgobenchError } from '../core/errors.ts';
import type { BackendChoice } from '../backends/select.ts';
import { readPlanFile, type PlanFile } from '../benchmark/plan_file.ts';
import { errnoText } from '../store/faults.ts';
import { backendOption } from './options.ts';
import { positiveCount } from './parsers.ts';
import { k8sJob, slurmFiles } from './scheduler_scripts.ts';

interface JobFlags {
  plan: string;
  shards?: number;
  parallel?: number;
  cpus: number;
  backend: BackendChoice;
  out: string;
}

/** Shards: as asked, at most one per trial; parallel: as asked, at most the shards. */
function sizes(plan: PlanFile, flags: JobFlags): { shards: number; parallel: number } {
  if (plan.trialCount === 0) throw new AlgobenchError('E_PLAN', `plan ${flags.plan} holds no trials; plan a selection with at least one`);
  const shards = Math.min(flags.shards ?? Math.min(plan.trialCount, 100), plan.trialCount);
  return { shards, parallel: Math.min(flags.parallel ?? shards, shards) };
}

function writeFiles(dir: string, files: Record<string, string>, executable: readonly string[] = []): string[] {
  try {
    mkdirSync(dir, { recursive: true });
    return Object.entries(files).map(([name, text]) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      if (executable.includes(name)) chmodSync(path, 0o755);
      return path;
    });
  } catch (err) {
    throw new AlgobenchError('E_USAGE', `cannot write the job files into ${dir}: ${errnoText(err)}; pass --out with a writable folder`);
  }
}

const common = (command: Command): Command =>
  command
    .addOption(new Option('--plan <file>', 'the plan file (algobench plan)').makeOptionMandatory())
    .addOption(new Option('--shards <n>', 'shards (array tasks), each a store of its own (default: one per trial, at most 100)').argParser(positiveCount('shards')))
    .addOption(new Option('--parallel <n>', 'at most this many shards at once (default: all)').argParser(positiveCount('parallel')))
    .addOption(new Option('--cpus <n>', 'CPUs per shard').default(2).argParser(positiveCount('cpus')))
    .addOption(backendOption());

export function slurmCommand(): Command {
  return common(new Command('slurm').description('write sbatch scripts for a plan: a job array of its shards, the merge as a dependent job, and submit.sh'))
    .addOption(new Option('--exclusive', 'one shard per node (timing-grade runs: nothing else on the node)'))
    .addOption(new Option('--partition <name>', 'the Slurm partition (default: the cluster\'s default)'))
    .addOption(new Option('--out <dir>', 'the folder of the scripts, shard stores, logs and merged store').default('results/slurm'))
    .action((flags: JobFlags & { exclusive?: boolean; partition?: string }) => {
      const plan = readPlanFile(flags.plan);
      const { shards, parallel } = sizes(plan, flags);
      const dir = resolve(flags.out);
      const files = slurmFiles(plan, {
        planPath: flags.plan, shards, parallel, cpusPerTask: flags.cpus, exclusive: flags.exclusive ?? false, backend: flags.backend,
        dir, workdir: process.cwd(), ...(flags.partition === undefined ? {} : { partition: flags.partition }),
      });
      // Slurm opens the output files but does not create their folders.
      writeFiles(join(dir, 'logs'), {});
      writeFiles(join(dir, 'shards'), {});
      const paths = writeFiles(dir, { 'array.sbatch': files.array, 'merge.sbatch': files.merge, 'submit.sh': files.submit }, ['submit.sh']);
      process.stdout.write(`${paths.join('\n')}\nalgobench: ${plan.trialCount} trial(s) in ${shards} shard(s), ${parallel} at once; submit with ${join(flags.out, 'submit.sh')}\n`);
    });
}

export function k8sCommand(): Command {
  return common(new Command('k8s').description('write a Kubernetes Indexed Job manifest (JSON, which kubectl reads as YAML) for a plan\'s shards'))
    .addOption(new Option('--image <image>', 'container image with algobench installed (npm ci) in its working directory').makeOptionMandatory())
    .addOption(new Option('--claim <name>', 'PersistentVolumeClaim mounted at /results: holds the plan file, receives the shard stores').default('algobench-results'))
    .addOption(new Option('--out <file>', 'the manifest to write').default('results/k8s/job.json'))
    .action((flags: JobFlags & { image: string; claim: string }) => {
      const plan = readPlanFile(flags.plan);
      const { shards, parallel } = sizes(plan, flags);
      const job = k8sJob(plan, { planPath: flags.plan, shards, parallel, cpusPerTask: flags.cpus, image: flags.image, claim: flags.claim, backend: flags.backend });
      const out = resolve(flags.out);
      const [path] = writeFiles(join(out, '..'), { [out.split('/').pop()!]: `${JSON.stringify(job, null, 2)}\n` });
      process.stdout.write(`${path}\nalgobench: ${plan.trialCount} trial(s) in ${shards} indexed pod(s), ${parallel} at once\n`);
    });
}
