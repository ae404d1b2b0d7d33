/**
 * The scale-out commands from the command line: bad input gets one line and a non-zero exit
 * (missing or edited plan, --shard 5/4, a shard of another plan, an unwritable merged
 * store), and the job files of slurm and k8s carry the plan's shape (array size and
 * throttle, time limit, requeue, the dependent merge; Indexed Job, completions,
 * parallelism, the index reaching run). The plan is made with the library (plan.ts),
 * the way `algobench plan` makes it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandPlan } from '../../harness/benchmark/plan.ts';
import { planFileOf, planText, selectionOf } from '../../harness/benchmark/plan_file.ts';
import { Store } from '../../harness/store/store.ts';
import { resolveModulePath, searchSpaceOf } from '../../harness/submissions/load.ts';
import { getWorkload } from '../../workloads/registry.ts';
import { getTargets } from '../../workloads/targets.ts';
import { cleanupDirs, hardware, tempDir } from '../store/_fixtures.ts';
import { CLI_TEST_TIMEOUT_MS, cli, describeResult, existingDbFiles } from './cli_helpers.ts';

afterAll(cleanupDirs);

const dir = tempDir('algobench-scale-');
const OPTIONS = { workloads: ['mnist_mlp'], submissions: ['adamw'], ruleset: 'external', studies: 2, trials: 5, seed: 0, dbPath: '', backend: 'cpu', budgetScale: 0.1 } as const;
const modulePath = resolveModulePath('adamw');
const planned = expandPlan(
  [{ workload: getWorkload('mnist_mlp'), targets: getTargets('mnist_mlp', 'base') }],
  [{ name: 'adamw', modulePath, searchSpace: searchSpaceOf(modulePath)! }],
  OPTIONS,
);
const file = planFileOf(selectionOf(OPTIONS), planned);
const planPath = join(dir, 'plan.json');
writeFileSync(planPath, planText(file));

/** Exit 2 for bad input; a store that cannot be written is a store fault (E_STORE), exit 1 as everywhere. */
function refused(r: Awaited<ReturnType<typeof cli>>, line: string | RegExp, status = 2): void {
  const info = describeResult(r);
  expect(r.status, info).toBe(status);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, info).toHaveLength(1);
  if (typeof line === 'string') expect(lines[0]).toBe(`algobench: ${line}`);
  else expect(lines[0]).toMatch(line);
}

describe('scale-out bad input: one line, exit 2, nothing written', () => {
  it('run --plan with no such file', async () => {
    const db = join(dir, 'never.sqlite');
    refused(await cli(['run', '--plan', join(dir, 'none.json'), '--db', db]), `plan ${join(dir, 'none.json')} does not exist; write it again with "algobench plan" and pass --plan with that file`);
  }, CLI_TEST_TIMEOUT_MS);

  it('run --plan with an edited file', async () => {
    const edited = join(dir, 'edited.json');
    writeFileSync(edited, readFileSync(planPath, 'utf8').replace('"budgetSec":', '"budgetSec":1'));
    refused(await cli(['run', '--plan', edited]), `plan ${edited} was changed after it was written (its trials no longer match its plan hash); write it again with "algobench plan" and pass --plan with that file`);
  }, CLI_TEST_TIMEOUT_MS);

  it('run --shard 5/4', async () => {
    refused(await cli(['run', '--plan', planPath, '--shard', '5/4']), '--shard 5/4: shard index 5 is out of range for 4 shards (0 to 3); pass --shard I/N with 0 ≤ I < N');
  }, CLI_TEST_TIMEOUT_MS);

  it('merge of a shard of another plan; merge into an unwritable store', async () => {
    const shard = join(dir, 'foreign.sqlite');
    const store = Store.open(shard);
    store.hardwareId(hardware());
    store.recordPlan('f'.repeat(64), 1);
    store.close();
    const out = join(dir, 'merged.sqlite');
    refused(await cli(['merge', out, shard, '--plan', planPath]), `shard ${shard} belongs to plan ffffffffffff…, not to plan ${file.planHash.slice(0, 12)}… of the plan passed with --plan; merge the shards of one plan together`);
    expect(existingDbFiles(out)).toEqual([]);
    refused(await cli(['merge', join(planPath, 'out.sqlite'), shard]), /^algobench: cannot write the merged store .*plan\.json\/out\.sqlite: .*; pass a writable path as the merged store$/, 1);
  }, CLI_TEST_TIMEOUT_MS);

  it('plan --out into an unwritable place', async () => {
    const out = join(planPath, 'plan.json');
    refused(await cli(['plan', '-w', 'mnist_mlp', '-s', 'adamw', '--out', out]), new RegExp(`^algobench: cannot write the plan ${out}: .*; pass --out with a writable path$`));
    expect(readFileSync(planPath, 'utf8')).toBe(planText(file));
  }, CLI_TEST_TIMEOUT_MS);
});

describe('job files', () => {
  it('slurm: an array of the shards, throttled, with a time limit from the slice budgets, requeue, and the merge after it', async () => {
    const out = join(dir, 'slurm');
    const r = await cli(['slurm', '--plan', planPath, '--shards', '4', '--parallel', '2', '--cpus', '1', '--exclusive', '--out', out]);
    expect(r.status, describeResult(r)).toBe(0);
    const array = readFileSync(join(out, 'array.sbatch'), 'utf8');
    expect(array).toContain('#SBATCH --array=0-3%2\n');
    expect(array).toContain('#SBATCH --cpus-per-task=1\n');
    expect(array).toContain('#SBATCH --exclusive\n');
    expect(array).toContain('#SBATCH --requeue\n');
    // 10 trials in 4 shards: the largest has 3; each trial its budget × 1.5 + 60 s, plus 120 s.
    const budget = getWorkload('mnist_mlp').budget.maxRuntimeSec * 0.1;
    const minutes = Math.ceil((3 * (budget * 1.5 + 60) + 120) / 60);
    expect(array).toContain(`#SBATCH --time=0-${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}:00\n`);
    expect(array).toMatch(/ run --plan \S+plan\.json --shard "\$SLURM_ARRAY_TASK_ID\/4" --db \S+\/shards\/shard-"\$SLURM_ARRAY_TASK_ID"\.sqlite/);
    expect(readFileSync(join(out, 'merge.sbatch'), 'utf8')).toMatch(/ merge \S+\/merged\.sqlite \S+\/shards\/shard-\*\.sqlite --plan \S+plan\.json\n/);
    expect(readFileSync(join(out, 'submit.sh'), 'utf8')).toContain('sbatch --parsable --dependency=afterany:"$array" "$here/merge.sbatch"');
  }, CLI_TEST_TIMEOUT_MS);

  it('k8s: an Indexed Job whose index and count reach run', async () => {
    const out = join(dir, 'k8s', 'job.json');
    const r = await cli(['k8s', '--plan', planPath, '--shards', '3', '--parallel', '2', '--image', 'registry.example/algobench:1', '--out', out]);
    expect(r.status, describeResult(r)).toBe(0);
    const job = JSON.parse(readFileSync(out, 'utf8'));
    expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', spec: { completionMode: 'Indexed', completions: 3, parallelism: 2 } });
    const container = job.spec.template.spec.containers[0];
    expect(container.image).toBe('registry.example/algobench:1');
    expect(container.env).toContainEqual({ name: 'ALGOBENCH_SHARD_COUNT', value: '3' });
    expect(container.command.join(' ')).toMatch(/ run --plan \/results\/plan\.json --db \/results\/shards\/shard-\$JOB_COMPLETION_INDEX\.sqlite/);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
  }, CLI_TEST_TIMEOUT_MS);
});
