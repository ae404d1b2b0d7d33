/**
 * Commands that need no TensorFlow.js do not load it: loading it (the union package,
 * the wasm backend, algobench's kernels) is over a second of CPU at every start of
 * `score`, `merge`, `export`, `slurm`, `k8s`, `saver-replay` and `new-submission`
 * (main.ts's WITHOUT_TFJS). A probe loaded with `node --import` reports at exit
 * whether tfjs-core was loaded; `list`, which reads the workloads' models, is the
 * control that shows the probe sees a load.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, it, type ExpectStatic, type TestContext } from 'vitest';
import { standardStore } from '../leaderboard/store_fixture.ts';
import { CLI_TEST_TIMEOUT_MS, REPO_ROOT, cli, describeResult, tempDir } from './cli_helpers.ts';

const PROBE = ['--import', join(REPO_ROOT, 'test', 'fixtures', 'tfjs_probe.mjs')];
const fixture = standardStore();
fixture.store.close();
const dir = tempDir('algobench-startup-');

afterAll(() => {
  fixture.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the command under the probe; the probe's verdict, after checking that the command ran (exited, was not killed). */
async function loadsTfjs(args: readonly string[], expectSuccess: boolean, expect: ExpectStatic): Promise<boolean> {
  const r = await cli(args, { nodeArgs: PROBE });
  const info = describeResult(r);
  expect(r.timedOut, info).toBe(false);
  expect(r.signal, info).toBeNull();
  if (expectSuccess) expect(r.status, info).toBe(0);
  const verdict = /tfjs-probe: loaded=(true|false)\n$/.exec(r.stderr);
  expect(verdict, info).not.toBeNull();
  return verdict![1] === 'true';
}

describe.concurrent('start-up loads TensorFlow.js only for commands that use it', () => {
  const cases: Array<[string, string[], boolean]> = [
    ['score', ['score', '--db', fixture.path], true],
    ['export', ['export', '--db', fixture.path, '--out', join(dir, 'export')], true],
    ['saver-replay', ['saver-replay'], true],
    ['new-submission', ['new-submission', 'startup_probe', '--dir', dir], true],
    // Refused (the store is no shard of a plan; no plan file): the start-up still ran.
    ['merge', ['merge', join(dir, 'merged.sqlite'), fixture.path], false],
    ['slurm', ['slurm', '--plan', join(dir, 'no-plan.json'), '--out', join(dir, 'slurm')], false],
    ['k8s', ['k8s', '--plan', join(dir, 'no-plan.json'), '--image', 'algobench:test', '--out', join(dir, 'k8s.json')], false],
  ];
  it.for(cases)('%s does not load it', { timeout: CLI_TEST_TIMEOUT_MS }, async ([, args, expectSuccess]: [string, string[], boolean], { expect }: TestContext) => {
    expect(await loadsTfjs(args, expectSuccess, expect)).toBe(false);
  });

  it('list does (the control: the probe sees a load)', async ({ expect }) => {
    expect(await loadsTfjs(['list'], true, expect)).toBe(true);
  }, CLI_TEST_TIMEOUT_MS);
});
