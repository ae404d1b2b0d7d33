/** `algobench validate`: each rule rejects its fixture with the line to fix; good modules pass. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { blankComments, checkSource } from '../../harness/validate/rules.ts';
import { validateSubmission } from '../../harness/validate/validate.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/validate/${name}/submission.ts`, import.meta.url));

describe('validate rules (static)', () => {
  it('flags forbidden imports with their line', () => {
    const src = "import x from 'a';\nimport { readFileSync } from 'node:fs';\nconst cp = require('child_process');\nimport('net');";
    const lines = checkSource('m.ts', src).map((f) => f.line);
    expect(lines).toEqual([2, 3, 4]);
  });

  it('flags workload internals, the store and harness internals but not the contract or kit', () => {
    const src = [
      "import { loadMnist } from '../../workloads/mnist/data.ts';",
      "import { Store } from '../../harness/store/store.ts';",
      "import { runTrial } from '../../harness/runner/trial.ts';",
      "import type { Submission } from '../../harness/spec.ts';",
      "import { adamw } from '../kit/index.ts';",
    ].join('\n');
    expect(checkSource('m.ts', src).map((f) => f.line)).toEqual([1, 2, 3]);
  });

  it('flags branching on the workload and ignores comments', () => {
    const src = "// if (workload.name === 'mnist_mlp') in a comment is fine\nif (ctx.workload.name === 'x') {}\nconst lr = { mnist_mlp: 1 }['mnist_mlp'];";
    expect(checkSource('m.ts', src).map((f) => f.line)).toEqual([2, 3]);
    expect(blankComments('a // b\nc').split('\n')).toHaveLength(2);
  });
});

describe('validateSubmission', () => {
  it('passes a shipped baseline, dry run included', async () => {
    const report = await validateSubmission('adamw', { backend: 'wasm', steps: 6 });
    expect(report.findings).toEqual([]);
    expect(report.passed.some((p) => p.startsWith('dry run:'))).toBe(true);
  });

  it('rejects a module that imports fs, naming the line', async () => {
    const report = await validateSubmission(fixture('imports_fs'), { backend: 'wasm' });
    expect(report.findings.map((f) => [f.line, f.problem.split(':')[0]])).toContainEqual([2, 'imports "node']);
    // Run in its sandbox, the read itself is refused.
    expect(report.findings.map((f) => f.problem)).toContainEqual(expect.stringMatching(/^in its sandboxed process, the watchdog ended its trial as forbidden/));
  });

  it('rejects a module without update()', async () => {
    const report = await validateSubmission(fixture('no_update'), { backend: 'wasm' });
    expect(report.findings.map((f) => f.problem)).toContainEqual(expect.stringContaining('no update() function'));
    expect(report.findings[0]!.line).toBe(2);
  });

  it('rejects a malformed search space', async () => {
    const report = await validateSubmission(fixture('bad_space'), { backend: 'wasm' });
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]!.file).toMatch(/search_space\.json$/);
    expect(report.findings[0]!.problem).toMatch(/lr/);
  });

  it('rejects branching on workload identity', async () => {
    const report = await validateSubmission(fixture('branches_on_workload'), { backend: 'wasm' });
    expect(report.findings.map((f) => f.line)).toEqual([7]);
  });

  it('exits non-zero from the CLI with one FAIL line per finding: the source rule, and what the sandbox saw', () => {
    const out = spawnSync('node', ['bin/algobench.js', 'validate', fixture('imports_fs'), '--backend', 'wasm'], { cwd: ROOT, encoding: 'utf8' });
    expect(out.status).toBe(2);
    expect(out.stdout.split('\n').filter((l) => l.startsWith('FAIL'))).toHaveLength(2);
    expect(out.stdout).toMatch(/imports_fs\/submission\.ts:2: imports "node:fs"/);
    expect(out.stdout).toMatch(/watchdog ended its trial as forbidden: the submission tried to read "\/dev\/null"/);
  }, 180_000);
});
