/**
 * A kit file copied into a submission's own folder still passes `validate`: kit files
 * import only the contract (harness/spec.ts), TensorFlow.js and each other, never
 * harness internals (the source rules reject those, and the trial's sandbox is built
 * for the submission's folder, the kit and the contract). The two files that used to
 * reach into the harness are the ones copied: the Adam transform (once the fused
 * kernel's home) and the selectors' seeded orders (once harness/rng.ts).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateSubmission } from '../../harness/validate/validate.ts';
import { REPO_ROOT } from '../cli/cli_helpers.ts';
import { copyKitFiles, VENDORED_FILES, writeVendoringSubmission } from './_copy_kit_file.ts';

let dir: string;
let modulePath: string;

beforeAll(() => {
  // Inside the checkout (scratch/ is git-ignored), so that the copies' own
  // `@tensorflow/tfjs` import finds the checkout's copy, the one the harness uses.
  mkdirSync(join(REPO_ROOT, 'scratch'), { recursive: true });
  dir = mkdtempSync(join(REPO_ROOT, 'scratch', 'kit-copy-'));
  copyKitFiles(dir, VENDORED_FILES);
  modulePath = writeVendoringSubmission(dir);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kit files copied into a submission folder', () => {
  it('import nothing of the harness but the contract', () => {
    for (const file of ['adam.ts', '_orders.ts', 'shuffle_each_epoch.ts']) {
      const imports = [...readFileSync(join(dir, file), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
      expect(imports.filter((s) => /harness\//.test(s) && !/harness\/spec\.ts$/.test(s)), file).toEqual([]);
    }
    // The copies are what the submission uses, not the kit's originals.
    expect(readFileSync(modulePath, 'utf8')).toMatch(/from '\.\/adam\.ts'/);
    expect(readFileSync(join(dir, 'shuffle_each_epoch.ts'), 'utf8')).toMatch(/from '\.\/_orders\.ts'/);
  });

  it('pass validate: source rules, the sandboxed trial, hyperparameter reads, name-blind check and dry run', async () => {
    const report = await validateSubmission(modulePath, { backend: 'wasm', steps: 6 });
    expect(report.findings).toEqual([]);
    expect(report.passed.some((p) => p.startsWith('rules:'))).toBe(true);
    expect(report.passed.some((p) => p.startsWith('isolation: a '))).toBe(true);
    expect(report.passed.some((p) => p.startsWith('dry run:'))).toBe(true);
  }, 180_000);
});
