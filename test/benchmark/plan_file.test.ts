/**
 * The plan file and its shards: deterministic bytes, header totals, a hand-edited file
 * or changed code refused, round-robin slices, and the scheduler's environment
 * (Slurm's array variables, Kubernetes' JOB_COMPLETION_INDEX) read without a cluster.
 */
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandPlan } from '../../harness/benchmark/plan.ts';
import { planFileOf, planText, readPlanFile, selectionOf, shardOfPlan } from '../../harness/benchmark/plan_file.ts';
import { shardFromEnv, sliceOf } from '../../harness/benchmark/shard.ts';
import { resolveModulePath, searchSpaceOf } from '../../harness/submissions/load.ts';
import { getWorkload } from '../../workloads/registry.ts';
import { getTargets } from '../../workloads/targets.ts';
import { cleanupDirs, tempDir } from '../store/_fixtures.ts';

afterAll(cleanupDirs);

const OPTIONS = { workloads: ['mnist_mlp', 'spam_bow'], submissions: ['adamw'], ruleset: 'external', studies: 2, trials: 3, seed: 5, dbPath: '', backend: 'cpu', budgetScale: 0.5 } as const;

function submission(modulePath: string) {
  const searchSpace = searchSpaceOf(modulePath);
  return { name: 'adamw', modulePath, ...(searchSpace === undefined ? {} : { searchSpace }) };
}

function plan(modulePath = resolveModulePath('adamw')) {
  const workloads = OPTIONS.workloads.map((name) => {
    const workload = getWorkload(name);
    return { workload, targets: getTargets(name, 'base') };
  });
  return expandPlan(workloads, [submission(modulePath)], OPTIONS);
}

describe('the plan file', () => {
  it('is the same bytes for the same selection, and states its trial count and total budget', () => {
    const a = planText(planFileOf(selectionOf(OPTIONS), plan()));
    const b = planText(planFileOf(selectionOf(OPTIONS), plan()));
    expect(a).toBe(b);
    const file = JSON.parse(a) as ReturnType<typeof planFileOf>;
    // 2 workloads × 1 submission × 2 studies × 3 trials; budget: each workload's, halved.
    expect(file.trialCount).toBe(12);
    const budgets = OPTIONS.workloads.map((w) => getWorkload(w).budget.maxRuntimeSec * 0.5);
    expect(file.totalBudgetSec).toBeCloseTo(6 * budgets[0]! + 6 * budgets[1]!, 9);
    expect(file.trials.map((t) => t.index)).toEqual([...Array(12).keys()]);
    expect(new Set(file.trials.map((t) => t.key)).size).toBe(12);
    expect(file.trials[0]!.key).toMatch(/^mnist_mlp\/adamw\/external\/x0\.5\/seed5\/study0\/trial0\/[0-9a-f]{16}$/);
  });

  it('refuses a missing, non-plan or hand-edited file in one line', () => {
    const dir = tempDir();
    const path = join(dir, 'plan.json');
    const text = planText(planFileOf(selectionOf(OPTIONS), plan()));
    expect(() => readPlanFile(join(dir, 'none.json'))).toThrow(`plan ${join(dir, 'none.json')} does not exist; write it again with "algobench plan" and pass plan with that file`);
    writeFileSync(path, '{"trials": []}');
    expect(() => readPlanFile(path)).toThrow(/is not an algobench plan/);
    const edited = JSON.parse(text) as ReturnType<typeof planFileOf>;
    writeFileSync(path, planText({ ...edited, trials: edited.trials.map((t, i) => (i === 3 ? { ...t, seed: t.seed + 1 } : t)) }));
    expect(() => readPlanFile(path)).toThrow(`plan ${path} was changed after it was written (its trials no longer match its plan hash); write it again with "algobench plan" and pass plan with that file`);
    writeFileSync(path, text);
    expect(readPlanFile(path).trialCount).toBe(12);
  });

  it('is refused once the submission it was planned with changed', () => {
    const dir = tempDir();
    cpSync(join(resolveModulePath('adamw'), '..'), join(dir, 'adamw'), { recursive: true });
    const modulePath = join(dir, 'adamw', 'submission.ts');
    const file = planFileOf(selectionOf(OPTIONS), plan(modulePath));
    expect(shardOfPlan(file, 'p.json', plan(modulePath), { index: 0, count: 1 })).toHaveLength(12);
    writeFileSync(modulePath, '// edited\n', { flag: 'a' });
    expect(() => shardOfPlan(file, 'p.json', plan(modulePath), { index: 0, count: 1 })).toThrow(
      'plan p.json no longer matches the code: trial 0 (mnist_mlp adamw study 0 trial 0): its submission code changed since it was planned; plan again with "algobench plan" (a new plan hash) or restore the code',
    );
  });
});

describe('shards', () => {
  it('trial k is shard k mod N: disjoint slices that cover the plan, sizes within one', () => {
    const items = [...Array(10).keys()];
    const slices = [0, 1, 2, 3].map((index) => sliceOf(items, { index, count: 4 }));
    expect(slices).toEqual([[0, 4, 8], [1, 5, 9], [2, 6], [3, 7]]);
  });

  it('come from Slurm array variables or a Kubernetes completion index plus a count', () => {
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '4' })).toEqual({ index: 3, count: 4 });
    // A resubmitted single task (--array=3) sees a count of 1: the script's count wins.
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '1' }, 4)).toEqual({ index: 3, count: 4 });
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: '2', ALGOBENCH_SHARD_COUNT: '5' })).toEqual({ index: 2, count: 5 });
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: '0' }, 2)).toEqual({ index: 0, count: 2 });
    expect(shardFromEnv({})).toBeUndefined();
    expect(() => shardFromEnv({ JOB_COMPLETION_INDEX: '2' })).toThrow('JOB_COMPLETION_INDEX is set but not the shard count; set ALGOBENCH_SHARD_COUNT or pass shardCount N');
    expect(() => shardFromEnv({ JOB_COMPLETION_INDEX: '5', ALGOBENCH_SHARD_COUNT: '4' })).toThrow(
      'JOB_COMPLETION_INDEX=5: shard index 5 is out of range for 4 shards (0 to 3); pass shard I/N with 0 ≤ I < N',
    );
    expect(() => shardFromEnv({ SLURM_ARRAY_TASK_ID: 'x', SLURM_ARRAY_TASK_COUNT: '4' })).toThrow(/SLURM_ARRAY_TASK_ID="x" is not a non-negative integer/);
  });
});
