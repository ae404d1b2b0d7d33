/**
 * Submissions import the kit and the contract by package name (`algobench/kit`,
 * `algobench/spec`) from anywhere: package.json's exports map, the resolve hook that
 * `algobench run` and `validate` register, the scaffold that writes such imports, and
 * the source rules that allow exactly these two names. The CLI tests scaffold into a
 * temporary folder outside the repository and drive real processes.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTRY_POINTS, entryPointPaths, isPublicEntryPoint, namesAlgobench } from '../../harness/core/package_entry_points.ts';
import { scaffoldSubmission } from '../../harness/submissions/scaffold.ts';
import { checkSource } from '../../harness/validate/rules.ts';
import { CLI_TEST_TIMEOUT_MS, REPO_ROOT, cli, describeResult, tempDir } from '../cli/cli_helpers.ts';

describe('the public entry points', () => {
  it('package.json "exports" maps exactly algobench/kit and algobench/spec (and package.json) to their files', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; exports: Record<string, string> };
    expect(pkg.name).toBe('algobench');
    const fromEntryPoints = Object.fromEntries(Object.entries(ENTRY_POINTS).map(([spec, file]) => [spec.replace(/^algobench/, '.'), `./${file}`]));
    expect(pkg.exports).toEqual({ ...fromEntryPoints, './package.json': './package.json' });
    for (const path of Object.values(entryPointPaths())) expect(existsSync(path), path).toBe(true);
  });

  it('tells the public names from other algobench specifiers', () => {
    expect(isPublicEntryPoint('algobench/kit')).toBe(true);
    expect(isPublicEntryPoint('algobench/spec')).toBe(true);
    expect(isPublicEntryPoint('algobench/kit/index.ts')).toBe(false);
    expect(isPublicEntryPoint('algobench')).toBe(false);
    expect(namesAlgobench('algobench')).toBe(true);
    expect(namesAlgobench('algobench/harness/core/rng.ts')).toBe(true);
    expect(namesAlgobench('algobench-extra')).toBe(false);
  });
});

describe('source rules and the package names', () => {
  it('accept algobench/kit and algobench/spec, static, type-only and dynamic', () => {
    const src = [
      "import { adamw, defineSubmission, num, tf } from 'algobench/kit';",
      "import type { Submission, UpdateContext } from 'algobench/spec';",
      "export { chain } from 'algobench/kit';",
      "const kit = await import('algobench/kit');",
    ].join('\n');
    expect(checkSource('m.ts', src)).toEqual([]);
  });

  it('still reject paths into the harness, the store, workloads and files, and any other algobench subpath', () => {
    const src = [
      "import { runTrial } from '../../algobench/harness/runner/trial.ts';",
      "import { runTrial } from '/home/me/algobench/harness/runner/trial.ts';",
      "import { Store } from 'algobench/harness/store/store.ts';",
      "import { createRng } from 'algobench/harness/core/rng.ts';",
      "import { loadMnist } from 'algobench/workloads/mnist/data.ts';",
      "import { adamw } from 'algobench/kit/optimizers/adam.ts';",
      "import * as all from 'algobench';",
      "import { readFileSync } from 'node:fs';",
      "import { adamw as ok } from 'algobench/kit';",
    ].join('\n');
    const findings = checkSource('m.ts', src);
    expect(findings.map((f) => f.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(findings[0]!.problem).toMatch(/harness internals/);
    expect(findings[2]!.problem).toMatch(/results store/);
    expect(findings[5]!.problem).toMatch(/not one of algobench's public entry points/);
    expect(findings[5]!.fix).toMatch(/algobench\/kit/);
  });
});

describe('new-submission writes package-name imports', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('algobench-scaffold-');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('outside the checkout: algobench/kit, an ES-module package.json and a tsconfig with paths to this kit', () => {
    const modulePath = scaffoldSubmission('my_opt', dir);
    expect(modulePath).toBe(join(dir, 'my_opt', 'submission.ts'));
    const source = readFileSync(modulePath, 'utf8');
    expect(source).toMatch(/^import \{[^}]*\bdefineSubmission\b[^}]*\} from 'algobench\/kit';$/m);
    expect(source).not.toMatch(/from '[./]/);
    expect(checkSource(modulePath, source)).toEqual([]);
    expect(JSON.parse(readFileSync(join(dir, 'my_opt', 'package.json'), 'utf8'))).toEqual({ type: 'module' });
    const tsconfig = readFileSync(join(dir, 'my_opt', 'tsconfig.json'), 'utf8');
    const json = JSON.parse(tsconfig.replace(/^\/\/.*$/gm, '')) as { compilerOptions: { paths: Record<string, string[]> } };
    expect(json.compilerOptions.paths).toEqual(Object.fromEntries(Object.entries(entryPointPaths()).map(([s, p]) => [s, [p]])));
    expect(readFileSync(join(dir, 'my_opt', 'README.md'), 'utf8')).toContain('npm install --ignore-scripts');
  });
});

describe('a submission outside the repository, importing by package name, through the CLI', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('algobench-pkg-import-');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('new-submission → validate → a tiny run: all exit 0', async () => {
    const made = await cli(['new-submission', 'my_opt', '--dir', dir]);
    expect(made.status, describeResult(made)).toBe(0);
    const modulePath = join(dir, 'my_opt', 'submission.ts');
    expect(made.stdout).toContain(`created ${modulePath}`);
    expect(readFileSync(modulePath, 'utf8')).toContain("from 'algobench/kit'");

    const valid = await cli(['validate', modulePath, '--backend', 'wasm']);
    expect(valid.status, describeResult(valid)).toBe(0);
    expect(valid.stdout).toMatch(/^ok {4}dry run:/m);
    expect(valid.stdout).toContain(`valid: ${modulePath}`);

    const db = join(dir, 'a.sqlite');
    const run = await cli(['run', '-w', 'mnist_mlp', '-s', modulePath, '--budget-scale', '0.02', '--backend', 'wasm', '--db', db]);
    expect(run.status, describeResult(run)).toBe(0);
    expect(run.stdout).toMatch(/ran 1 trial\(s\)/);
  }, 3 * CLI_TEST_TIMEOUT_MS);

  it('a hand-written update with tf from algobench/kit and types from algobench/spec validates (one TensorFlow.js engine)', async () => {
    const sub = join(dir, 'by_hand');
    mkdirSync(sub);
    writeFileSync(join(sub, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(join(sub, 'search_space.json'), '{ "lr": { "feasible_points": [0.1] } }\n');
    writeFileSync(
      join(sub, 'submission.ts'),
      `import { num, tf } from 'algobench/kit';
import type { Submission, TensorMap } from 'algobench/spec';

const plainSgd: Submission<Record<string, never>> = {
  name: 'plain_sgd_by_hand',
  getBatchSize: () => 64,
  init: () => ({}),
  update: (ctx) => {
    const { grads } = ctx.lossAndGrads();
    const lr = num(ctx.hparams, 'lr');
    const params: Record<string, tf.Tensor> = {};
    for (const [name, p] of Object.entries(ctx.params)) params[name] = tf.sub(p, tf.mul(grads[name]!, lr));
    return { params: params as TensorMap, state: ctx.state };
  },
};
export default plainSgd;
`,
    );
    const r = await cli(['validate', join(sub, 'submission.ts'), '--backend', 'wasm']);
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout).toMatch(/^ok {4}dry run:/m);
  }, CLI_TEST_TIMEOUT_MS);
});
