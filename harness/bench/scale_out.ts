/**
 * Scale-out benchmark (not a test; `npm run bench:scale`): planning a 10,000-trial grid
 * (the grid expansion, hashing and the plan file's text; the one sandboxed description
 * of each submission that `algobench plan` adds is per submission, not per trial) and
 * merging 100 shard stores holding 10,000 trials and 400,000 evals into one.
 * Required by issue 14: under 1 s and under 10 s. Wall time and this process's CPU
 * time are both printed, with the load average: on a shared machine the wall time
 * says more about the neighbours than about algobench.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expandPlan } from '../benchmark/plan.ts';
import { planFileOf, planText, selectionOf } from '../benchmark/plan_file.ts';
import { mergeStores } from '../store/merge.ts';
import { Store } from '../store/store.ts';
import { resolveModulePath, searchSpaceOf } from '../submissions/load.ts';
import { getWorkload } from '../../workloads/registry.ts';
import { getTargets } from '../../workloads/targets.ts';

const WORKLOADS = ['mnist_mlp', 'mnist_cnn', 'mnist_autoencoder', 'char_lm', 'spam_bow'];
const SUBMISSIONS = ['adamw', 'nesterov'];
const SHARDS = 100;
const EVALS_PER_TRIAL = 40;

/** Wall time and this process's user CPU time of `fn` (the machine may be shared: CPU time is the steadier figure). */
function timed<T>(fn: () => T): { value: T; ms: number; cpuMs: number; systemMs: number } {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = fn();
  const used = process.cpuUsage(cpu);
  return { value, ms: performance.now() - started, cpuMs: used.user / 1000, systemMs: used.system / 1000 };
}

function planBench(): { trials: number; ms: number; cpuMs: number; systemMs: number; bytes: number } {
  const options = { workloads: WORKLOADS, submissions: SUBMISSIONS, ruleset: 'external', studies: 100, trials: 10, seed: 0, dbPath: '', backend: 'cpu' } as const;
  const workloads = WORKLOADS.map((name) => ({ workload: getWorkload(name), targets: getTargets(name, 'base') }));
  const submissions = SUBMISSIONS.map((name) => {
    const modulePath = resolveModulePath(name);
    return { name, modulePath, searchSpace: searchSpaceOf(modulePath)! };
  });
  const { value: text, ms, cpuMs, systemMs } = timed(() => planText(planFileOf(selectionOf(options), expandPlan(workloads, submissions, options))));
  return { trials: (JSON.parse(text) as { trialCount: number }).trialCount, ms, cpuMs, systemMs, bytes: text.length };
}

function writeShard(path: string, shard: number, trialsPerShard: number): void {
  Store.open(path).close();
  const db = new Database(path);
  db.transaction(() => {
    db.prepare(`INSERT INTO hardware (fingerprint, cpu_model, cpu_cores, memory_bytes, gpu, os, node_version, tfjs_version, backend, backend_version, details_json, first_seen)
      VALUES ('hw-${shard % 4}', 'cpu', 2, 1, 'none', 'linux', 'v20', '4.22.0', 'wasm', '4.22.0', '{}', 'now')`).run();
    db.prepare(`INSERT INTO runs (hardware_id, command, algobench_version, started_at, status) VALUES (1, 'run', '0', 'shard-${shard}', 'finished')`).run();
    db.prepare("INSERT INTO plans (hash, trial_count, first_seen) VALUES (?, ?, 'now')").run('p'.repeat(64), SHARDS * trialsPerShard);
    const trial = db.prepare(`INSERT INTO trials (run_id, hardware_id, workload, variant, submission, ruleset, study, trial, base_seed, seed, hparams_json,
      target_validation, target_test, targets_version, metric, metric_direction, budget_sec, budget_scale, status, time_to_target_sec, steps,
      backend, backend_version, started_at, finished_at, code_key) VALUES (1, 1, 'w', 'base', 's', 'external', ?, ?, 0, 1, '{"lr":0.1}', 0.9, 0.9, 1, 'acc', 'max',
      60, 1, 'reached', 12.5, 1000, 'wasm', '4.22.0', 'now', 'now', 'code')`);
    const evalRow = db.prepare(`INSERT INTO evals (trial_id, step, submission_time_sec, eval_time_sec, train_loss, validation_json, test_json, recorded_at)
      VALUES (?, ?, ?, 0.1, 0.5, '{"accuracy":0.9}', '{"accuracy":0.9}', 'now')`);
    for (let t = 0; t < trialsPerShard; t++) {
      const id = Number(trial.run(shard, t).lastInsertRowid);
      for (let e = 0; e < EVALS_PER_TRIAL; e++) evalRow.run(id, e * 25, e * 0.3);
    }
  })();
  db.close();
}

function mergeBench(): { trials: number; evals: number; ms: number; cpuMs: number; systemMs: number } {
  const dir = mkdtempSync(join(tmpdir(), 'algobench-scale-bench-'));
  try {
    const shards = Array.from({ length: SHARDS }, (_, i) => join(dir, `shard-${i}.sqlite`));
    shards.forEach((path, i) => writeShard(path, i, 10_000 / SHARDS));
    const { value: summary, ms, cpuMs, systemMs } = timed(() => mergeStores(join(dir, 'merged.sqlite'), shards));
    return { trials: summary.added, evals: summary.evals, ms, cpuMs, systemMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
process.stdout.write(`load average ${load()} on ${availableParallelism()} CPUs\n`);
const plan = planBench();
process.stdout.write(`plan: ${plan.trials} trials planned and written (${(plan.bytes / 1e6).toFixed(1)} MB of plan text) in ${plan.ms.toFixed(0)} ms, ${plan.cpuMs.toFixed(0)} ms user and ${plan.systemMs.toFixed(0)} ms system CPU (required < 1000 ms)\n`);
const merge = mergeBench();
process.stdout.write(`merge: ${SHARDS} shards, ${merge.trials} trials and ${merge.evals} evals merged in ${merge.ms.toFixed(0)} ms, ${merge.cpuMs.toFixed(0)} ms user and ${merge.systemMs.toFixed(0)} ms system CPU (required < 10000 ms)\n`);
process.stdout.write(`load average ${load()} after\n`);
