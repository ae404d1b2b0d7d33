/**
 * Flags are spelled only in harness/cli/. Below it, a message names a setting by its
 * API name (core/errors.ts `setting('dbPath')`) and the CLI words it as the flag
 * (cli/flags.ts), so a library caller reads `pass dbPath with another file` and a
 * command-line user `pass --db with another file`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlgobenchError, SETTINGS, setting } from '../../harness/core/errors.ts';
import { FLAG_OF, flagOf } from '../../harness/cli/flags.ts';
import { algobenchProgram } from '../../harness/cli/program.ts';
import { REPO_ROOT } from './cli_helpers.ts';

describe('a setting in a message', () => {
  const err = new AlgobenchError('E_STORE', `cannot open results database x.sqlite: no such file; pass ${setting('dbPath')} with an existing file`);

  it('reads as its API name in .message', () => {
    expect(err.message).toBe('cannot open results database x.sqlite: no such file; pass dbPath with an existing file');
  });

  it('reads as its flag in the CLI', () => {
    expect(err.wordedWith(flagOf)).toBe('cannot open results database x.sqlite: no such file; pass --db with an existing file');
  });

  it('every setting, wherever it stands in the message', () => {
    const two = new AlgobenchError('E_USAGE', `${setting('minReached')} must be an integer from 1 to ${setting('studies')} 3 (got 4)`);
    expect(two.message).toBe('minReached must be an integer from 1 to studies 3 (got 4)');
    expect(two.wordedWith(flagOf)).toBe('--min-reached must be an integer from 1 to --studies 3 (got 4)');
  });

  it('braces that are not a setting are left as they are', () => {
    const json = new AlgobenchError('E_TARGETS', 'add "reference": {"submission", "hparams"} or {seeds}');
    expect(json.wordedWith(flagOf)).toBe('add "reference": {"submission", "hparams"} or {seeds}');
  });

  it('each setting has a flag some command declares', () => {
    const declared = new Set(algobenchProgram().commands.flatMap((c) => c.options.map((o) => o.long)));
    for (const name of SETTINGS) expect(declared, `${name} → ${FLAG_OF[name]}`).toContain(FLAG_OF[name]);
  });
});

/** Every .ts file under `dir`, as paths from the repository root. */
function sources(dir: string): string[] {
  return readdirSync(join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/**
 * Lines below cli/ that may spell a flag of ours, and why: data written to a file,
 * not a message.
 */
const ALLOWED = new Set([
  // The README new-submission writes into a user's folder shows how to run it.
  'harness/submissions/scaffold.ts: npx algobench run -w mnist_mlp -s ${path} --studies 2 --trials 4',
  // How set-targets drew its tuning points, stored as provenance in targets.json.
  "harness/targets/set_targets.ts: const HPARAM_DRAW = 'sampleHparams(search space, { seed: baseSeed, study: 0, count: trials }): the points `run --seed baseSeed` gives study 0';",
  // The provenance label set-targets stores in targets.json names the command that made the entry.
  "harness/targets/set_targets.ts: : 'NOT AlgoPerf\\'s procedure: the reference configuration recorded in the targets file rerun with fresh seeds, nothing tuned (algobench set-targets --reference)',",
]);

describe('no layer below the CLI spells one of its flags', () => {
  const flags = [...new Set(algobenchProgram().commands.flatMap((c) => c.options.map((o) => o.long!)))];
  const flagText = new RegExp(`(?<![\\w-])(${flags.map((f) => f.replace(/-/g, '\\-')).join('|')})(?![\\w-])`);

  it('outside comments, harness/ (but cli/) names no command-line flag', () => {
    const found: string[] = [];
    for (const file of sources('harness').filter((f) => !f.startsWith(join('harness', 'cli')))) {
      for (const line of readFileSync(join(REPO_ROOT, file), 'utf8').split('\n')) {
        const code = line.trim();
        if (code.startsWith('*') || code.startsWith('//') || code.startsWith('/*')) continue;
        const entry = `${relative('.', file)}: ${code}`;
        if (flagText.test(code.replace(/\s\/\/.*$/, '')) && !ALLOWED.has(entry)) found.push(entry);
      }
    }
    expect(found).toEqual([]);
  });
});
