/**
 * What a user sees when they get something wrong: every mistake exits non-zero with
 * exactly one line on stderr that names the problem, and leaves no results database
 * behind (bad input is checked before the store is opened). A corrupt or unwritable
 * store is refused the same way and a corrupt file is left untouched. Last, a valid
 * submission written outside the repository runs when passed by path.
 *
 * The checks are independent, so they run side by side (each in its own temp dir).
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, it, type ExpectStatic } from 'vitest';
import {
  CLI_TEST_TIMEOUT_MS,
  REPO_ROOT,
  cli,
  type CliResult,
  describeResult,
  existingDbFiles,
  tempDir,
} from './cli_helpers.ts';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'submissions');

const dirs: string[] = [];
function freshDir(): string {
  const dir = tempDir('algobench-bad-');
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The smallest run there is, on a fresh --db; `overrides` replace -w/-s/other flags. */
function runArgs(db: string, overrides: { workload?: string; submission?: string; extra?: string[] } = {}): string[] {
  return [
    'run',
    '-w', overrides.workload ?? 'mnist_mlp',
    '-s', overrides.submission ?? 'adamw',
    '--budget-scale', '0.05',
    '--backend', 'wasm',
    '--db', db,
    ...(overrides.extra ?? []),
  ];
}

/** Exit non-zero (not killed, not hung), and stderr is exactly one line naming the problem. */
function expectOneLineFailure(expect: ExpectStatic, r: CliResult, ...phrases: string[]): void {
  const info = describeResult(r);
  expect(r.timedOut, `the process hung and was killed\n${info}`).toBe(false);
  expect(r.signal, info).toBeNull();
  expect(r.status, info).not.toBe(0);
  expect(r.status, info).not.toBeNull();
  const stderrLines = r.stderr.replace(/\n$/, '').split('\n');
  expect(stderrLines, `stderr must be exactly one line\n${info}`).toHaveLength(1);
  const line = stderrLines[0]!;
  expect(line).toMatch(/^algobench: /);
  for (const phrase of phrases) expect(line).toContain(phrase);
}

function expectNoDatabase(expect: ExpectStatic, db: string): void {
  expect(existingDbFiles(db), `no database file may be left behind at ${db}`).toEqual([]);
}

/**
 * A researcher's submission in a folder of its own outside the repository, importing
 * the kit by absolute path (docs/submitting.md, section 6). With `esmPackage`, a
 * package.json marks the folder as ES modules, as the docs say to do.
 */
function writeOutsideSubmission(dir: string, options: { esmPackage: boolean }): string {
  const subDir = join(dir, 'my_submission');
  mkdirSync(subDir);
  const kit = join(REPO_ROOT, 'submissions', 'kit', 'index.ts');
  const module = join(subDir, 'submission.ts');
  writeFileSync(
    module,
    [
      "// A researcher's submission outside the algobench repository; the kit by absolute path.",
      `import { defineSubmission, num, sgd } from ${JSON.stringify(kit)};`,
      '',
      'export default defineSubmission({',
      "  name: 'outside_sgd',",
      '  batchSize: 64,',
      "  optimizer: (h) => sgd({ lr: num(h, 'lr'), momentum: 0.9 }),",
      '});',
      '',
    ].join('\n'),
  );
  writeFileSync(join(subDir, 'search_space.json'), JSON.stringify([{ lr: 0.05 }]));
  if (options.esmPackage) writeFileSync(join(subDir, 'package.json'), JSON.stringify({ type: 'module' }));
  return module;
}

describe.concurrent('bad input is refused before the store is opened', () => {
  it('unknown workload', async ({ expect }) => {
    const db = join(freshDir(), 'a.sqlite');
    const r = await cli(runArgs(db, { workload: 'nope' }));
    expectOneLineFailure(expect, r, 'unknown workload "nope"');
    expectNoDatabase(expect, db);
  }, CLI_TEST_TIMEOUT_MS);

  it('unknown variant (mnist_mlp:nope)', async ({ expect }) => {
    const db = join(freshDir(), 'a.sqlite');
    const r = await cli(runArgs(db, { workload: 'mnist_mlp:nope' }));
    expectOneLineFailure(expect, r, 'no variant "nope"');
    expectNoDatabase(expect, db);
  }, CLI_TEST_TIMEOUT_MS);

  it('unknown submission name', async ({ expect }) => {
    const db = join(freshDir(), 'a.sqlite');
    const r = await cli(runArgs(db, { submission: 'no_such_submission' }));
    expectOneLineFailure(expect, r, 'unknown submission "no_such_submission"');
    expectNoDatabase(expect, db);
  }, CLI_TEST_TIMEOUT_MS);

  it('a submission module without update() (passed by path)', async ({ expect }) => {
    const db = join(freshDir(), 'a.sqlite');
    const r = await cli(runArgs(db, { submission: join(FIXTURES, 'no_update', 'submission.ts') }));
    expectOneLineFailure(expect, r, 'no update() function');
    expectNoDatabase(expect, db);
  }, CLI_TEST_TIMEOUT_MS);

  it('a search space with min > max', async ({ expect }) => {
    const db = join(freshDir(), 'a.sqlite');
    const r = await cli(runArgs(db, { submission: join(FIXTURES, 'bad_search_space_range', 'submission.ts') }));
    expectOneLineFailure(expect, r, 'search space', 'search_space.json', '"lr.min" must be < "lr.max"');
    expectNoDatabase(expect, db);
  }, CLI_TEST_TIMEOUT_MS);

  it('a search space that is not valid JSON', async ({ expect }) => {
    const db = join(freshDir(), 'a.sqlite');
    const r = await cli(runArgs(db, { submission: join(FIXTURES, 'bad_search_space_json') }));
    expectOneLineFailure(expect, r, 'search space', 'search_space.json', 'invalid JSON');
    expectNoDatabase(expect, db);
  }, CLI_TEST_TIMEOUT_MS);

  it('a .ts submission outside an ES-module package (no package.json beside it)', async ({ expect }) => {
    const dir = freshDir();
    const db = join(dir, 'a.sqlite');
    const r = await cli(runArgs(db, { submission: writeOutsideSubmission(dir, { esmPackage: false }) }));
    expectOneLineFailure(expect, r, 'submission.ts', 'package.json', '.mts');
    expectNoDatabase(expect, db);
  }, CLI_TEST_TIMEOUT_MS);

  it('--backend gpu', async ({ expect }) => {
    const db = join(freshDir(), 'a.sqlite');
    const args = runArgs(db);
    args[args.indexOf('wasm')] = 'gpu';
    const r = await cli(args);
    expectOneLineFailure(expect, r, 'unknown backend "gpu"');
    expectNoDatabase(expect, db);
  }, CLI_TEST_TIMEOUT_MS);

  it('--trials 0', async ({ expect }) => {
    const db = join(freshDir(), 'a.sqlite');
    const r = await cli(runArgs(db, { extra: ['--trials', '0'] }));
    expectOneLineFailure(expect, r, '--trials must be a positive integer');
    expectNoDatabase(expect, db);
  }, CLI_TEST_TIMEOUT_MS);

  it('--trials 3 under --ruleset self (one run per study: best of 3 would reward seed luck)', async ({ expect }) => {
    const db = join(freshDir(), 'a.sqlite');
    const r = await cli(runArgs(db, { extra: ['--ruleset', 'self', '--trials', '3'] }));
    expectOneLineFailure(expect, r, '--trials 3 has no meaning under --ruleset self (one run per study)', '--studies');
    expectNoDatabase(expect, db);
  }, CLI_TEST_TIMEOUT_MS);

  it('score --times with a missing file', async ({ expect }) => {
    const dir = freshDir();
    const db = join(dir, 'a.sqlite');
    const r = await cli(['score', '--db', db, '--times', join(dir, 'missing.json')]);
    expectOneLineFailure(expect, r, 'cannot read times file', 'missing.json');
    expectNoDatabase(expect, db);
  }, CLI_TEST_TIMEOUT_MS);

  it('score --times with a malformed table (studies of different lengths)', async ({ expect }) => {
    const dir = freshDir();
    const db = join(dir, 'a.sqlite');
    const times = join(dir, 'times.json');
    writeFileSync(times, JSON.stringify({ submissions: { a: { w: [[1, 2], [3]] } } }));
    const r = await cli(['score', '--db', db, '--times', times]);
    expectOneLineFailure(expect, r, 'times file', '"submissions.a.w[1]" has 1 trials');
    expectNoDatabase(expect, db);
  }, CLI_TEST_TIMEOUT_MS);

  it('score --times with a file that is not JSON', async ({ expect }) => {
    const dir = freshDir();
    const db = join(dir, 'a.sqlite');
    const times = join(dir, 'times.json');
    writeFileSync(times, '{"submissions": ');
    const r = await cli(['score', '--db', db, '--times', times]);
    expectOneLineFailure(expect, r, 'cannot read times file', 'times.json');
    expectNoDatabase(expect, db);
  }, CLI_TEST_TIMEOUT_MS);
});

/**
 * Deterministic "random" bytes (a 32-bit LCG): the same corrupt file on every run.
 * Its first bytes are not SQLite's header ("SQLite format 3\0").
 */
function noiseBytes(n: number, seed = 12345): Buffer {
  const out = Buffer.alloc(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe.concurrent('store problems are refused with one line', () => {
  // Store problems are found before any work (Store.assertUsable), so tfjs's console
  // banner must not precede the error line either.
  it('a --db file that is not SQLite: exit non-zero, one line, the file unchanged byte for byte', async ({ expect }) => {
    const dir = freshDir();
    const db = join(dir, 'corrupt.sqlite');
    const bytes = noiseBytes(4096);
    expect(bytes.subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\0');
    writeFileSync(db, bytes);
    const r = await cli(runArgs(db));
    expect(Buffer.compare(readFileSync(db), bytes), 'the corrupt file must be left as it was').toBe(0);
    expect(existingDbFiles(db), 'no WAL or shared-memory file may be created beside it').toEqual([db]);
    expect(readdirSync(dir)).toEqual(['corrupt.sqlite']);
    expectOneLineFailure(expect, r, 'corrupt.sqlite', 'not a usable algobench database');
  }, CLI_TEST_TIMEOUT_MS);

  it('a --db path under a regular file', async ({ expect }) => {
    const dir = freshDir();
    const file = join(dir, 'file.txt');
    writeFileSync(file, 'not a directory\n');
    const db = join(file, 'x.sqlite');
    const r = await cli(runArgs(db));
    expect(statSync(file).isFile()).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe('not a directory\n');
    expectOneLineFailure(expect, r, 'results database', 'file.txt/x.sqlite');
  }, CLI_TEST_TIMEOUT_MS);

  // Regression: Node's recursive mkdir spins forever under /proc (procfs answers
  // ENOENT to mkdir), which once hung `run` here with no output at all. The hang
  // guard kills the process after 90 s; a refusal takes a few seconds.
  it('an unwritable --db path (/proc/algobench/x.sqlite) is refused, not hung', async ({ expect }) => {
    const r = await cli(runArgs('/proc/algobench/x.sqlite'), { timeoutMs: 90_000 });
    expectOneLineFailure(expect, r, 'results database', '/proc/algobench/x.sqlite');
  }, CLI_TEST_TIMEOUT_MS);
});

describe('a submission outside the repository, passed by path', () => {
  it('runs (exit 0) and its trial is stored under its own name', async ({ expect }) => {
    const dir = freshDir();
    const module = writeOutsideSubmission(dir, { esmPackage: true });
    const db = join(dir, 'out.sqlite');
    const r = await cli(runArgs(db, { submission: module }));
    expect(r.status, describeResult(r)).toBe(0);
    expect(r.stdout).toMatch(/ran 1 trial\(s\), skipped 0/);

    const sqlite = new Database(db, { readonly: true, fileMustExist: true });
    try {
      const trials = sqlite.prepare('SELECT submission, status, hparams_json, error FROM trials').all() as Array<{
        submission: string;
        status: string;
        hparams_json: string;
        error: string | null;
      }>;
      expect(trials).toHaveLength(1);
      const t = trials[0]!;
      expect(t.submission).toBe('outside_sgd');
      expect(t.error).toBeNull();
      expect(['reached', 'budget_exhausted']).toContain(t.status);
      expect(JSON.parse(t.hparams_json)).toEqual({ lr: 0.05 });
    } finally {
      sqlite.close();
    }
  }, CLI_TEST_TIMEOUT_MS);
});
