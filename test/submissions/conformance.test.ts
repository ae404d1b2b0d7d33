/**
 * Every shipped baseline, and a submission fresh from the `new-submission` template,
 * held to the contract by one table: the folders under submissions/ that hold a
 * submission.ts (found on disk, so a new baseline is covered without touching this
 * file) plus the scaffold written into a temporary folder. For each:
 * - it loads and its export satisfies the contract (harness/spec.ts), its `name` is
 *   its folder's name, and validate's source rules pass on every file of the folder;
 * - its search_space.json parses, and a sampled point is read in full and nothing
 *   outside it is read (validate's probe on mnist_mlp);
 * - a short dry run through the trial runner on mnist_mlp trains: no error, finite
 *   training losses, and every parameter keeps its shape (the runner's contract check
 *   ends the trial as an error otherwise; the probe's parameters are checked too).
 * These reuse validate's in-process pieces, not one sandboxed process per baseline;
 * the scaffold also goes through the real `validate` path, sandboxed process included.
 * A contract breach planted in any one baseline (a wrong-shaped parameter, a
 * search-space key it never reads, a name that is not its folder's) fails its row.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../harness/backends/select.ts';
import type { Clock } from '../../harness/runner/clock.ts';
import { runTrial } from '../../harness/runner/trial.ts';
import type { Submission, Workload } from '../../harness/spec.ts';
import { contractProblems, importSubmissionModule, SUBMISSIONS_DIR, searchSpacePath } from '../../harness/submissions/load.ts';
import { scaffoldSubmission } from '../../harness/submissions/scaffold.ts';
import { loadSearchSpace, sampleHparams, type SearchSpace } from '../../harness/tuning/search_space.ts';
import { PROBE_STEPS, validateSubmission } from '../../harness/validate/validate.ts';
import { probe } from '../../harness/validate/probe.ts';
import { checkSource } from '../../harness/validate/rules.ts';
import { getWorkload } from '../../workloads/registry.ts';
import { getTargets } from '../../workloads/targets.ts';
import { REPO_ROOT } from '../cli/cli_helpers.ts';

const WORKLOAD = 'mnist_mlp';
const DRY_RUN_STEPS = 6;
const SCAFFOLD_NAME = 'fresh_from_template';

/** Every folder of submissions/ with a submission.ts, the kit aside. */
const SHIPPED = readdirSync(SUBMISSIONS_DIR, { withFileTypes: true })
  .filter((e) => e.isDirectory() && e.name !== 'kit' && existsSync(join(SUBMISSIONS_DIR, e.name, 'submission.ts')))
  .map((e) => ({ folder: e.name, modulePath: join(SUBMISSIONS_DIR, e.name, 'submission.ts') }))
  .sort((a, b) => a.folder.localeCompare(b.folder));

let scaffoldParent: string;
let workload: Workload;

beforeAll(async () => {
  // Inside the checkout (scratch/ is git-ignored): there `algobench/kit` resolves by
  // package.json's self-reference, which vitest's own module loader follows too; a
  // folder elsewhere is covered through real processes in package_import.test.ts.
  mkdirSync(join(REPO_ROOT, 'scratch'), { recursive: true });
  scaffoldParent = mkdtempSync(join(REPO_ROOT, 'scratch', 'conformance-'));
  scaffoldSubmission(SCAFFOLD_NAME, scaffoldParent);
  await selectBackend('wasm');
  workload = getWorkload(WORKLOAD);
  await workload.load();
}, 120_000);

afterAll(() => rmSync(scaffoldParent, { recursive: true, force: true }));

/** A clock that advances half a second per reading: the dry run's length is fixed in steps. */
function steppingClock(): Clock {
  let t = 0;
  return { now: () => (t += 0.5) };
}

const spaceKeys = (space: SearchSpace): string[] =>
  space.kind === 'ranges' ? space.params.map((p) => p.name) : Object.keys(space.points[0] ?? {});

const CASES = [
  ...SHIPPED.map((s) => ({ ...s, label: s.folder })),
  { folder: SCAFFOLD_NAME, label: `new-submission template (${SCAFFOLD_NAME})`, modulePath: '' },
];
const modulePathOf = (c: (typeof CASES)[number]) => c.modulePath || join(scaffoldParent, SCAFFOLD_NAME, 'submission.ts');

it('finds the shipped baselines on disk', () => {
  expect(SHIPPED.length).toBeGreaterThanOrEqual(12);
  expect(SHIPPED.map((s) => s.folder)).toEqual(expect.arrayContaining(['adamw', 'nadamw', 'shampoo', 'schedule_free_adamw']));
});

describe.each(CASES)('$label', (c) => {
  let submission: Submission;
  let space: SearchSpace;

  beforeAll(async () => {
    const candidate = await importSubmissionModule(modulePathOf(c));
    expect(contractProblems(candidate), 'contract problems of the export').toEqual([]);
    submission = candidate as Submission;
    space = loadSearchSpace(searchSpacePath(modulePathOf(c)));
  }, 60_000);

  it('satisfies the contract, is named after its folder, and keeps the source rules', () => {
    expect(typeof submission.getBatchSize).toBe('function');
    expect(submission.name, 'the submission name').toBe(c.folder);
    const dir = join(modulePathOf(c), '..');
    const sources = readdirSync(dir).filter((f) => /\.(ts|mts|js|mjs)$/.test(f));
    expect(sources).toContain('submission.ts');
    const findings = sources.flatMap((f) => checkSource(join(dir, f), readFileSync(join(dir, f), 'utf8')));
    expect(findings, 'validate rules').toEqual([]);
  });

  it('reads every key of a sampled search-space point and no other, and its probe trains', () => {
    const hparams = sampleHparams(space, { seed: 0, study: 0, count: 1 })[0]!;
    const keys = spaceKeys(space);
    expect(Object.keys(hparams).sort()).toEqual([...keys].sort());
    const run = probe(submission, workload, { hparams, spaceKeys: keys, seed: 0, steps: PROBE_STEPS });
    expect(run.error, 'probe error').toBeUndefined();
    expect([...run.unknownReads], 'hyperparameters read that the space lacks').toEqual([]);
    expect(keys.filter((k) => !run.reads.has(k)), 'search-space keys never read').toEqual([]);
    expect(run.stepsRun).toBe(PROBE_STEPS);
    expect(run.finite, 'finite parameters after the probe').toBe(true);
    for (const [name, values] of Object.entries(run.initial)) expect(run.final[name]?.length, `size of ${name}`).toBe(values.length);
    expect(Object.keys(run.final).sort()).toEqual(Object.keys(run.initial).sort());
    expect(Object.keys(run.final).some((n) => run.final[n]!.some((v, i) => v !== run.initial[n]![i])), 'the parameters moved').toBe(true);
  });

  it(`a ${DRY_RUN_STEPS}-step dry run through the trial runner trains with finite loss and well-formed params`, async () => {
    const hparams = sampleHparams(space, { seed: 0, study: 0, count: 1 })[0]!;
    const losses: number[] = [];
    const result = await runTrial(
      {
        workload,
        targets: getTargets(WORKLOAD, 'base'),
        submission,
        hparams,
        seed: 0,
        // Each step reads the clock twice, 0.5 s apart: the budget ends after DRY_RUN_STEPS.
        budgetScale: (DRY_RUN_STEPS * 0.5) / workload.budget.maxRuntimeSec,
      },
      { clock: steppingClock(), observer: { onEval: (e) => losses.push(e.trainLoss) } },
    );
    expect(result.error, 'trial error (a wrong-shaped parameter ends it here)').toBeUndefined();
    expect(['budget_exhausted', 'reached']).toContain(result.status);
    expect(result.steps).toBeGreaterThan(0);
    expect(losses.length).toBeGreaterThan(0);
    expect(losses.every(Number.isFinite), `training losses ${losses.join(', ')}`).toBe(true);
  }, 60_000);
});

describe('the new-submission template through the real validate path', () => {
  it('validates with no findings, sandboxed trial and dry run included', async () => {
    const report = await validateSubmission(join(scaffoldParent, SCAFFOLD_NAME, 'submission.ts'), { backend: 'wasm', steps: 6 });
    expect(report.findings).toEqual([]);
    expect(report.passed.some((p) => p.startsWith('isolation: a '))).toBe(true);
    expect(report.passed.some((p) => p.startsWith('dry run:'))).toBe(true);
  }, 180_000);
});
