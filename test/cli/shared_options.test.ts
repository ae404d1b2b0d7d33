/**
 * An option that several commands take is one option: the same flags, help text,
 * default and parser in every command that declares it (harness/cli/options.ts).
 * The first part walks commander's parsed definitions of every command of the real
 * program; the second runs the real CLI and checks that a bad value is refused with
 * the same one line by every command that takes the option.
 *
 * The expectations are written out here, not read from options.ts: a command that
 * declares `--seed` by hand (or parses it with Number) differs from this table.
 */
import type { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { algobenchProgram } from '../../harness/cli/program.ts';
import { CLI_TEST_TIMEOUT_MS, cli, describeResult } from './cli_helpers.ts';

interface Shared {
  readonly flags: string;
  readonly help: string;
  /** The commands that declare it, with each one's default. */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** A value every declaring command must refuse, and the line it refuses it with. */
  readonly refuse?: readonly [value: string, line: string];
}

const SEED_LINE = '--seed must be a non-negative integer, at most 9007199254740991 (got "1.5"); pass a whole number such as 0 or 42';
const BACKEND_LINE = 'unknown backend "gpu"; use one of: auto, tensorflow, wasm, cpu';

const SHARED: Readonly<Record<string, Shared>> = {
  '--db': {
    flags: '--db <path>',
    help: 'SQLite results file',
    defaults: { run: 'results/algobench.sqlite', compare: 'results/algobench.sqlite', quick: 'results/algobench.sqlite', score: 'results/algobench.sqlite', report: 'results/algobench.sqlite', export: 'results/algobench.sqlite', 'saver-replay': 'results/algobench.sqlite' },
  },
  '--backend': {
    flags: '--backend <backend>',
    help: 'compute backend: auto|tensorflow|wasm|cpu',
    defaults: { run: 'auto', compare: 'auto', quick: 'auto', validate: 'auto', bench: 'auto', 'set-targets': 'auto', 'verify-targets': 'auto', plan: 'auto', slurm: 'auto', k8s: 'auto' },
    refuse: ['gpu', BACKEND_LINE],
  },
  '--seed': {
    flags: '--seed <n>',
    help: 'base seed (a non-negative integer)',
    // bench --repeat keeps the seed it has always measured from.
    defaults: { run: 0, compare: 0, quick: 0, bench: 1, 'set-targets': 0, 'verify-targets': 0, plan: 0 },
    refuse: ['1.5', SEED_LINE],
  },
  '--workload': {
    flags: '-w, --workload <name[:variant]>',
    help: 'workload: NAME, NAME:VARIANT, NAME:* (all its variants) or all (the fixed suite); repeat or comma-separate',
    defaults: { run: [], compare: [], bench: [], 'set-targets': [], 'verify-targets': [], plan: [] },
  },
  '--submission': {
    flags: '-s, --submission <name|path>',
    help: 'submission: a name from submissions/ or the path to a .ts/.js module; repeat or comma-separate',
    defaults: { run: [], bench: [], 'set-targets': [], 'verify-targets': [], plan: [] },
  },
  '--search-space': {
    flags: '--search-space <[name=]path>',
    help: "external tuning: draw a submission's trials from this search-space file (ranges, or a list of fixed points: trial i runs point i) instead of its search_space.json; PATH with one -s, NAME=PATH with several; repeatable",
    defaults: { run: [], plan: [], validate: [], compare: [] },
  },
  '--trials': {
    flags: '--trials <n>',
    help: 'tuning trials per study (at most 1,000)',
    defaults: { run: 1, compare: 1, 'set-targets': 8, 'verify-targets': 5, plan: 1 },
    refuse: ['2.5', '--trials must be a positive integer, at most 1,000 (got "2.5"); AlgoPerf tunes 5 points per study; tune over at most 1,000'],
  },
  '--studies': {
    flags: '--studies <n>',
    help: 'independent studies (at most 100)',
    defaults: { run: 1, 'verify-targets': 3, plan: 1 },
    refuse: ['0', '--studies must be a positive integer, at most 100 (got "0"); AlgoPerf scores the median over 5 studies; more than 100 barely move it'],
  },
  '--out': {
    flags: '--out <dir>',
    help: 'output directory',
    defaults: { quick: 'results/leaderboard', compare: undefined, report: undefined, export: undefined },
  },
  '--price-per-core-hour': {
    flags: '--price-per-core-hour <x>',
    help: 'also state what the results cost in money at this price of one core-hour (at most 1,000,000)',
    defaults: { report: undefined, compare: undefined },
  },
  '--json': {
    flags: '--json',
    help: 'print machine-readable JSON',
    defaults: { list: undefined, score: undefined, bench: undefined, 'saver-replay': undefined },
  },
};

/**
 * Same name, another option: these take a file, or a different set of values, and are
 * not the shared one. Each is listed so that a new one is a decision, not a drift.
 */
// plan, slurm and k8s write a plan file, job files and a manifest: their --out is a file or a job folder.
const OTHER_MEANING = new Set(['set-targets --out', 'verify-targets --json', 'compare --json', 'plan --out', 'slurm --out', 'k8s --out']);

const program = algobenchProgram();
const declared = (command: Command, long: string): Option | undefined => command.options.find((o) => o.long === long);

describe('every command declares a shared option the same way', () => {
  for (const [long, shared] of Object.entries(SHARED)) {
    describe(long, () => {
      it('is declared by exactly the expected commands', () => {
        const declaring = program.commands
          .filter((c) => declared(c, long) !== undefined && !OTHER_MEANING.has(`${c.name()} ${long}`))
          .map((c) => c.name());
        expect(declaring.sort()).toEqual(Object.keys(shared.defaults).sort());
      });

      const commands = program.commands.filter((c) => c.name() in shared.defaults);
      it.each(commands.map((c) => [c.name(), c] as const))('%s: flags, help text, default', (name, command) => {
        const option = declared(command, long)!;
        expect(option.flags).toBe(shared.flags);
        expect(option.description).toBe(shared.help);
        expect(option.hidden).toBe(false);
        expect(option.defaultValue).toEqual(shared.defaults[name]);
      });

      it('one parser: the same function in every command', () => {
        const parsers = new Set(commands.map((c) => declared(c, long)!.parseArg));
        expect(parsers.size).toBe(1);
      });

      if (shared.refuse !== undefined) {
        const [value, line] = shared.refuse;
        it.each(commands.map((c) => [c.name(), c] as const))(`%s refuses ${long} ${value} with the shared line`, (_name, command) => {
          const parse = declared(command, long)!.parseArg!;
          expect(() => parse(value, undefined)).toThrow(line);
        });
      }
    });
  }

  it('-w and -s collect repeated and comma-separated values in order', () => {
    for (const command of program.commands.filter((c) => declared(c, '--workload') !== undefined)) {
      const parse = declared(command, '--workload')!.parseArg!;
      expect(parse(' mnist_cnn , mnist_mlp:tanh', ['all'])).toEqual(['all', 'mnist_cnn', 'mnist_mlp:tanh']);
    }
  });

  it('set-targets keeps --submissions as a hidden alias of -s/--submission', () => {
    const setTargets = program.commands.find((c) => c.name() === 'set-targets')!;
    const alias = declared(setTargets, '--submissions');
    expect(alias?.hidden).toBe(true);
    expect(setTargets.helpInformation()).not.toContain('--submissions');
    // Parsed as commander parses a command line: the alias and -s land in one list.
    setTargets.parseOptions(['--submissions', 'adamw,nesterov', '-s', 'sgd_momentum']);
    expect(setTargets.opts().submission).toEqual(['adamw', 'nesterov', 'sgd_momentum']);
  });
});

/** Exit 2, nothing on stdout, exactly `algobench: ${line}` on stderr. */
function expectRefused(r: Awaited<ReturnType<typeof cli>>, line: string): void {
  const info = describeResult(r);
  expect(r.timedOut, info).toBe(false);
  expect(r.status, info).toBe(2);
  expect(r.stdout, info).toBe('');
  expect(r.stderr, info).toBe(`algobench: ${line}\n`);
}

describe.concurrent('the real CLI refuses a bad shared value with the same line in every command', () => {
  // `--backend gpu` after `--seed 1.5`: a command whose --seed let 1.5 through stops
  // at the next bad value at once (with another line) instead of running.
  it.each(Object.keys(SHARED['--seed']!.defaults))('%s --seed 1.5', async (name) => {
    expectRefused(await cli([name, '--seed', '1.5', '--backend', 'gpu']), SEED_LINE);
  }, CLI_TEST_TIMEOUT_MS);

  it.each(Object.keys(SHARED['--backend']!.defaults))('%s --backend gpu', async (name) => {
    expectRefused(await cli([name, '--backend', 'gpu', '--seed', '1.5']), BACKEND_LINE);
  }, CLI_TEST_TIMEOUT_MS);

  // -s is a list in every command; those that take one submission say so.
  it('bench -s adamw,nesterov', async () => {
    expectRefused(await cli(['bench', '-s', 'adamw,nesterov']), "bench times one submission's step; pass one --submission (got adamw, nesterov)");
  }, CLI_TEST_TIMEOUT_MS);

  it('verify-targets --ruleset external -s adamw -s nesterov', async () => {
    expectRefused(
      await cli(['verify-targets', '--ruleset', 'external', '-w', 'mnist_mlp', '-s', 'adamw', '-s', 'nesterov']),
      'verify-targets runs one baseline; pass one --submission (got adamw, nesterov)',
    );
  }, CLI_TEST_TIMEOUT_MS);

  it('run with no -w', async () => {
    expectRefused(await cli(['run', '-s', 'adamw']), 'no workload given; pass --workload NAME[:VARIANT]');
  }, CLI_TEST_TIMEOUT_MS);

  it('set-targets --submissions (the old spelling) still reaches the baselines', async () => {
    expectRefused(
      await cli(['set-targets', '-w', 'mnist_mlp', '--submissions', 'no_such_baseline', '--dry-run', '--backend', 'wasm']),
      'unknown submission "no_such_baseline"; run "algobench list" for the shipped ones, or pass a path to a .ts/.js module',
    );
  }, CLI_TEST_TIMEOUT_MS);
});
