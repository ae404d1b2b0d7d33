/**
 * `--search-space`: a submission's external-tuning trials drawn from another file, e.g.
 * an AlgoPerf-style list of fixed points (trial i runs point i). The plan made from it
 * holds the list's points in order and one search-space identity for every trial: the
 * list's, not search_space.json's, the same for the list written with other whitespace,
 * another for the points in another order (trial i runs point i); bad input is refused
 * with one line and exit 2 before any submission is imported.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandPlan } from '../../harness/benchmark/plan.ts';
import { resolveModulePath, searchSpaceFields } from '../../harness/submissions/load.ts';
import { getWorkload } from '../../workloads/registry.ts';
import { getTargets } from '../../workloads/targets.ts';
import { cleanupDirs, tempDir } from '../store/_fixtures.ts';
import { CLI_TEST_TIMEOUT_MS, cli, describeResult } from './cli_helpers.ts';

afterAll(cleanupDirs);

const dir = tempDir('algobench-search-space-');
const POINTS = [
  { lr: 0.1, momentum: 0.9, weight_decay: 1e-5, warmup_frac: 0.05 },
  { lr: 0.03, momentum: 0.9, weight_decay: 1e-6, warmup_frac: 0.02 },
];
const listPath = join(dir, 'points.json');
writeFileSync(listPath, `${JSON.stringify(POINTS, null, 2)}\n`);
/** The search-space identity that the plan gives the trials of sgd_momentum drawn from `file` (its own search_space.json without one). */
function spaceIdentity(file?: string): string {
  const modulePath = resolveModulePath('sgd_momentum');
  const planned = expandPlan(
    [{ workload: getWorkload('mnist_mlp'), targets: getTargets('mnist_mlp', 'base') }],
    [{ name: 'sgd_momentum', modulePath, ...searchSpaceFields(modulePath, file) }],
    { ruleset: 'external', studies: 1, trials: 2, seed: 3 },
  );
  const ids = new Set(planned.map((p) => p.code.searchSpaceHash));
  expect(ids.size).toBe(1);
  return [...ids][0]!;
}

function refused(r: Awaited<ReturnType<typeof cli>>, line: string): void {
  const info = describeResult(r);
  expect(r.status, info).toBe(2);
  expect(r.stdout, info).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, info).toHaveLength(1);
  expect(lines[0]).toBe(`algobench: ${line}`);
}

describe('a list of fixed points as the search space', () => {
  it('the plan gives trial i point i and keys every trial to the list file, not search_space.json', () => {
    const modulePath = resolveModulePath('sgd_momentum');
    const planned = expandPlan(
      [{ workload: getWorkload('mnist_mlp'), targets: getTargets('mnist_mlp', 'base') }],
      [{ name: 'sgd_momentum', modulePath, ...searchSpaceFields(modulePath, listPath) }],
      { ruleset: 'external', studies: 2, trials: 2, seed: 3 },
    );
    expect(planned.map((p) => [p.study, p.trial, p.hparams])).toEqual([[0, 0, POINTS[0]], [0, 1, POINTS[1]], [1, 0, POINTS[0]], [1, 1, POINTS[1]]]);
    expect(new Set(planned.map((p) => p.code.searchSpaceHash))).toEqual(new Set([spaceIdentity(listPath)]));
    expect(spaceIdentity(listPath)).not.toBe(spaceIdentity());
    const reformatted = join(dir, 'points_min.json');
    writeFileSync(reformatted, JSON.stringify(POINTS));
    expect(spaceIdentity(reformatted)).toBe(spaceIdentity(listPath));
    const reordered = join(dir, 'points_reordered.json');
    writeFileSync(reordered, JSON.stringify([...POINTS].reverse()));
    expect(spaceIdentity(reordered)).not.toBe(spaceIdentity(listPath));
  });

  it('algobench plan --search-space writes the points and the list\'s identity', async () => {
    const out = join(dir, 'plan.json');
    const r = await cli(['plan', '-w', 'mnist_mlp', '-s', 'sgd_momentum', '--search-space', listPath, '--trials', '2', '--backend', 'wasm', '--out', out]);
    expect(r.status, describeResult(r)).toBe(0);
    const plan = JSON.parse(readFileSync(out, 'utf8')) as { selection: { searchSpaces?: Record<string, string> }; trials: Array<{ hparams: unknown; code: { searchSpaceHash: string } }> };
    expect(plan.selection.searchSpaces).toEqual({ sgd_momentum: listPath });
    expect(plan.trials.map((t) => t.hparams)).toEqual(POINTS);
    expect(plan.trials.map((t) => t.code.searchSpaceHash)).toEqual([spaceIdentity(listPath), spaceIdentity(listPath)]);
  }, CLI_TEST_TIMEOUT_MS);
});

describe.concurrent('--search-space bad input: one line, exit 2', () => {
  it('a list holding a non-object', async () => {
    const bad = join(dir, 'not_object.json');
    writeFileSync(bad, JSON.stringify([POINTS[0], 3]));
    refused(await cli(['run', '-w', 'mnist_mlp', '-s', 'sgd_momentum', '--search-space', bad, '--db', join(dir, 'a.sqlite')]), `search space "${bad}": "[1]" must be an object of hyperparameter values`);
  }, CLI_TEST_TIMEOUT_MS);

  it('more trials than the list has points', async () => {
    refused(
      await cli(['run', '-w', 'mnist_mlp', '-s', 'sgd_momentum', '--search-space', listPath, '--trials', '3', '--db', join(dir, 'b.sqlite')]),
      `submission "sgd_momentum", search space ${listPath}: the search space is a list of 2 fixed points, fewer than the 3 trials asked for; pass --trials 2 or fewer, or add points to the list`,
    );
  }, CLI_TEST_TIMEOUT_MS);

  it('a file without a name when several submissions are given', async () => {
    refused(
      await cli(['run', '-w', 'mnist_mlp', '-s', 'sgd_momentum,nesterov', '--search-space', listPath, '--db', join(dir, 'c.sqlite')]),
      `--search-space "${listPath}" does not say which submission it is for; with several -s, write NAME=PATH with NAME one of: sgd_momentum, nesterov`,
    );
  }, CLI_TEST_TIMEOUT_MS);

  it('under the self-tuning ruleset', async () => {
    refused(
      await cli(['run', '-w', 'mnist_mlp', '-s', 'sgd_momentum', '--search-space', listPath, '--ruleset', 'self', '--db', join(dir, 'd.sqlite')]),
      '--search-space gives external-tuning trials their hyperparameters; under --ruleset self none are drawn: drop it or run with --ruleset external',
    );
  }, CLI_TEST_TIMEOUT_MS);
});
