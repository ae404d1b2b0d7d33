/**
 * A trial process that cannot start must fail that trial, not the run. When spawn fails
 * (here for real: the run's process is out of file descriptors, as a run with many
 * open stores or a low `ulimit -n` can be) Node emits 'error' and never 'exit', and the
 * child has no IPC channel at all. An inspection then threw `child.send is not a
 * function` out of the run; a trial would have waited for an 'exit' that never comes.
 *
 * The run's side is a process of its own with `ulimit -n 256`: it inspects a submission
 * once (so every module it needs is loaded), takes every free descriptor but two (too
 * few for the child's pipes and channel), inspects and runs a trial, gives the
 * descriptors back and inspects again. The trial's training-split folder must be gone.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const href = (path: string) => new URL(path, import.meta.url).href;
const HONEST = fileURLToPath(new URL('../fixtures/submissions/one_trial_per_process/submission.ts', import.meta.url));

const SCRIPT = `
  const { inspectSubmission, runTrialIsolated } = await import(${JSON.stringify(href('../../harness/runner/isolated/run_isolated.ts'))});
  const { getWorkload } = await import(${JSON.stringify(href('../../workloads/registry.ts'))});
  const { trialDataDirsLeft } = await import(${JSON.stringify(href('../../harness/runner/isolated/train_file.ts'))});
  const fs = await import('node:fs');
  const workload = getWorkload('mnist_mlp');
  await workload.load();
  const first = await inspectSubmission(${JSON.stringify(HONEST)}, 'wasm');
  const held = [];
  try { for (;;) held.push(fs.openSync('/dev/null', 'r')); } catch {}
  fs.closeSync(held.pop());
  fs.closeSync(held.pop());
  const hung = setTimeout(() => { console.log(JSON.stringify({ hung: true })); process.exit(3); }, 60_000);
  const inspected = await inspectSubmission(${JSON.stringify(HONEST)}, 'wasm', 30);
  const trial = await runTrialIsolated({ workload, targets: { validation: 0, test: 0 }, modulePath: ${JSON.stringify(HONEST)}, hparams: { lr: 0.05 }, seed: 1, budgetScale: 0.05, backend: 'wasm' });
  for (const fd of held) fs.closeSync(fd);
  clearTimeout(hung);
  const again = await inspectSubmission(${JSON.stringify(HONEST)}, 'wasm');
  console.log(JSON.stringify({ held: held.length, first, inspected, trial: { status: trial.status, error: trial.error }, left: trialDataDirsLeft(), again }));
`;

describe('a trial process that cannot start', () => {
  it('fails its inspection and its trial with the reason, and the run goes on', () => {
    const run = spawnSync('bash', ['-c', 'ulimit -n 256 && exec "$0" --import tsx --input-type=module -e "$1"', process.execPath, SCRIPT], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    const last = run.stdout.trim().split('\n').at(-1) ?? '';
    expect(run.status, `exit ${run.status}: ${run.stderr.slice(-600)}`).toBe(0);
    const out = JSON.parse(last) as Record<string, Record<string, unknown>>;
    expect(out['first']).toEqual({ name: 'one_trial_per_process', problems: [] });
    expect(out['inspected']!['status']).toBe('crashed');
    expect(out['inspected']!['failed']).toMatch(/^its process could not run: spawn .*EMFILE/);
    expect(out['trial']!['status']).toBe('crashed');
    expect(out['trial']!['error']).toMatch(/^the trial process could not run: spawn .*EMFILE/);
    // The trial's training-split folder went with it.
    expect(out['left']).toEqual([]);
    expect(out['again']).toEqual({ name: 'one_trial_per_process', problems: [] });
  }, 150_000);
});
