/**
 * Content hashes that tie a trial to its code: a submission with the local files it
 * imports (relative paths, and the kit through `algobench/kit`), not the harness.
 * Expected hashes are computed here with node:crypto from the rule in code_hash.ts's
 * doc comment (path relative to the entry's folder, NUL, bytes, NUL, files sorted).
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { localImportClosure } from '../../harness/core/import_closure.ts';
import { jsonHash, SUBMISSION_FOLDER_LIMIT, sourceHash, submissionHash } from '../../harness/identity/code_hash.ts';

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

/**
 * The rule of code_hash.ts's doc comment, computed here with node:crypto: each file's
 * name, NUL, bytes, NUL, in the order given (sorted names), then each package entry
 * (`package:name@version`), NUL.
 */
function ruleHash(files: ReadonlyArray<readonly [string, string]>, packages: readonly string[] = []): string {
  const h = createHash('sha256');
  for (const [name, text] of files) h.update(name).update('\0').update(text).update('\0');
  for (const p of packages) h.update(p).update('\0');
  return h.digest('hex');
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
    const files = [
      ['lib/rate.ts', "export { lr } from './value.js';\n"],
      ['lib/value.ts', 'export const lr = 1;\n'],
      ['submission.ts', "import { lr } from './lib/rate.ts';\nexport default lr;\n"],
    ] as const;
    expect(sourceHash(entry)).toBe(ruleHash(files));
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

describe('sourceHash and npm packages', () => {
  it('names each package imported by its installed version: an update of a data package is another workload', () => {
    const source = "import data from 'fakedata';\nimport { readFileSync } from 'node:fs';\nimport * as path from 'path';\nexport default data;\n";
    const root = project({ 'w/index.ts': source, 'node_modules/fakedata/package.json': '{"name": "fakedata", "version": "1.0.0"}' });
    // The file, then the one package (node:fs and path are built-ins, not packages), found up the tree from w/.
    const expected = (version: string) => ruleHash([['index.ts', source]], [`package:fakedata@${version}`]);
    const entry = join(root, 'w/index.ts');
    expect(sourceHash(entry)).toBe(expected('1.0.0'));
    writeFileSync(join(root, 'node_modules/fakedata/package.json'), '{"name": "fakedata", "version": "1.0.1"}');
    expect(sourceHash(entry)).toBe(expected('1.0.1'));
  });
});

describe('npm packages by the version the importing file resolves', () => {
  it('counts a package at each version its importers see, from their own folders', () => {
    const root = project({
      'sub/submission.ts': "import 'fakedata';\nimport '../lib/helper.ts';\n",
      'sub/node_modules/fakedata/package.json': '{"version": "1.0.0"}',
      'lib/helper.ts': "import 'fakedata';\n",
      'lib/node_modules/fakedata/package.json': '{"version": "2.0.0"}',
    });
    const entry = join(root, 'sub/submission.ts');
    const files = [['../lib/helper.ts', "import 'fakedata';\n"], ['submission.ts', "import 'fakedata';\nimport '../lib/helper.ts';\n"]] as const;
    expect(submissionHash(entry)).toBe(ruleHash(files, ['package:fakedata@1.0.0', 'package:fakedata@2.0.0']));
    const before = submissionHash(entry);
    writeFileSync(join(root, 'lib/node_modules/fakedata/package.json'), '{"version": "2.0.1"}');
    expect(submissionHash(entry)).not.toBe(before);
  });
});

describe('submissionHash: every file the trial can read', () => {
  const SUB = "import { adamw } from 'algobench/kit';\nimport { createRequire } from 'node:module';\nexport const extra = createRequire(import.meta.url)('./extra.cjs');\n";

  it('changes with a file of the folder that no import names (required, read or imported by a computed name), not with its docs, search spaces, point lists, node_modules, hidden files or what algobench writes', () => {
    const root = project({
      'sub/submission.ts': SUB,
      'sub/extra.cjs': 'module.exports = 1;\n',
      'sub/cfg/lr.json': '{"lr": 0.1}\n',
      'sub/README.md': '# notes\n',
      'sub/search_space.json': '{}\n',
      'sub/search_space_narrow.json': '{}\n',
      'sub/node_modules/x/index.js': 'module.exports = 1;\n',
      'sub/tuning_points.json': '[]\n',
      'sub/results/algobench.sqlite': 'store',
      'sub/store.sqlite-wal': 'wal',
      'sub/.hidden': 'x',
      'sub/report.html': '<p>',
    });
    const entry = join(root, 'sub/submission.ts');
    const before = submissionHash(entry);
    for (const [file, text] of [
      ['sub/README.md', '# other notes\n'],
      ['sub/search_space.json', '{"lr": {}}\n'],
      ['sub/search_space_narrow.json', '{"lr": {}}\n'],
      ['sub/node_modules/x/index.js', 'module.exports = 2;\n'],
      ['sub/tuning_points.json', '[{"lr": 1}]\n'],
      ['sub/results/algobench.sqlite', 'store, written by a run started here'],
      ['sub/store.sqlite-wal', 'more wal'],
      ['sub/.hidden', 'y'],
      ['sub/report.html', '<p>other'],
    ] as const) {
      writeFileSync(join(root, file), text);
      expect(submissionHash(entry), file).toBe(before);
    }
    writeFileSync(join(root, 'sub/extra.cjs'), 'module.exports = 2;\n');
    const required = submissionHash(entry);
    expect(required).not.toBe(before);
    writeFileSync(join(root, 'sub/cfg/lr.json'), '{"lr": 0.2}\n');
    expect(submissionHash(entry)).not.toBe(required);
  });

  it('is the folder\'s files by their path in it and the kit\'s by their path in algobench: the same at any depth or place', () => {
    const root = project({ 'a/sub/submission.ts': SUB, 'a/sub/extra.cjs': 'module.exports = 1;\n' });
    cpSync(join(root, 'a/sub'), join(root, 'deeper/still/sub'), { recursive: true });
    const shallow = submissionHash(join(root, 'a/sub/submission.ts'));
    expect(submissionHash(join(root, 'deeper/still/sub/submission.ts'))).toBe(shallow);
    // A link to a file counts by its target's bytes.
    writeFileSync(join(root, 'target.cjs'), 'module.exports = 1;\n');
    rmSync(join(root, 'a/sub/extra.cjs'));
    symlinkSync(join(root, 'target.cjs'), join(root, 'a/sub/extra.cjs'));
    expect(submissionHash(join(root, 'a/sub/submission.ts'))).toBe(shallow);
    writeFileSync(join(root, 'target.cjs'), 'module.exports = 3;\n');
    expect(submissionHash(join(root, 'a/sub/submission.ts'))).not.toBe(shallow);
  });

  it('hashes the folder\'s files and the kit files the submission imports, names and bytes, as its doc says', () => {
    const root = project({ 'sub/submission.ts': "import './lib.ts';\n", 'sub/lib.ts': 'export {};\n', 'sub/data.bin': 'xyz' });
    expect(submissionHash(join(root, 'sub/submission.ts'))).toBe(ruleHash([['data.bin', 'xyz'], ['lib.ts', 'export {};\n'], ['submission.ts', "import './lib.ts';\n"]]));
  });

  it('refuses a folder its trials could read too much of, with one line naming it and the fix', () => {
    const files: Record<string, string> = { 'crowd/submission.ts': 'export {};\n' };
    for (let i = 0; i < SUBMISSION_FOLDER_LIMIT.files; i++) files[`crowd/f${i}.txt`] = '';
    const root = project(files);
    expect(() => submissionHash(join(root, 'crowd/submission.ts'))).toThrow(
      expect.objectContaining({ code: 'E_USAGE', message: expect.stringMatching(/its folder .*crowd holds 2001 files .*put the submission in a folder of its own/) }),
    );
  });
});

describe('jsonHash', () => {
  it('does not depend on key order', () => {
    expect(jsonHash({ a: 1, b: { c: 2, d: [1, 2] } })).toBe(jsonHash({ b: { d: [1, 2], c: 2 }, a: 1 }));
    expect(jsonHash({ a: 1 })).not.toBe(jsonHash({ a: 2 }));
  });
});
