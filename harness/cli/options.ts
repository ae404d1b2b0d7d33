/**
 * The options more than one command takes, each defined once: one flag spelling, one
 * help text, one parser (parsers.ts) and one default, so that `--seed 1.5` or
 * `--backend gpu` is refused with the same line by every command that takes it.
 * Commands add these with `.addOption(xOption())`; a factory returns a fresh Option
 * each call because commander keeps state on it.
 *
 * Where a command needs something the definition does not say, it says it elsewhere:
 * what an omitted list means (all workloads, adamw …) is the default's description,
 * and a count whose usual size differs by command (--trials, --studies, bench's
 * --seed) passes its default.
 */
import { Command, Option } from 'commander';
import { BACKEND_CHOICES, parseBackendChoice } from '../backends/choice.ts';
import { DEFAULT_DB_PATH } from '../store/paths.ts';
import { collect, collectEach, parseBudgetScale, parsePricePerCoreHour, parseSeed, parseSelfBudgetScale, parseStudies, parseTrials } from './parsers.ts';

/** `--db`: the results database every command that reads or writes trials opens. */
export const dbOption = (): Option => new Option('--db <path>', 'SQLite results file').default(DEFAULT_DB_PATH);

/** `--backend`: checked while the command line is parsed, before anything is loaded. */
export const backendOption = (): Option =>
  new Option('--backend <backend>', `compute backend: ${BACKEND_CHOICES.join('|')}`).default('auto').argParser(parseBackendChoice);

/** `--seed`: the base seed every trial seed of the command derives from. */
export const seedOption = (defaultSeed = 0): Option =>
  new Option('--seed <n>', 'base seed (a non-negative integer)').default(defaultSeed).argParser(parseSeed);

/**
 * `-w/--workload`: a list, repeatable and comma-separable. `whenOmitted` describes what
 * the command does with none (an empty list is the default everywhere).
 */
export const workloadOption = (whenOmitted = 'none'): Option =>
  new Option('-w, --workload <name[:variant]>', 'workload: NAME, NAME:VARIANT, NAME:* (all its variants) or all (the fixed suite); repeat or comma-separate')
    .default([], whenOmitted)
    .argParser(collect);

/** `-s/--submission`: a list of names from submissions/ or module paths, as --workload. */
export const submissionOption = (whenOmitted = 'none'): Option =>
  new Option('-s, --submission <name|path>', 'submission: a name from submissions/ or the path to a .ts/.js module; repeat or comma-separate')
    .default([], whenOmitted)
    .argParser(collect);

/**
 * `--search-space`: a search-space file used instead of the search_space.json beside a
 * submission (AlgoPerf's --tuning_search_space), e.g. a list of fixed points. PATH
 * with one submission, NAME=PATH with several (NAME as given to -s); repeatable.
 */
export const searchSpaceOption = (): Option =>
  new Option('--search-space <[name=]path>', 'external tuning: draw a submission\'s trials from this search-space file (ranges, or a list of fixed points: trial i runs point i) instead of its search_space.json; PATH with one -s, NAME=PATH with several; repeatable')
    .default([])
    .argParser(collectEach);

/** `--trials`: tuning trials per study (the points drawn from the search space). */
export const trialsOption = (defaultTrials: number): Option =>
  new Option('--trials <n>', 'tuning trials per study (at most 1,000)').default(defaultTrials).argParser(parseTrials);

/** `--studies`: independent studies, each tuned from its own seed. */
export const studiesOption = (defaultStudies: number): Option =>
  new Option('--studies <n>', 'independent studies (at most 100)').default(defaultStudies).argParser(parseStudies);

/** `run --ruleset`: how hyperparameters are chosen. */
export const rulesetOption = (): Option =>
  new Option('--ruleset <ruleset>', 'external tuning (search space) or self-tuning (no hyperparameters, 1.5× budget)').choices(['external', 'self']).default('external');

/** `--budget-scale`: every budget times this (smoke runs); such runs are scored apart. */
export const budgetScaleOption = (): Option =>
  new Option('--budget-scale <x>', 'multiply every budget (smoke tests; at most 10); such runs get leaderboards of their own').default(1).argParser(parseBudgetScale);

/** `--self-budget-scale`: the self-tuning ruleset's extra budget. */
export const selfBudgetScaleOption = (): Option =>
  new Option('--self-budget-scale <x>', 'budget multiplier of the self-tuning ruleset (at most 3)').default(1.5).argParser(parseSelfBudgetScale);

/** `--out <dir>`: the folder a command writes its files into. */
export const outDirOption = (): Option => new Option('--out <dir>', 'output directory');

/** `--price-per-core-hour`: state what results cost in money (report, compare). */
export const pricePerCoreHourOption = (): Option =>
  new Option('--price-per-core-hour <x>', 'also state what the results cost in money at this price of one core-hour (at most 1,000,000)').argParser(parsePricePerCoreHour);

/** `--json`: machine-readable output on stdout instead of the table. */
export const jsonOption = (): Option => new Option('--json', 'print machine-readable JSON');

/**
 * Keeps an old spelling of `option` working without showing it in --help (scripts use
 * it): `--alias VALUE` goes through the option's own parser into the option's own
 * value, as if `option` had been given.
 */
export function addHiddenAlias(command: Command, alias: string, option: Option): Command {
  const name = option.attributeName();
  const parse = option.parseArg;
  if (parse === undefined) throw new Error(`addHiddenAlias: ${option.flags} has no parser`);
  command.addOption(new Option(`--${alias} <${option.flags.replace(/^.*</, '').replace(/>$/, '')}>`, `old spelling of ${option.long}`).hideHelp());
  command.on(`option:${alias}`, (value: string) => {
    command.setOptionValueWithSource(name, parse(value, command.getOptionValue(name)), 'cli');
  });
  return command;
}
