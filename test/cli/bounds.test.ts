/**
 * Every number a command takes has bounds (harness/benchmark/plan_bounds.ts): out of them, the
 * real CLI exits non-zero with exactly one line on stderr that names the flag, and
 * leaves nothing behind (no results database, no targets or JSON file). A grid too big
 * to plan is refused from its counts alone, before anything is generated: the
 * `--studies 100000 --trials 100000` that used to plan until Node ran out of heap now
 * ends at once with its message. Ctrl-C while `run` is still planning (here: while a
 * submission module is loading) ends the process with one line and code 130.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, it, type ExpectStatic } from 'vitest';
import { CLI_PROCESS_TIMEOUT_MS, CLI_TEST_TIMEOUT_MS, REPO_ROOT, cli, type CliResult, describeResult, existingDbFiles, tempDir } from './cli_helpers.ts';

const dirs: string[] = [];
function freshDir(): string {
  const dir = tempDir('algobench-bounds-');
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Exit non-zero (not killed, not hung), exactly one stderr line, containing every phrase. */
function expectOneLine(expect: ExpectStatic, r: CliResult, ...phrases: string[]): void {
  const info = describeResult(r);
  expect(r.timedOut, `the process hung and was killed\n${info}`).toBe(false);
  expect(r.signal, info).toBeNull();
  expect(r.status, info).not.toBeNull();
  expect(r.status, info).not.toBe(0);
  const lines = r.stderr.replace(/\n$/, '').split('\n');
  expect(lines, `stderr must be exactly one line\n${info}`).toHaveLength(1);
  expect(lines[0]).toMatch(/^algobench: /);
  for (const phrase of phrases) expect(lines[0], info).toContain(phrase);
}

/** `run` on a fresh --db with the given flags; the smallest run otherwise. */
async function run(expect: ExpectStatic, flags: string[], ...phrases: string[]): Promise<void> {
  const db = join(freshDir(), 'a.sqlite');
  const r = await cli(['run', '-w', 'mnist_mlp', '-s', 'adamw', '--backend', 'wasm', '--db', db, ...flags]);
  expectOneLine(expect, r, ...phrases);
  expect(existingDbFiles(db), 'no database may be created').toEqual([]);
}

describe.concurrent('run: every number is bounded, one line, no store', () => {
  const cases: Array<[string, string[], string[]]> = [
    ['--budget-scale Infinity', ['--budget-scale', 'Infinity'], ['--budget-scale', '"Infinity"', '≤ 10']],
    ['--budget-scale 1e9', ['--budget-scale', '1e9'], ['--budget-scale', '"1e9"', '≤ 10']],
    ['--budget-scale 11', ['--budget-scale', '11'], ['--budget-scale', '≤ 10']],
    ['--budget-scale 0', ['--budget-scale', '0'], ['--budget-scale', '> 0']],
    ['--budget-scale -1', ['--budget-scale', '-1'], ['--budget-scale', '"-1"']],
    ['--budget-scale NaN', ['--budget-scale', 'NaN'], ['--budget-scale', '"NaN"']],
    ['--self-budget-scale 100', ['--ruleset', 'self', '--self-budget-scale', '100'], ['--self-budget-scale', '≤ 3']],
    ['--studies 101', ['--studies', '101'], ['--studies', 'at most 100', '"101"']],
    ['--studies 0', ['--studies', '0'], ['--studies must be a positive integer']],
    ['--trials 1001', ['--trials', '1001'], ['--trials', 'at most 1,000', '"1001"']],
    ['--trials 1e3 (no exponents in integers)', ['--trials', '1e3'], ['--trials', '"1e3"']],
    ['--trials 2.5', ['--trials', '2.5'], ['--trials', '"2.5"']],
    ['--seed -1', ['--seed', '-1'], ['--seed', 'non-negative integer', '"-1"']],
    ['--seed 1.5', ['--seed', '1.5'], ['--seed', '"1.5"']],
    ['--seed 0x10', ['--seed', '0x10'], ['--seed', '"0x10"']],
    ['--seed 2^53 + 1 (not a safe integer)', ['--seed', '9007199254740993'], ['--seed', '"9007199254740993"']],
  ];
  for (const [name, flags, phrases] of cases) {
    it(name, async ({ expect }) => run(expect, flags, ...phrases), CLI_TEST_TIMEOUT_MS);
  }

  it('--studies 100000 --trials 100000 ends at once with its message (it used to plan 10^10 trials until out of heap)', async ({ expect }) => {
    await run(expect, ['--studies', '100000', '--trials', '100000'], '--studies', '"100000"', 'at most 100');
  }, CLI_TEST_TIMEOUT_MS);

  it('a grid over the ceiling is refused from its counts, naming the product and how to split it', async ({ expect }) => {
    const db = join(freshDir(), 'a.sqlite');
    // all:* is every variant of every workload; 100 × 10 per cell is within each flag's bound.
    const r = await cli(['run', '-w', 'all:*', '-s', 'adamw,nesterov', '--studies', '100', '--trials', '10', '--budget-scale', '0.05', '--backend', 'wasm', '--db', db]);
    expectOneLine(expect, r, '× 2 submission(s) × 100 studies × 10 trials would plan', 'more than the 10,000', 'split it into runs on the same --db', '--studies / --trials');
    expect(existingDbFiles(db)).toEqual([]);
  }, CLI_TEST_TIMEOUT_MS);

  it('one workload and submission over the ceiling: lower --studies × --trials', async ({ expect }) => {
    await run(expect, ['--studies', '100', '--trials', '1000'], '100 studies × 1,000 trials would plan 100,000 trials', 'lower --studies × --trials');
  }, CLI_TEST_TIMEOUT_MS);

  it('quick --seed -1', async ({ expect }) => {
    const dir = freshDir();
    const db = join(dir, 'a.sqlite');
    const r = await cli(['quick', '--db', db, '--out', join(dir, 'site'), '--seed', '-1']);
    expectOneLine(expect, r, '--seed', '"-1"');
    expect(existingDbFiles(db)).toEqual([]);
    expect(existsSync(join(dir, 'site'))).toBe(false);
  }, CLI_TEST_TIMEOUT_MS);
});

describe.concurrent('set-targets, verify-targets and bench: the same bounds, one line, nothing written', () => {
  // set-targets writes to --out only after its trials; with a bound enforced nothing runs.
  const setTargets: Array<[string, string[], string[]]> = [
    ['--trials 100000', ['--trials', '100000'], ['--trials', 'at most 1,000']],
    ['--reruns 0', ['--reruns', '0'], ['--reruns', 'positive integer']],
    ['--reruns 101', ['--reruns', '101'], ['--reruns', 'at most 100']],
    ['--seed 1.5 (the same parser as run)', ['--seed', '1.5'], ['--seed', 'non-negative integer', '"1.5"']],
    ['--tune-budget-factor Infinity', ['--tune-budget-factor', 'Infinity'], ['--tune-budget-factor', '≤ 10']],
    ['--budget-factor 1e9', ['--budget-factor', '1e9'], ['--budget-factor', '≤ 10']],
    ['--min-budget NaN', ['--min-budget', 'NaN'], ['--min-budget', '"NaN"']],
    ['--min-budget 1e9', ['--min-budget', '1e9'], ['--min-budget', '3600']],
    ['--slack Infinity', ['--slack', 'Infinity'], ['--slack', 'finite number ≥ 0']],
    ['--slack -0.1', ['--slack', '-0.1'], ['--slack', '"-0.1"']],
    ['a plan over the ceiling (all:* × (1,000 trials + 100 reruns))', ['-w', 'all:*', '--trials', '1000', '--reruns', '100'], ['would plan', 'more than the 10,000', '-w']],
  ];
  for (const [name, flags, phrases] of setTargets) {
    it(`set-targets ${name}`, async ({ expect }) => {
      const dir = freshDir();
      const out = join(dir, 'targets.json');
      const args = flags.includes('-w') ? flags : ['-w', 'mnist_mlp', ...flags];
      const r = await cli(['set-targets', ...args, '--backend', 'wasm', '--out', out]);
      expectOneLine(expect, r, ...phrases);
      expect(existsSync(out), 'no targets file may be written').toBe(false);
    }, CLI_TEST_TIMEOUT_MS);
  }

  const verify: Array<[string, string[], string[]]> = [
    ['--seeds 1000', ['--seeds', '1000'], ['--seeds', 'at most 100']],
    ['--studies 0', ['--ruleset', 'external', '--studies', '0'], ['--studies', 'positive integer']],
    ['--trials 5000', ['--ruleset', 'external', '--trials', '5000'], ['--trials', 'at most 1,000']],
    ['--seed 1e3 (the same parser as run)', ['--seed', '1e3'], ['--seed', '"1e3"']],
    ['--min-reached 1e9', ['--min-reached', '1000000000'], ['--min-reached']],
    ['a plan over the ceiling (all:* × 100 studies × 100 trials)', ['-w', 'all:*', '--ruleset', 'external', '--studies', '100', '--trials', '100'], ['100 studies × 100 trials would plan', 'more than the 10,000']],
  ];
  for (const [name, flags, phrases] of verify) {
    it(`verify-targets ${name}`, async ({ expect }) => {
      const dir = freshDir();
      const json = join(dir, 'verify.json');
      const args = flags.includes('-w') ? flags : ['-w', 'mnist_mlp', ...flags];
      const r = await cli(['verify-targets', ...args, '--backend', 'wasm', '--json', json]);
      expectOneLine(expect, r, ...phrases);
      expect(existsSync(json), 'no JSON file may be written').toBe(false);
    }, CLI_TEST_TIMEOUT_MS);
  }

  const bench: Array<[string, string[], string[]]> = [
    ['--repeat 0', ['--repeat', '0'], ['--repeat', 'positive integer']],
    ['--repeat 1000', ['--repeat', '1000'], ['--repeat', 'at most 100']],
    ['--seed -1 (the same parser as run)', ['--repeat', '1', '--seed', '-1'], ['--seed', 'non-negative integer']],
    ['--time Infinity', ['--time', 'Infinity'], ['--time', '"Infinity"']],
    ['--rounds 0', ['--rounds', '0'], ['--rounds', 'positive integer']],
    ['--block-sec 1e9', ['--block-sec', '1e9'], ['--block-sec', '≤ 600']],
    ['--retries 101', ['--repeat', '1', '--retries', '101'], ['--retries', 'at most 100']],
    ['--retries -1', ['--repeat', '1', '--retries', '-1'], ['--retries']],
    ['--retries without --repeat', ['--retries', '2'], ['--retries only goes with --repeat']],
  ];
  for (const [name, flags, phrases] of bench) {
    it(`bench ${name}`, async ({ expect }) => {
      const r = await cli(['bench', '-w', 'mnist_mlp', '--backend', 'wasm', ...flags]);
      expectOneLine(expect, r, ...phrases);
      expect(r.stdout).toBe('');
    }, CLI_TEST_TIMEOUT_MS);
  }
});

describe('Ctrl-C before the first trial', () => {
  /**
   * A submission whose module takes ten minutes to load and says so on stdout first:
   * Ctrl-C sent after that line arrives lands while `run` is still planning.
   */
  function slowImportSubmission(dir: string): string {
    const folder = join(dir, 'slow_import');
    mkdirSync(folder);
    writeFileSync(join(folder, 'package.json'), '{ "type": "module" }\n');
    const module = join(folder, 'submission.mjs');
    writeFileSync(
      module,
      [
        "process.stdout.write('slow-import: loading\\n');",
        'await new Promise((resolve) => setTimeout(resolve, 600_000));',
        "export default { name: 'slow_import', getBatchSize: () => 8, init: () => ({}), update: (ctx) => ({ params: ctx.params, state: {} }) };",
        '',
      ].join('\n'),
    );
    return module;
  }

  it('during planning (a submission still loading): exits 130 with one line, no store', async ({ expect }) => {
    const dir = freshDir();
    const db = join(dir, 'a.sqlite');
    const module = slowImportSubmission(dir);
    const child = spawn('node', ['bin/algobench.js', 'run', '-w', 'mnist_mlp', '-s', module, '--ruleset', 'self', '--backend', 'wasm', '--db', db], {
      cwd: REPO_ROOT,
      env: { ...process.env, CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    let timedOut = false;
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      // The module is loading: planning has begun and cannot finish for ten minutes.
      if (!interrupted && stdout.includes('slow-import: loading')) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, CLI_PROCESS_TIMEOUT_MS);
    const [status, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (code, sig) => resolve([code, sig])));
    clearTimeout(timer);
    const info = `status=${status} signal=${signal} timedOut=${timedOut}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`;
    expect(interrupted, `the submission never started loading\n${info}`).toBe(true);
    expect(timedOut, `Ctrl-C was ignored: the process ran on until killed\n${info}`).toBe(false);
    expect(signal, info).toBeNull();
    expect(status, info).toBe(130);
    expect(stderr.replace(/\n$/, '').split('\n'), info).toEqual(['algobench: interrupted before the first trial started; nothing was run or stored']);
    expect(existingDbFiles(db)).toEqual([]);
  }, CLI_TEST_TIMEOUT_MS);
});
