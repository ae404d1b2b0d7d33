/**
 * Content hashes that tie a trial to its code: a submission with the local files it
 * imports (relative paths, and the kit through `algobench/kit`), not the harness.
 * Expected hashes are computed here with node:crypto from the rule in code_hash.ts's
 * doc comment (path relative to the entry's folder, NUL, bytes, NUL, files sorted).
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { localImportClosure } from '../../harness/core/import_closure.ts';
import { jsonHash, sourceHash } from '../../harness/identity/code_hash.ts';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function project(files: Record<string, string>): string {
  dir = mkdtempSync(join(tmpdir(), 'algobench-hash-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('sourceHash', () => {
  it('hashes the entry and the local files it imports, by relative path and bytes', () => {
    const root = project({
      'sub/submission.ts': "import { lr } from './lib/rate.ts';\nexport default lr;\n",
      'sub/lib/rate.ts': "export { lr } from './value.js';\n",
      'sub/lib/value.ts': 'export const lr = 1;\n',
      'sub/unused.ts': 'export const x = 2;\n',
    });
    const entry = join(root, 'sub/submission.ts');
    expect(localImportClosure(entry).map((f) => f.slice(root.length + 1))).toEqual(['sub/lib/rate.ts', 'sub/lib/value.ts', 'sub/submission.ts']);
    const h = createHash('sha256');
    for (const [rel, text] of [
      ['lib/rate.ts', "export { lr } from './value.js';\n"],
      ['lib/value.ts', 'export const lr = 1;\n'],
      ['submission.ts', "import { lr } from './lib/rate.ts';\nexport default lr;\n"],
    ] as const) h.update(rel).update('\0').update(text).update('\0');
    expect(sourceHash(entry)).toBe(h.digest('hex'));
  });

  it('changes when a file two imports away changes, not when an unimported one does', () => {
    const root = project({
      'sub/submission.ts': "import './lib/a.ts';\n",
      'sub/lib/a.ts': "import './b.ts';\n",
      'sub/lib/b.ts': 'export const b = 1;\n',
      'sub/other.ts': 'export const o = 1;\n',
    });
    const entry = join(root, 'sub/submission.ts');
    const before = sourceHash(entry);
    writeFileSync(join(root, 'sub/other.ts'), 'export const o = 2;\n');
    expect(sourceHash(entry)).toBe(before);
    writeFileSync(join(root, 'sub/lib/b.ts'), 'export const b = 2;\n');
    expect(sourceHash(entry)).not.toBe(before);
  });

  it('is the same for the same sources in another folder', () => {
    const root = project({ 'a/submission.ts': "import './x.ts';\n", 'a/x.ts': 'export {};\n' });
    cpSync(join(root, 'a'), join(root, 'b'), { recursive: true });
    expect(sourceHash(join(root, 'b/submission.ts'))).toBe(sourceHash(join(root, 'a/submission.ts')));
  });

  it('follows algobench/kit into the kit, and stops at the harness', () => {
    const root = project({ 'submission.ts': "import { adamw } from 'algobench/kit';\nimport type { Hparams } from 'algobench/spec';\n" });
    const files = localImportClosure(join(root, 'submission.ts'));
    expect(files.some((f) => f.endsWith(join('submissions', 'kit', 'index.ts')))).toBe(true);
    expect(files.some((f) => f.includes(`${join('harness', '')}`))).toBe(false);
  });
});

describe('jsonHash', () => {
  it('does not depend on key order', () => {
    expect(jsonHash({ a: 1, b: { c: 2, d: [1, 2] } })).toBe(jsonHash({ b: { d: [1, 2], c: 2 }, a: 1 }));
    expect(jsonHash({ a: 1 })).not.toBe(jsonHash({ a: 2 }));
  });
});
