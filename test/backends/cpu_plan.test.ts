/**
 * The CPU plan (harness/backends/cpu_plan.ts): the harness on a CPU of its own, each
 * trial's main thread on the others. The plan's arithmetic, the native pieces it stands
 * on (pinning one thread, kernels made serial without changing a bit), and a real `run`
 * seen from /proc while it trains: which CPUs each process's threads may use, and the
 * backend version the trial is stored under.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCpuList, parseCpuList, planTrialCpus } from '../../harness/backends/cpu_plan.ts';
import { NATIVE_ADDON_PATH } from '../../harness/backends/native/addon.ts';
import { childrenOf, commandLine } from '../_proc.ts';
import { CLI_TEST_TIMEOUT_MS, cli, describeResult, REPO_ROOT, tempDir } from '../cli/cli_helpers.ts';

/** A thread's allowed CPUs, as Linux lists them (proc(5): Cpus_allowed_list). */
function allowedList(statusPath: string): string | undefined {
  try {
    return /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync(statusPath, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** Every thread of a process: its id and its allowed CPUs. */
function threadsOf(pid: number): Array<{ tid: number; cpus: string }> {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((t) => {
      const cpus = allowedList(`/proc/${pid}/task/${t}/status`);
      return cpus === undefined ? [] : [{ tid: Number(t), cpus }];
    });
  } catch {
    return [];
  }
}

const hostCpus = allowedList('/proc/self/status');
const cpuCount = hostCpus === undefined ? 0 : hostCpus.split(',').reduce((n, part) => {
  const [lo, hi] = part.split('-').map(Number);
  return n + (hi === undefined ? 1 : hi - lo! + 1);
}, 0);
const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('the plan', () => {
  it('reads and writes CPU lists as taskset and /proc do', () => {
    expect(parseCpuList('0')).toEqual([0]);
    expect(parseCpuList('0-3')).toEqual([0, 1, 2, 3]);
    expect(parseCpuList('5,0-2')).toEqual([0, 1, 2, 5]);
    expect(parseCpuList(' 1 , 3 ')).toEqual([1, 3]);
    for (const bad of ['', 'a', '3-1', '1-', '-1', '1;2']) expect(parseCpuList(bad), bad).toBeUndefined();
    expect(formatCpuList([0, 1, 2, 5])).toBe('0-2,5');
    expect(formatCpuList([3])).toBe('3');
    expect(formatCpuList([0, 2, 3, 4, 7, 8])).toBe('0,2-4,7-8');
  });

  it('keeps the last CPU for the harness and gives a trial the rest, one kernel thread per CPU', () => {
    expect(planTrialCpus([0, 1], {})).toEqual({ trial: [0], harness: [1], all: [0, 1], trialThreads: 1 });
    expect(planTrialCpus([0, 1, 2, 3], {})).toEqual({ trial: [0, 1, 2], harness: [3], all: [0, 1, 2, 3], trialThreads: 3 });
    expect(planTrialCpus([2, 5, 6], { ALGOBENCH_TRIAL_CPUS: 'auto' })).toEqual({ trial: [2, 5], harness: [6], all: [2, 5, 6], trialThreads: 2 });
    // ALGOBENCH_THREADS still sets the trial's kernel threads, at most one per trial CPU.
    expect(planTrialCpus([0, 1, 2, 3], { ALGOBENCH_THREADS: '2' })?.trialThreads).toBe(2);
    expect(planTrialCpus([0, 1], { ALGOBENCH_THREADS: '2' })?.trialThreads).toBe(1);
  });

  it('has no plan on one CPU, where the CPUs are unknown, or when turned off', () => {
    expect(planTrialCpus([0], {})).toBeUndefined();
    expect(planTrialCpus(undefined, {})).toBeUndefined();
    expect(planTrialCpus([0, 1, 2, 3], { ALGOBENCH_TRIAL_CPUS: 'off' })).toBeUndefined();
  });

  it('takes a chosen CPU list for trials, the harness taking the rest, and refuses one that leaves it none or is not usable', () => {
    expect(planTrialCpus([0, 1, 2, 3], { ALGOBENCH_TRIAL_CPUS: '1-2' })).toEqual({ trial: [1, 2], harness: [0, 3], all: [0, 1, 2, 3], trialThreads: 2 });
    for (const bad of ['0-3', '4', '0-1,9', 'two']) {
      expect(() => planTrialCpus([0, 1, 2, 3], { ALGOBENCH_TRIAL_CPUS: bad }), bad).toThrow(/ALGOBENCH_TRIAL_CPUS=.* is not a CPU list .*within the CPUs this process may use \(0-3\).*leaves at least one for the harness/);
    }
  });
});

describe('native pieces', () => {
  it("runs every kernel on one thread while serial: a one-thread process's bits, where a split sum would differ", () => {
    // A thin product with a long inner dimension (the pool splits k across threads and
    // adds the parts) and one long row's sum (split across threads likewise).
    const script = (serial: boolean) => `
      const tf = await import('@tensorflow/tfjs');
      const { selectBackend } = await import(${JSON.stringify(new URL('../../harness/backends/select.ts', import.meta.url).href)});
      const { loadNativeAddon } = await import(${JSON.stringify(new URL('../../harness/backends/native/addon.ts', import.meta.url).href)});
      await selectBackend('wasm');
      const addon = loadNativeAddon();
      ${serial ? 'addon.serialKernels(true);' : ''}
      const a = tf.randomNormal([8, 4096], 0, 1, 'float32', 7);
      const b = tf.randomNormal([4096, 40], 0, 1, 'float32', 8);
      const c = tf.matMul(a, b);
      const s = tf.sum(tf.reshape(a, [1, -1]), 1);
      const bytes = Buffer.concat([Buffer.from(c.dataSync().buffer), Buffer.from(s.dataSync().buffer)]);
      console.log(JSON.stringify({ threads: addon.threads(), hash: (await import('node:crypto')).createHash('sha256').update(bytes).digest('hex') }));
    `;
    const run = (serial: boolean, threads: string) =>
      JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(serial)], { encoding: 'utf8', env: { ...process.env, ALGOBENCH_THREADS: threads } }).trim().split('\n').at(-1)!) as { threads: number; hash: string };
    const one = run(false, '1');
    const serial = run(true, '2');
    expect(one.threads).toBe(1);
    expect(serial.threads).toBe(1);
    expect(serial.hash).toBe(one.hash);
  }, 60_000);

  it.skipIf(cpuCount < 2)('pins the calling thread only, and refuses an empty or invalid set', () => {
    // In a process of its own: this test's worker keeps its CPUs.
    const first = parseCpuList(hostCpus!)![0]!;
    const script = `
      const addon = require(${JSON.stringify(NATIVE_ADDON_PATH)});
      const fs = require('node:fs');
      const list = (p) => /Cpus_allowed_list:\\s*(\\S+)/.exec(fs.readFileSync(p, 'utf8'))[1];
      const before = list('/proc/self/status');
      const pinned = addon.pinThread(new Float64Array([${first}]));
      const empty = addon.pinThread(new Float64Array([]));
      const invalid = addon.pinThread(new Float64Array([-1]));
      const others = fs.readdirSync('/proc/self/task').filter((t) => t !== String(process.pid)).map((t) => list('/proc/self/task/' + t + '/status'));
      console.log(JSON.stringify({ before, pinned, empty, invalid, main: list('/proc/self/task/' + process.pid + '/status'), others }));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim()) as { before: string; pinned: boolean; empty: boolean; invalid: boolean; main: string; others: string[] };
    expect(out.pinned).toBe(true);
    expect(out.main).toBe(String(first));
    expect(out.empty).toBe(false);
    expect(out.invalid).toBe(false);
    // Node's own threads, started before, keep every CPU.
    expect(out.others.length).toBeGreaterThan(0);
    for (const cpus of out.others) expect(cpus).toBe(out.before);
  });
});

describe.skipIf(cpuCount < 2 || !hasTaskset)('a run under the plan', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('algobench-cpus-');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("pins the harness to the last CPU, each trial's main thread to the others (its helper threads with the harness), and stores the plan in the backend version", async () => {
    const all = parseCpuList(hostCpus!)!;
    const harness = String(all.at(-1));
    const trial = formatCpuList(all.slice(0, -1));
    const db = join(dir, 'r.sqlite');
    const child = spawn('node', ['bin/algobench.js', 'run', '-w', 'mnist_mlp', '-s', 'adamw', '--budget-scale', '0.2', '--backend', 'wasm', '--db', db], {
      cwd: REPO_ROOT,
      env: { ...process.env, CI: 'true', ALGOBENCH_TRIAL_CPUS: 'auto' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Watch the process tree until the trial's process has been seen training.
    const seen = { harness: new Set<string>(), trialMain: new Set<string>(), trialOthers: new Set<string>() };
    let done = false;
    void exited.then(() => (done = true));
    while (!done) {
      const descendants = (pid: number): number[] => childrenOf(pid).flatMap((c) => [c.pid, ...descendants(c.pid)]);
      const tree = [child.pid!, ...descendants(child.pid!)];
      const cli = child.pid!; // bin/algobench.js runs the CLI in its own process
      // The trial's node itself, not taskset or setpriv on their way to exec it.
      const trialProcess = tree.find((pid) => /(^|\/)node$/.test(commandLine(pid).split('\0')[0]!) && commandLine(pid).includes('--experimental-permission'));
      // The plan is entered before the command's action: from then on every thread of the harness is on its CPU.
      if (trialProcess !== undefined) for (const t of threadsOf(cli)) seen.harness.add(t.cpus);
      if (trialProcess !== undefined) {
        for (const t of threadsOf(trialProcess)) (t.tid === trialProcess ? seen.trialMain : seen.trialOthers).add(t.cpus);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    const status = await exited;
    expect(status, output).toBe(0);
    expect([...seen.harness], output).toEqual([harness]);
    // The main thread pins itself before the backend starts; before that it had the harness's CPU.
    expect([...seen.trialMain]).toContain(trial);
    expect([...seen.trialMain].every((c) => c === trial || c === harness)).toBe(true);
    // V8's helper threads, started before the pin, stay on the harness's CPU it inherited.
    expect([...seen.trialOthers]).toContain(harness);
    expect([...seen.trialOthers].every((c) => c === harness || c === trial)).toBe(true);

    const store = new Database(db, { readonly: true });
    const versions = store.prepare('SELECT DISTINCT backend_version FROM trials').all() as Array<{ backend_version: string }>;
    store.close();
    expect(versions.map((v) => v.backend_version), describeResult({ status, signal: null, stdout: output, stderr: '', timedOut: false, error: undefined })).toEqual([
      expect.stringMatching(new RegExp(`\\+pinned-${all.length - 1}of${all.length}$`)),
    ]);
  }, CLI_TEST_TIMEOUT_MS);

  it('has no plan without the native addon, which a trial pins its thread with (it would train on the harness CPU)', async () => {
    const db = join(dir, 'plain.sqlite');
    const result = await cli(['run', '-w', 'spam_bow', '-s', 'adamw', '--budget-scale', '0.05', '--backend', 'wasm', '--db', db], { env: { ALGOBENCH_TRIAL_CPUS: 'auto', ALGOBENCH_NATIVE: '0' } });
    expect(result.status, describeResult(result)).toBe(0);
    const store = new Database(db, { readonly: true });
    const versions = store.prepare('SELECT DISTINCT backend_version FROM trials').all() as Array<{ backend_version: string }>;
    store.close();
    expect(versions).toHaveLength(1);
    expect(versions[0]!.backend_version).not.toMatch(/pinned/);
  }, CLI_TEST_TIMEOUT_MS);
});
