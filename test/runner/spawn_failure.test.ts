/**
 * A trial process that cannot start is a fault of the machine, not of the submission.
 * When spawn fails (here for real: the run's process is out of file descriptors, as a
 * run with many open stores or a low `ulimit -n` can be) Node emits 'error' and never
 * 'exit', and the child has no IPC channel at all. An inspection once threw
 * `child.send is not a function` out of the run; a trial waited for an 'exit' that never
 * comes; then both were stored as the submission's `crashed`, which counts against it
 * and which resume never runs again.
 *
 * Now the inspection and the trial reject with E_MACHINE, naming the errno; a run stores
 * the trial as interrupted (it counts for nothing), stops with that one line, and the same
 * run again resumes it and runs it to the end.
 *
 * The run's side is a process of its own with `ulimit -n 256`: it inspects a submission
 * once (so every module it needs is loaded), takes every free descriptor but two (too
 * few for the child's pipes and channel), inspects and runs a trial, gives the
 * descriptors back and inspects again; then it runs a benchmark whose first trial
 * starts with the descriptors taken (they are given back at the next turn of the event
 * loop, after the spawn failed), and, once they are back, runs it again. No training-split folder is left.
 * Last, on a store of its own, the same starved start while the run is being interrupted
 * (Ctrl-C as the spawn fails): the run ends interrupted, with the fault as a warning.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const href = (path: string) => new URL(path, import.meta.url).href;
const HONEST = fileURLToPath(new URL('../fixtures/submissions/one_trial_per_process/submission.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'algobench-spawn-failure-'));
const dbPath = join(dir, 'store.sqlite');
const cutDbPath = join(dir, 'cut.sqlite');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * What both scripts start with: the modules, mnist_mlp loaded, kill() watched, and
 * `take` (every free descriptor but `spare`) and `outcome` (a promise's value or error).
 */
const PREAMBLE = `
  const { inspectSubmission, runTrialIsolated } = await import(${JSON.stringify(href('../../harness/runner/isolated/run_isolated.ts'))});
  const { getWorkload } = await import(${JSON.stringify(href('../../workloads/registry.ts'))});
  const { trialDataDirsLeft } = await import(${JSON.stringify(href('../../harness/runner/isolated/train_file.ts'))});
  const fs = await import('node:fs');
  // Every kill() of a process that never started is counted and not passed on: the real
  // one would reach pid 0, this script's whole process group.
  const { ChildProcess } = await import('node:child_process');
  const realKill = ChildProcess.prototype.kill;
  let killsOfNoProcess = 0;
  ChildProcess.prototype.kill = function (signal) {
    if (this.pid === undefined) {
      killsOfNoProcess += 1;
      return false;
    }
    return realKill.call(this, signal);
  };
  const workload = getWorkload('mnist_mlp');
  await workload.load();
  // Every descriptor taken but \`spare\`; given back by closing what it returns.
  const take = (spare) => {
    const held = [];
    try { for (;;) held.push(fs.openSync('/dev/null', 'r')); } catch {}
    for (let i = 0; i < spare; i++) fs.closeSync(held.pop());
    return held;
  };
  const outcome = (p) => p.then((value) => ({ value }), (err) => ({ code: err.code, message: err.message }));
`;

const SCRIPT = `${PREAMBLE}
  const { runBenchmark } = await import(${JSON.stringify(href('../../harness/benchmark/execute.ts'))});
  const first = await inspectSubmission(${JSON.stringify(HONEST)}, 'wasm');
  const held = take(2);
  const hung = setTimeout(() => { console.log(JSON.stringify({ hung: true })); process.exit(3); }, 60_000);
  const inspected = await outcome(inspectSubmission(${JSON.stringify(HONEST)}, 'wasm', 30));
  const trial = await outcome(runTrialIsolated({ workload, targets: { validation: 0, test: 0 }, modulePath: ${JSON.stringify(HONEST)}, hparams: { lr: 0.05 }, seed: 1, budgetScale: 0.05, backend: 'wasm' }));
  for (const fd of held) fs.closeSync(fd);
  clearTimeout(hung);
  const again = await inspectSubmission(${JSON.stringify(HONEST)}, 'wasm');
  const options = { workloads: ['mnist_mlp'], submissions: [${JSON.stringify(HONEST)}], ruleset: 'self', studies: 1, trials: 1, seed: 3, dbPath: ${JSON.stringify(dbPath)}, backend: 'wasm', budgetScale: 0.05 };
  let starved = false;
  const starve = { onTrialStart: (_i, _p, skipped) => {
    if (skipped || starved) return;
    starved = true;
    const fds = take(2);
    setImmediate(() => { for (const fd of fds) fs.closeSync(fd); });
  } };
  const faulted = await outcome(runBenchmark(options, starve));
  await new Promise((r) => setImmediate(r));
  const resumed = await runBenchmark(options);
  // Ctrl-C as the spawn fails, on a store of its own: the run ends as interrupted.
  const controller = new AbortController();
  const warnings = [];
  let cutStarved = false;
  const cutAndStarve = { onWarning: (w) => warnings.push(w), onTrialStart: (_i, _p, skipped) => {
    if (skipped || cutStarved) return;
    cutStarved = true;
    controller.abort();
    const fds = take(2);
    setImmediate(() => { for (const fd of fds) fs.closeSync(fd); });
  } };
  const cut = await outcome(runBenchmark({ ...options, dbPath: ${JSON.stringify(cutDbPath)}, signal: controller.signal }, cutAndStarve));
  console.log(JSON.stringify({
    cut: cut.value === undefined ? cut : { interrupted: cut.value.interrupted, ran: cut.value.ran }, cutWarnings: warnings.filter((w) => w.includes('could not start')),
    held: held.length, first, inspected, trial, again, faulted, killsOfNoProcess,
    resumed: { ran: resumed.ran, skipped: resumed.skipped, statuses: resumed.results.map((r) => r.result.status) },
    left: trialDataDirsLeft(),
  }));
`;

/**
 * Runs a script under the shell's limits, in a process group of its own (setsid: a SIGKILL
 * to group 0 from a regression reaches the script only, and the test fails on its exit,
 * not the runner), and answers the JSON of its last line.
 */
function runLimited(limits: string, script: string, timeoutMs: number): Record<string, Record<string, unknown>> {
  const run = spawnSync('bash', ['-c', `${limits} && exec setsid "$0" --import tsx --input-type=module -e "$1"`, process.execPath, script], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  expect(run.status, `exit ${run.status} (${run.signal}): ${run.stderr.slice(-600)}`).toBe(0);
  return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '') as Record<string, Record<string, unknown>>;
}

describe('a trial process that cannot start', () => {
  it("is the machine's fault: E_MACHINE with the reason, stored as interrupted, and resumed by the same run again", () => {
    const out = runLimited('ulimit -n 256', SCRIPT, 180_000);
    expect(out['first']).toEqual({ name: 'one_trial_per_process', problems: [] });
    expect(out['inspected']!['code']).toBe('E_MACHINE');
    expect(out['inspected']!['message']).toMatch(/^the process to load submission .*one_trial_per_process.* could not start \(spawn .*EMFILE\): this machine is out of file descriptors, not of the submission$/);
    expect(out['trial']!['code']).toBe('E_MACHINE');
    expect(out['trial']!['message']).toMatch(/^the trial's process could not start \(spawn .*EMFILE\): this machine is out of file descriptors, not of the submission$/);
    expect(out['again']).toEqual({ name: 'one_trial_per_process', problems: [] });

    // The run: one line naming the trial, the fault and what to do.
    expect(out['faulted']!['code']).toBe('E_MACHINE');
    expect(out['faulted']!['message']).toMatch(
      /^one_trial_per_process on mnist_mlp study 0 trial 0: the trial's process could not start \(spawn .*EMFILE\): this machine is out of file descriptors, not of the submission; the trial is stored as interrupted, which counts for nothing; free what ran out and run the same command again: it resumes from this trial$/,
    );
    expect(String(out['faulted']!['message'])).not.toContain('\n');
    // The same run again ran that trial to the end.
    expect(out['resumed']).toEqual({ ran: 1, skipped: 0, statuses: [expect.stringMatching(/^(reached|budget_exhausted)$/)] });
    // Every trial's training-split folder went with it, and no kill went to a process that never started.
    expect(out['left']).toEqual([]);
    expect(out['killsOfNoProcess']).toBe(0);

    const db = new Database(dbPath, { readonly: true });
    try {
      const rows = db.prepare('SELECT status, error, steps FROM trials ORDER BY id').all() as Array<{ status: string; error: string | null; steps: number }>;
      expect(rows).toHaveLength(2);
      expect(rows[0]!.status).toBe('interrupted');
      expect(rows[0]!.error).toMatch(/could not start \(spawn .*EMFILE\)/);
      expect(rows[0]!.steps).toBe(0);
      expect(rows[1]!.status).toBe((out['resumed']!['statuses'] as string[])[0]);
      const runs = db.prepare('SELECT status FROM runs ORDER BY id').all() as Array<{ status: string }>;
      expect(runs.map((r) => r.status)).toEqual(['failed', 'finished']);
    } finally {
      db.close();
    }

    // Interrupted as the spawn failed: the run ends interrupted (the CLI's 130), not
    // failed, and the fault is said once, as a warning.
    expect(out['cut']).toEqual({ interrupted: true, ran: 0 });
    expect(out['cutWarnings']).toEqual([
      expect.stringMatching(/^one_trial_per_process on mnist_mlp study 0 trial 0: the trial's process could not start \(spawn .*EMFILE\): .*; the trial is stored as interrupted, which counts for nothing; free what ran out before running the same command again$/),
    ]);
    const cutDb = new Database(cutDbPath, { readonly: true });
    try {
      const rows = cutDb.prepare('SELECT status, error FROM trials').all() as Array<{ status: string; error: string | null }>;
      expect(rows.map((r) => r.status)).toEqual(['interrupted']);
      expect(rows[0]!.error).toMatch(/could not start \(spawn .*EMFILE\)/);
      expect((cutDb.prepare('SELECT status FROM runs').all() as Array<{ status: string }>).map((r) => r.status)).toEqual(['interrupted']);
    } finally {
      cutDb.close();
    }
  }, 240_000);
});

/**
 * The other machine faults, in a process with `ulimit -n 256` and `ulimit -f 10240` (10 MiB
 * files: the compiled trial code and a store fit, mnist_mlp's 25 MB training split does
 * not, EFBIG):
 * - a trial whose process starts but whose training split cannot be written;
 * - the same with the spawn failing too, in the same tick: until Node reports the failed
 *   spawn its child takes kill() with pid 0, and the old code's SIGKILL on that path
 *   killed the run's whole process group (when libuv's pid field was 0: not every time;
 *   so kill() is watched too, and no call may reach a process that never started);
 * - an inspection with no descriptor free at all, which fails before the spawn (listing
 *   the readable folders), not in it.
 */
const FAULTS = `${PREAMBLE}
  await inspectSubmission(${JSON.stringify(HONEST)}, 'wasm');
  const trial = () => runTrialIsolated({ workload, targets: { validation: 0, test: 0 }, modulePath: ${JSON.stringify(HONEST)}, hparams: { lr: 0.05 }, seed: 1, budgetScale: 0.05, backend: 'wasm' });
  const hung = setTimeout(() => { console.log(JSON.stringify({ hung: true })); process.exit(3); }, 90_000);
  // The last process's pipes close a little after its exit: let them, so that exactly two
  // descriptors are free for the spawn (too few) and the split's file (enough).
  const settle = () => new Promise((r) => setTimeout(r, 500));
  const unwritable = await outcome(trial());
  await settle();
  let held = take(2);
  const both = await outcome(trial());
  for (const fd of held) fs.closeSync(fd);
  await settle();
  held = take(0);
  const none = await outcome(inspectSubmission(${JSON.stringify(HONEST)}, 'wasm', 30));
  for (const fd of held) fs.closeSync(fd);
  clearTimeout(hung);
  console.log(JSON.stringify({ unwritable, both, none, killsOfNoProcess, left: trialDataDirsLeft() }));
`;

describe('the other machine faults', () => {
  it('a training split that cannot be written, with or without a failed spawn, and no descriptor at all: E_MACHINE, and the run lives', () => {
    const out = runLimited('ulimit -n 256 && ulimit -f 10240', FAULTS, 150_000);
    expect(out['unwritable']!['code']).toBe('E_MACHINE');
    expect(out['unwritable']!['message']).toMatch(/^the training split could not be written for the trial's process \(.*EFBIG.*\): this machine is over its file-size limit \(ulimit -f\), not of the submission$/);
    expect(out['both']!['code']).toBe('E_MACHINE');
    expect(out['both']!['message']).toMatch(/could not .*\((spawn .*EMFILE|.*EFBIG.*)\)/);
    expect(out['none']!['code']).toBe('E_MACHINE');
    expect(out['none']!['message']).toMatch(/^the process to load submission .* could not start \(EMFILE: too many open files, .*\): this machine is out of file descriptors, not of the submission$/);
    expect(out['left']).toEqual([]);
    expect(out['killsOfNoProcess']).toBe(0);
  }, 180_000);
});
