/**
 * Which trials of a plan one array task runs. Trial i of the plan (in its order) belongs
 * to shard i mod N: round-robin, so each shard gets every workload and submission in
 * turn and the slices' budgets differ by at most one trial's. The index and count come
 * from the command line, or from the scheduler's environment: Slurm sets
 * SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT for a task of `sbatch --array`, a
 * Kubernetes Indexed Job sets JOB_COMPLETION_INDEX (its count is the Job's
 * `completions`, which the pod does not see: ALGOBENCH_SHARD_COUNT or a flag gives it).
 */
import { AlgobenchError, setting } from '../core/errors.ts';

export interface Shard {
  /** 0-based, below count. */
  readonly index: number;
  readonly count: number;
}

/** The environment variable that carries the shard count into a Kubernetes pod. */
export const SHARD_COUNT_ENV = 'ALGOBENCH_SHARD_COUNT';

/** Trial i of the plan is shard (i mod count)'s. */
export function inShard(position: number, shard: Shard): boolean {
  return position % shard.count === shard.index;
}

/** The items of `shard`, in plan order. */
export function sliceOf<T>(items: readonly T[], shard: Shard): T[] {
  return items.filter((_, i) => inShard(i, shard));
}

/** Checks an index and count (from any source); `from` names where they came from. */
export function checkShard(index: number, count: number, from: string): Shard {
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new AlgobenchError('E_USAGE', `${from}: the shard count must be a positive integer (got ${count}); pass ${setting('shard')} I/N with N ≥ 1`);
  }
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
    throw new AlgobenchError(
      'E_USAGE',
      `${from}: shard index ${index} is out of range for ${count} shard${count === 1 ? '' : 's'} (0 to ${count - 1}); pass ${setting('shard')} I/N with 0 ≤ I < N`,
    );
  }
  return { index, count };
}

const INTEGER = /^\d+$/;
const envInteger = (env: NodeJS.ProcessEnv, name: string): number | undefined => {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!INTEGER.test(raw.trim())) throw new AlgobenchError('E_USAGE', `${name}=${JSON.stringify(raw)} is not a non-negative integer; unset it or pass ${setting('shard')} I/N`);
  return Number(raw.trim());
};

/**
 * The shard of this process from the scheduler's environment, or undefined when no
 * scheduler set one. `count` (a flag) overrides the environment's count.
 */
export function shardFromEnv(env: NodeJS.ProcessEnv, count?: number): Shard | undefined {
  const slurmId = envInteger(env, 'SLURM_ARRAY_TASK_ID');
  if (slurmId !== undefined) {
    const n = count ?? envInteger(env, 'SLURM_ARRAY_TASK_COUNT');
    if (n === undefined) throw new AlgobenchError('E_USAGE', `SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT; pass ${setting('shardCount')} N`);
    return checkShard(slurmId, n, `SLURM_ARRAY_TASK_ID=${slurmId}`);
  }
  const k8sIndex = envInteger(env, 'JOB_COMPLETION_INDEX');
  if (k8sIndex !== undefined) {
    const n = count ?? envInteger(env, SHARD_COUNT_ENV);
    if (n === undefined) throw new AlgobenchError('E_USAGE', `JOB_COMPLETION_INDEX is set but not the shard count; set ${SHARD_COUNT_ENV} or pass ${setting('shardCount')} N`);
    return checkShard(k8sIndex, n, `JOB_COMPLETION_INDEX=${k8sIndex}`);
  }
  return undefined;
}
