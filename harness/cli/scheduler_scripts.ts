/**
 * The job files of a plan for a cluster's scheduler: a Slurm array (one task per shard,
 * `run --plan --shard I/N` into a store of its own) with the merge as a dependent job,
 * and a Kubernetes Indexed Job. They spell command lines of algobench, so they live
 * in cli/.
 *
 * A task's time limit: the budgets of its slice, each with room for what runs off the
 * clock (evals, data load, calibration: half the budget again, plus a minute), plus
 * startup; the largest slice's sets the array's `--time`.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PlanFile } from '../benchmark/plan_file.ts';
import { inShard, SHARD_COUNT_ENV } from '../benchmark/shard.ts';

/** Off-the-clock allowance per trial: its budget times this, plus PER_TRIAL_SEC. */
export const OFF_CLOCK_FACTOR = 1.5;
export const PER_TRIAL_SEC = 60;
/** Process start, backend probe and sandboxed description of the submissions. */
export const STARTUP_SEC = 120;

/** The bin script of this algobench, by absolute path (a cluster shares the file system). */
export const ALGOBENCH_BIN = fileURLToPath(new URL('../../bin/algobench.js', import.meta.url));

/** Seconds a shard may need: its trials' budgets with their allowance, plus startup. */
export function shardSeconds(plan: PlanFile, index: number, count: number): number {
  let sec = STARTUP_SEC;
  for (const t of plan.trials) if (inShard(t.index, { index, count })) sec += t.budgetSec * OFF_CLOCK_FACTOR + PER_TRIAL_SEC;
  return Math.ceil(sec);
}

/** Slurm's D-HH:MM:SS, rounded up to whole minutes. */
export function slurmTime(seconds: number): string {
  const minutes = Math.ceil(seconds / 60);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return `${d}-${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00`;
}

const quote = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export interface SlurmSettings {
  readonly planPath: string;
  /** Shards: array tasks. */
  readonly shards: number;
  /** At most this many tasks at once (`%P`). */
  readonly parallel: number;
  readonly cpusPerTask: number;
  readonly exclusive: boolean;
  readonly partition?: string;
  readonly backend: string;
  /** Where shards, logs and the merged store go (absolute). */
  readonly dir: string;
  /** The folder the jobs run in (absolute): where the plan's submission paths resolve. */
  readonly workdir: string;
}

export interface SlurmFiles {
  readonly array: string;
  readonly merge: string;
  readonly submit: string;
}

/** The array script, the merge script and a submit script that chains them. */
export function slurmFiles(plan: PlanFile, s: SlurmSettings): SlurmFiles {
  const tag = plan.planHash.slice(0, 8);
  const plan_ = quote(resolve(s.workdir, s.planPath));
  let longest = 0;
  for (let i = 0; i < s.shards; i++) longest = Math.max(longest, shardSeconds(plan, i, s.shards));
  const common = [
    ...(s.partition === undefined ? [] : [`#SBATCH --partition=${s.partition}`]),
    `#SBATCH --chdir=${quote(s.workdir)}`,
  ];
  const array = [
    '#!/bin/bash',
    `# algobench plan ${plan.planHash}: ${plan.trialCount} trials in ${s.shards} shards (trial k runs in shard k mod ${s.shards}).`,
    `#SBATCH --job-name=algobench-${tag}`,
    `#SBATCH --array=0-${s.shards - 1}%${s.parallel}`,
    `#SBATCH --time=${slurmTime(longest)}`,
    '#SBATCH --ntasks=1',
    `#SBATCH --cpus-per-task=${s.cpusPerTask}`,
    ...(s.exclusive ? ['#SBATCH --exclusive'] : []),
    '#SBATCH --requeue',
    '#SBATCH --open-mode=append',
    `#SBATCH --output=${quote(`${s.dir}/logs/shard-%a.out`)}`,
    ...common,
    'set -euo pipefail',
    `export ALGOBENCH_THREADS=\${SLURM_CPUS_PER_TASK:-${s.cpusPerTask}}`,
    '# A requeued or resubmitted task resumes its slice: finished trials are skipped.',
    `exec node ${quote(ALGOBENCH_BIN)} run --plan ${plan_} --shard "$SLURM_ARRAY_TASK_ID/${s.shards}" --db ${quote(`${s.dir}/shards`)}/shard-"$SLURM_ARRAY_TASK_ID".sqlite --backend ${s.backend}`,
    '',
  ].join('\n');
  const merge = [
    '#!/bin/bash',
    `# Merges the shards of plan ${plan.planHash} once the array is over (submitted with --dependency=afterany).`,
    `#SBATCH --job-name=algobench-${tag}-merge`,
    `#SBATCH --time=${slurmTime(600 + plan.trialCount)}`,
    '#SBATCH --ntasks=1',
    '#SBATCH --cpus-per-task=1',
    `#SBATCH --output=${quote(`${s.dir}/logs/merge.out`)}`,
    ...common,
    'set -euo pipefail',
    `exec node ${quote(ALGOBENCH_BIN)} merge ${quote(`${s.dir}/merged.sqlite`)} ${quote(`${s.dir}/shards`)}/shard-*.sqlite --plan ${plan_}`,
    '',
  ].join('\n');
  const submit = [
    '#!/bin/bash',
    `# Submits the array of plan ${plan.planHash}, then its merge to run after every task has ended.`,
    'set -euo pipefail',
    'here="$(cd "$(dirname "$0")" && pwd)"',
    'array="$(sbatch --parsable "$here/array.sbatch")"',
    'array="${array%%;*}"',
    'merge="$(sbatch --parsable --dependency=afterany:"$array" "$here/merge.sbatch")"',
    'merge="${merge%%;*}"',
    'echo "array job $array, merge job $merge"',
    '',
  ].join('\n');
  return { array, merge, submit };
}

export interface K8sSettings {
  readonly planPath: string;
  readonly shards: number;
  readonly parallel: number;
  readonly cpusPerTask: number;
  readonly image: string;
  /** The PersistentVolumeClaim the plan is read from and the shard stores written to. */
  readonly claim: string;
  readonly backend: string;
}

/** The folder the results volume is mounted at in each pod. */
export const K8S_RESULTS = '/results';

/**
 * The Indexed Job: pod i gets JOB_COMPLETION_INDEX=i from Kubernetes and the count in
 * ALGOBENCH_SHARD_COUNT, which `run --plan` reads when no --shard is given.
 */
export function k8sJob(plan: PlanFile, s: K8sSettings): Record<string, unknown> {
  const tag = plan.planHash.slice(0, 8);
  const planInPod = `${K8S_RESULTS}/${s.planPath.split('/').pop()}`;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `algobench-${tag}`, labels: { app: 'algobench', 'algobench/plan': tag } },
    spec: {
      completionMode: 'Indexed',
      completions: s.shards,
      parallelism: s.parallel,
      // A pod that fails is retried; its store resumes the slice.
      backoffLimit: s.shards * 3,
      activeDeadlineSeconds: Math.max(...Array.from({ length: s.shards }, (_, i) => shardSeconds(plan, i, s.shards))) * Math.ceil(s.shards / s.parallel),
      template: {
        metadata: { labels: { app: 'algobench', 'algobench/plan': tag } },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'algobench',
              image: s.image,
              command: [
                'sh', '-c',
                `exec npx algobench run --plan ${planInPod} --db ${K8S_RESULTS}/shards/shard-$JOB_COMPLETION_INDEX.sqlite --backend ${s.backend}`,
              ],
              env: [
                { name: SHARD_COUNT_ENV, value: String(s.shards) },
                { name: 'ALGOBENCH_THREADS', value: String(s.cpusPerTask) },
              ],
              resources: { requests: { cpu: String(s.cpusPerTask) }, limits: { cpu: String(s.cpusPerTask) } },
              volumeMounts: [{ name: 'results', mountPath: K8S_RESULTS }],
            },
          ],
          volumes: [{ name: 'results', persistentVolumeClaim: { claimName: s.claim } }],
        },
      },
    },
  };
}
