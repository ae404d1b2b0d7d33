/**
 * Results tied to the code that made them, as a user meets it: a submission in its own
 * folder is run, run again (skipped), edited (re-run, with the reason said), its search
 * space edited (re-run); a typo in a hyperparameter name and a search-space key the
 * submission never reads are each caught with one clear line. Real processes and files.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_TEST_TIMEOUT_MS, cli, describeResult, tempDir } from './cli_helpers.ts';

const SOURCE = (lrName: string) => `import { adamw, constant, defineSubmission, num } from 'algobench/kit';

export default defineSubmission({
  name: 'my_adamw',
  batchSize: 64,
  optimizer: (h) => adamw({ lr: constant(num(h, '${lrName}', 1e-3)) }),
});
`;
const SPACE = { lr: { min: 1e-4, max: 1e-2, scaling: 'log' } };

function writeSubmission(dir: string, source: string, space: unknown): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{"type": "module"}\n');
  writeFileSync(join(dir, 'submission.ts'), source);
  writeFileSync(join(dir, 'search_space.json'), JSON.stringify(space, null, 2));
  return join(dir, 'submission.ts');
}

describe('trials keyed by the code that made them', () => {
  let dir: string;
  let db: string;
  let sub: string;
  const run = (submission: string) => cli(['run', '-w', 'mnist_mlp', '-s', submission, '--budget-scale', '0.02', '--backend', 'wasm', '--db', db]);

  beforeAll(() => {
    dir = tempDir('algobench-code-');
    db = join(dir, 'r.sqlite');
    sub = writeSubmission(join(dir, 'my_adamw'), SOURCE('lr'), SPACE);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('skips an unchanged finished trial and re-runs it, saying why, after an edit of the code or of the search space', async () => {
    const first = await run(sub);
    expect(first.status, describeResult(first)).toBe(0);
    expect(first.stdout).toMatch(/ran 1 trial\(s\), skipped 0/);

    const again = await run(sub);
    expect(again.stdout, describeResult(again)).toMatch(/ran 0 trial\(s\), skipped 1/);

    writeFileSync(sub, `${SOURCE('lr')}// a comment is an edit too\n`);
    const edited = await run(sub);
    expect(edited.stdout, describeResult(edited)).toMatch(/ran 1 trial\(s\), skipped 0/);
    expect(edited.stderr).toMatch(/my_adamw on mnist_mlp study 0 trial 0: its submission code changed since it finished; running it again as a new version/);

    writeSubmission(join(dir, 'my_adamw'), `${SOURCE('lr')}// a comment is an edit too\n`, { lr: { min: 1e-4, max: 3e-2, scaling: 'log' } });
    const spaced = await run(sub);
    expect(spaced.stdout, describeResult(spaced)).toMatch(/ran 1 trial\(s\), skipped 0/);
    expect(spaced.stderr).toMatch(/its search space changed/);

    const sqlite = new Database(db, { readonly: true });
    try {
      const rows = sqlite.prepare('SELECT submission_hash, search_space_hash, code_key FROM trials ORDER BY id').all() as Array<Record<string, string>>;
      expect(rows).toHaveLength(3);
      expect(new Set(rows.map((r) => r['code_key'])).size).toBe(3);
      expect(rows[0]!['submission_hash']).not.toBe(rows[1]!['submission_hash']);
      expect(rows[1]!['submission_hash']).toBe(rows[2]!['submission_hash']);
      expect(rows[1]!['search_space_hash']).not.toBe(rows[2]!['search_space_hash']);
    } finally {
      sqlite.close();
    }
  }, 4 * CLI_TEST_TIMEOUT_MS);

  it('re-runs after an edit of a file the submission reads without importing it, and not after an edit of its notes or a reformatted search space', async () => {
    // The learning rate comes from a JSON file read at run time: no import names it.
    const source = `import { readFileSync } from 'node:fs';
import { adamw, constant, defineSubmission } from 'algobench/kit';

const { lr } = JSON.parse(readFileSync(new URL('./config/lr.json', import.meta.url), 'utf8'));
export default defineSubmission({ name: 'reads_config', batchSize: 64, optimizer: () => adamw({ lr: constant(lr) }) });
`;
    const folder = join(dir, 'reads_config');
    const mod = writeSubmission(folder, source, SPACE);
    mkdirSync(join(folder, 'config'));
    writeFileSync(join(folder, 'config', 'lr.json'), '{"lr": 0.001}\n');
    writeFileSync(join(folder, 'README.md'), '# reads its rate from config/lr.json\n');
    const runSelf = () => cli(['run', '-w', 'mnist_mlp', '-s', mod, '--ruleset', 'self', '--budget-scale', '0.02', '--backend', 'wasm', '--db', db]);
    const first = await runSelf();
    expect(first.stdout, describeResult(first)).toMatch(/ran 1 trial\(s\), skipped 0/);

    writeFileSync(join(folder, 'README.md'), '# notes, edited\n');
    writeFileSync(join(folder, 'search_space.json'), JSON.stringify(SPACE));
    const notes = await runSelf();
    expect(notes.stdout, describeResult(notes)).toMatch(/ran 0 trial\(s\), skipped 1/);

    writeFileSync(join(folder, 'config', 'lr.json'), '{"lr": 0.002}\n');
    const edited = await runSelf();
    expect(edited.stdout, describeResult(edited)).toMatch(/ran 1 trial\(s\), skipped 0/);
    expect(edited.stderr).toMatch(/reads_config on mnist_mlp study 0 trial 0: its submission code changed since it finished; running it again as a new version/);

    // Another self-tuning budget scale is another trial, and the warning says why.
    const longer = await cli(['run', '-w', 'mnist_mlp', '-s', mod, '--ruleset', 'self', '--self-budget-scale', '3', '--budget-scale', '0.02', '--backend', 'wasm', '--db', db]);
    expect(longer.stdout, describeResult(longer)).toMatch(/ran 1 trial\(s\), skipped 0/);
    expect(longer.stderr).toMatch(/reads_config on mnist_mlp study 0 trial 0: its budget changed since it finished/);
  }, 4 * CLI_TEST_TIMEOUT_MS);

  it('skips a trial whose search space was only reformatted (other whitespace, other key order)', async () => {
    const folder = join(dir, 'reformatted');
    const mod = writeSubmission(folder, SOURCE('lr').replace("'my_adamw'", "'reformatted'"), SPACE);
    const first = await run(mod);
    expect(first.stdout, describeResult(first)).toMatch(/ran 1 trial\(s\), skipped 0/);
    writeFileSync(join(folder, 'search_space.json'), `{"lr":{"scaling":"log","max":1e-2,"min":1e-4}}`);
    const again = await run(mod);
    expect(again.stdout, describeResult(again)).toMatch(/ran 0 trial\(s\), skipped 1/);
  }, 2 * CLI_TEST_TIMEOUT_MS);

  it('ends a trial that reads a hyperparameter the search space lacks, and warns of a key never read', async () => {
    const typo = writeSubmission(join(dir, 'typo'), SOURCE('learning_rate').replace("'my_adamw'", "'typo'"), SPACE);
    const unread = writeSubmission(join(dir, 'unread'), SOURCE('lr').replace("'my_adamw'", "'unread'"), { ...SPACE, beta_1: { feasible_points: [0.9] } });
    const r = await run(`${typo},${unread}`);
    expect(r.status, describeResult(r)).toBe(0);
    const all = r.stdout + r.stderr;
    expect(all).toMatch(/typo · study 0 trial 0: error: .*hyperparameter "learning_rate" is read but the search space has no such key \(it has: lr\)/);
    expect(all).toMatch(/warning: submission "unread" never read search-space key "beta_1"/);
    expect(readFileSync(typo, 'utf8')).toContain('learning_rate');
  }, CLI_TEST_TIMEOUT_MS);
});
