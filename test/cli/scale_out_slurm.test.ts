/**
 * The scale-out path of the README on a real Slurm (issue 14): a one-node cluster
 * started by the test (_slurm_cluster.ts), a small grid planned with `algobench plan`,
 * the job files of `algobench slurm` submitted with their submit.sh, one array task
 * cancelled mid-trial with scancel and resubmitted with `sbatch --array=3`, the shards
 * merged with the README's merge line, then `score` and `report` on the merged store.
 * The expected trials are the plan file's (keys, seeds, hyperparameters); the same plan
 * run in one process must give the same ones.
 *
 * Skipped only where slurmctld is not installed and the test is not root (it could not
 * install it); as root without Slurm it fails and says how to install it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandPlan } from '../../harness/benchmark/plan.ts';
import { planFileOf, selectionOf, type PlanFile } from '../../harness/benchmark/plan_file.ts';
import { Store } from '../../harness/store/store.ts';
import { resolveModulePath, searchSpaceOf } from '../../harness/submissions/load.ts';
import { getWorkload } from '../../workloads/registry.ts';
import { getTargets } from '../../workloads/targets.ts';
import { cleanupDirs, hardware, tempDir } from '../store/_fixtures.ts';
import { cli as cliProcess, describeResult, REPO_ROOT, type CliResult } from './cli_helpers.ts';
import { installed, SlurmCluster } from './_slurm_cluster.ts';

const IS_ROOT = process.getuid?.() === 0;
const HAS_SLURM = installed('slurmctld');

/** Bounds of the waits on the loaded 2-core machine; they only guard against a hang. */
const STEP_TIMEOUT_MS = 40 * 60_000;
const WAIT_MS = 30 * 60_000;

/** The grid: 2 workloads × 1 study × 4 trials = 8 trials, each with 5 % of its budget. */
const PLAN_ARGS = ['-w', 'mnist_mlp,spam_bow', '-s', 'adamw', '--studies', '1', '--trials', '4', '--budget-scale', '0.05'];
const SHARDS = 4;
/** The task cancelled mid-trial: trials 3 and 7 of the plan are its slice. */
const CANCELLED = 3;

interface TrialRowLite {
  id: number;
  workload: string;
  variant: string;
  submission: string;
  ruleset: string;
  budget_scale: number;
  base_seed: number;
  study: number;
  trial: number;
  code_key: string;
  seed: number;
  hparams_json: string;
  status: string;
  started_at: string;
  finished_at: string | null;
}

/** A CLI process, guarded against a hang far above the minute it takes on a loaded machine. */
const cli = (args: readonly string[]): Promise<CliResult> => cliProcess(args, { timeoutMs: 8 * 60_000 });

const FINISHED = "status NOT IN ('running', 'interrupted', 'abandoned')";

function rows(path: string, where = 'TRUE'): TrialRowLite[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(`SELECT * FROM trials WHERE ${where} ORDER BY id`).all() as TrialRowLite[];
  } finally {
    db.close();
  }
}

function runStatuses(path: string): string[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT status FROM runs ORDER BY id').all() as Array<{ status: string }>).map((r) => r.status);
  } finally {
    db.close();
  }
}

/** A row's key in the plan file's spelling (store/rows.ts trialKeyText, written out here). */
const keyOf = (r: TrialRowLite): string =>
  `${r.workload}${r.variant === 'base' ? '' : `:${r.variant}`}/${r.submission}/${r.ruleset}/x${r.budget_scale}/seed${r.base_seed}/study${r.study}/trial${r.trial}/${r.code_key}`;

/** Every row of every table, ids included. */
function dump(path: string): Record<string, unknown[]> {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((t) => t.name);
    return Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY 1`).all()]));
  } finally {
    db.close();
  }
}
const counts = (d: Record<string, unknown[]>): Record<string, number> => Object.fromEntries(Object.entries(d).map(([t, r]) => [t, r.length]));

function expectOk(r: CliResult): void {
  expect(r.status, describeResult(r)).toBe(0);
}

describe.skipIf(!HAS_SLURM && !IS_ROOT)('scale-out on a real Slurm: plan → sbatch array → scancel and resubmit → merge → score and report', () => {
  const dir = tempDir('algobench-slurm-');
  const planPath = join(dir, 'results', 'plan.json');
  const slurmDir = join(dir, 'results', 'slurm');
  const shardPath = (i: number): string => join(slurmDir, 'shards', `shard-${i}.sqlite`);
  // Where the merge job of `algobench slurm` writes, and the README's merge line too.
  const merged = join(slurmDir, 'merged.sqlite');
  const logs = (): string[] => [join(slurmDir, 'logs', 'merge.out'), ...Array.from({ length: SHARDS }, (_, i) => join(slurmDir, 'logs', `shard-${i}.out`))];
  let cluster: SlurmCluster | undefined;
  let plan: PlanFile;
  let oneProcess: Promise<CliResult> | undefined;

  beforeAll(async () => {
    if (!HAS_SLURM) throw new Error('slurmctld is not installed: install slurm-wlm and munge (apt-get install slurm-wlm munge; .ci/run does it)');
    cluster = await SlurmCluster.start(join(dir, 'cluster'));
  }, STEP_TIMEOUT_MS);

  afterAll(async () => {
    await cluster?.stop();
    await oneProcess; // its own hang guard ends it
    cleanupDirs();
  }, STEP_TIMEOUT_MS);

  it('plans the grid and writes the array and merge jobs for 4 shards', async () => {
    expectOk(await cli(['plan', ...PLAN_ARGS, '--out', planPath]));
    plan = JSON.parse(readFileSync(planPath, 'utf8')) as PlanFile;
    expect(plan.trialCount).toBe(8);
    expect(new Set(plan.trials.map((t) => t.key)).size).toBe(8);
    expectOk(await cli(['slurm', '--plan', planPath, '--shards', String(SHARDS), '--parallel', '2', '--cpus', '1', '--out', slurmDir]));
    // The same plan in one process, side by side with the array (compared in the last test).
    oneProcess = cliProcess(['run', '--plan', planPath, '--db', join(dir, 'one-process.sqlite')], { timeoutMs: STEP_TIMEOUT_MS - 60_000 });
  }, STEP_TIMEOUT_MS);

  it('runs the array; a task cancelled mid-trial leaves its trial unfinished (the dependent merge says so), and resubmitted it finishes its slice without redoing its finished trial', async () => {
    const c = cluster!;
    const submitted = execFileSync(join(slurmDir, 'submit.sh'), { env: c.env, encoding: 'utf8', cwd: REPO_ROOT });
    const [, arrayJob, mergeJob] = /array job (\d+), merge job (\d+)/.exec(submitted) ?? [];
    expect(arrayJob, submitted).toBeDefined();

    // Cancel task 3 once its first trial has finished and its second is running.
    let firstDone: TrialRowLite | undefined;
    await c.waitFor(() => {
      if (c.job(`${arrayJob}_${CANCELLED}`).state === 'COMPLETED') throw new Error(`task ${CANCELLED} finished before it could be cancelled mid-trial\n${c.diagnostics(logs())}`);
      if (!existsSync(shardPath(CANCELLED))) return false;
      try {
        const all = rows(shardPath(CANCELLED));
        firstDone = all.find((r) => r.trial === plan.trials[CANCELLED]!.trial && r.workload === plan.trials[CANCELLED]!.workload && r.finished_at !== null);
        return firstDone !== undefined && all.some((r) => r.status === 'running' && r !== firstDone);
      } catch {
        return false; // the task is creating its store
      }
    }, WAIT_MS, `task ${CANCELLED} to be in its second trial`, logs());
    c.client('scancel', [`${arrayJob}_${CANCELLED}`]);
    await c.waitFor(() => !c.busy(), WAIT_MS, 'the array and its merge job to end', logs());
    expect(c.job(`${arrayJob}_${CANCELLED}`).state).toBe('CANCELLED');
    for (const i of [0, 1, 2]) expect(c.job(`${arrayJob}_${i}`), `task ${i}\n${c.diagnostics(logs())}`).toEqual({ state: 'COMPLETED', exitCode: '0:0' });
    // The merge job ran after the array (afterany) and exits non-zero naming the cut-off trial.
    expect(c.job(mergeJob!).state, c.diagnostics(logs())).toBe('FAILED');
    const mergeLog = readFileSync(join(slurmDir, 'logs', 'merge.out'), 'utf8');
    expect(mergeLog).toContain(`1 planned trial(s) unfinished: #7 ${plan.trials[7]!.key}`);
    expect(rows(merged, FINISHED).map(keyOf).sort()).toEqual(plan.trials.filter((t) => t.index !== 7).map((t) => t.key).sort());
    // scancel's SIGTERM reached the task's processes: the cut-off trial is stored as
    // interrupted (not crashed, not left running) and the shard's run row is closed.
    expect(rows(shardPath(CANCELLED)).filter((r) => keyOf(r) === plan.trials[7]!.key).map((r) => r.status)).toEqual(['interrupted']);
    expect(runStatuses(shardPath(CANCELLED))).toEqual(['interrupted']);
    // At its end the cut-off run judged its trials' noise again against all of them
    // (execute.ts, judgeAgainstRun): of the finished trial's row only the noise record may
    // have moved since it finished; that row is what the resubmitted task must leave alone.
    const judged = rows(shardPath(CANCELLED)).find((r) => keyOf(r) === keyOf(firstDone!))!;
    expect({ ...judged, noise_json: null, noisy: null }).toEqual({ ...firstDone!, noise_json: null, noisy: null });
    firstDone = judged;

    // The README's line for a cancelled task.
    const resubmitted = c.client('sbatch', [`--array=${CANCELLED}`, join(slurmDir, 'array.sbatch')]);
    const [, again] = /Submitted batch job (\d+)/.exec(resubmitted) ?? [];
    await c.waitFor(() => !c.busy(), WAIT_MS, `the resubmitted task ${CANCELLED} to end`, logs());
    expect(c.job(`${again}_${CANCELLED}`), c.diagnostics(logs())).toEqual({ state: 'COMPLETED', exitCode: '0:0' });
    const shard = rows(shardPath(CANCELLED));
    const finished = rows(shardPath(CANCELLED), FINISHED);
    // Its finished trial was skipped (the same row, untouched); the cut-off one ran again.
    expect(finished.map(keyOf)).toEqual([plan.trials[3]!.key, plan.trials[7]!.key]);
    expect(finished[0]).toEqual(firstDone);
    expect(shard.filter((r) => keyOf(r) === plan.trials[3]!.key)).toHaveLength(1);
    expect(readFileSync(join(slurmDir, 'logs', `shard-${CANCELLED}.out`), 'utf8')).toContain('algobench: ran 1 trial(s), skipped 1 already finished');
  }, STEP_TIMEOUT_MS);

  it('merged again (the README\'s merge line), the store holds exactly the planned trials', async () => {
    const shards = readdirSync(join(slurmDir, 'shards')).filter((f) => /^shard-\d+\.sqlite$/.test(f)).map((f) => join(slurmDir, 'shards', f));
    expect(shards).toHaveLength(SHARDS);
    const r = await cli(['merge', merged, ...shards, '--plan', planPath]);
    expectOk(r);
    expect(r.stdout).toContain(`all 8 planned trial(s) are in ${merged}`);
    const all = rows(merged);
    expect(all.map(keyOf).sort()).toEqual(plan.trials.map((t) => t.key).sort());
    expect(all.every((t) => t.status !== 'running')).toBe(true);
  }, STEP_TIMEOUT_MS);

  it('merging a shard again (the resumed one, and all of them) changes no row of any table', async () => {
    const before = dump(merged);
    expectOk(await cli(['merge', merged, shardPath(CANCELLED), shardPath(CANCELLED)]));
    expectOk(await cli(['merge', merged, ...Array.from({ length: SHARDS }, (_, i) => shardPath(i)), '--plan', planPath]));
    const after = dump(merged);
    expect(counts(after)).toEqual(counts(before));
    expect(after).toEqual(before);
    // One run row per run of the shards that produced a merged trial: 3 tasks, and task 3's two runs.
    expect(counts(after).runs).toBe(SHARDS + 1);
  }, STEP_TIMEOUT_MS);

  it('a shard of another plan is refused in one line and the merged store is left as it was', async () => {
    // Another selection (seed 1): its plan hash, as `algobench plan --seed 1` computes it.
    const options = { workloads: ['mnist_mlp'], submissions: ['adamw'], ruleset: 'external', studies: 1, trials: 1, seed: 1, dbPath: '', backend: 'cpu', budgetScale: 0.05 } as const;
    const modulePath = resolveModulePath('adamw');
    const other = planFileOf(selectionOf(options), expandPlan([{ workload: getWorkload('mnist_mlp'), targets: getTargets('mnist_mlp', 'base') }], [{ name: 'adamw', modulePath, searchSpace: searchSpaceOf(modulePath)! }], options));
    const foreign = join(dir, 'foreign-shard.sqlite');
    const store = Store.open(foreign);
    store.hardwareId(hardware());
    store.recordPlan(other.planHash, other.trialCount);
    store.close();
    const before = dump(merged);
    const r = await cli(['merge', merged, shardPath(0), foreign]);
    expect(r.status, describeResult(r)).toBe(2);
    expect(r.stderr).toBe(`algobench: shard ${foreign} belongs to plan ${other.planHash.slice(0, 12)}…, not to plan ${plan.planHash.slice(0, 12)}… of shard ${shardPath(0)}; merge the shards of one plan together\n`);
    expect(dump(merged)).toEqual(before);
  }, STEP_TIMEOUT_MS);

  it('score and report work on the merged store', async () => {
    const score = await cli(['score', '--db', merged, '--json']);
    expectOk(score);
    const boards = JSON.parse(score.stdout) as Array<{ budgetScale: number; workloads: string[]; submissions: Record<string, unknown> }>;
    expect(boards).toHaveLength(1);
    expect(boards[0]).toMatchObject({ budgetScale: 0.05, workloads: ['mnist_mlp', 'spam_bow'] });
    expect(Object.keys(boards[0]!.submissions)).toEqual(['adamw']);
    const site = join(dir, 'results', 'leaderboard');
    const report = await cli(['report', '--db', merged, '--out', site]);
    expectOk(report);
    const page = report.stdout.trimEnd().split('\n').pop()!;
    expect(page.startsWith(site)).toBe(true);
    expect(readFileSync(page, 'utf8')).toContain('mnist_mlp');
  }, STEP_TIMEOUT_MS);

  it('the same plan run in one process gives the same trial keys, hyperparameters and seeds', async () => {
    const r = await oneProcess!;
    expectOk(r);
    const expected = plan.trials.map((t) => [t.key, t.seed, t.hparams]).sort();
    const of = (path: string) => rows(path, FINISHED).map((t) => [keyOf(t), t.seed, JSON.parse(t.hparams_json)]).sort();
    expect(of(join(dir, 'one-process.sqlite'))).toEqual(expected);
    expect(of(merged)).toEqual(expected);
  }, STEP_TIMEOUT_MS);
});
