/**
 * Sane bounds on every number a command accepts, checked before anything is planned,
 * loaded or opened. Pure: no I/O, no imports of workloads or tfjs; each check throws
 * an AlgobenchError('E_USAGE') whose one line names the setting, the value, the range
 * it must lie in and the fix. A setting is named as its caller says (the CLI's parsers
 * pass their flag) or else marked with core/errors.ts `setting()`, which the CLI
 * words as its flag: no flag is spelled here.
 *
 * The ceilings and why:
 * - budget scale ≤ 10 (MAX_BUDGET_SCALE). Budgets are already about 3× the reference
 *   baseline's median time-to-target (set-targets), and AlgoPerf's score integrates
 *   performance profiles only up to τ = 4, so a trial granted much more than 4× its
 *   budget cannot change a score; 10 leaves room for looking at slow algorithms while
 *   keeping the longest trial today (char_lm, 150 s) at 25 min, 37.5 min under the
 *   self-tuning ruleset's 1.5× on top. 1e9 or Infinity is always a slip.
 * - self-tuning budget scale ≤ 3 (MAX_SELF_BUDGET_SCALE): AlgoPerf granted 3× in its
 *   first rules and 1.5× (the default here) since; the product of the two scales is
 *   therefore at most 30 (char_lm: 75 min per trial).
 * - studies ≤ 100, trials ≤ 1,000 per study: AlgoPerf runs 5 × 5; a median over more
 *   than 100 studies or a search of more than 1,000 points per study is not a
 *   benchmark run but a mistake, and the two are what multiply the grid.
 * - planned trials ≤ 10,000 per command (MAX_PLANNED_TRIALS): at the shortest budget
 *   in the suite, a 5 % smoke scale and a few seconds of set-up per trial this is
 *   already about a day; at full budgets about a week. Beyond it, a plan is refused
 *   before a single trial object is built, and the message says how to split it (one
 *   run per workload or per submission on the same --db; resume joins them).
 * - repeats ≤ 100 (reruns, fresh seeds, bench --repeat): each is a whole trial.
 * - seed: a non-negative safe integer (deriveSeed mixes all 53 bits).
 */
import { AlgobenchError, setting } from '../core/errors.ts';

export const MAX_BUDGET_SCALE = 10;
export const MAX_SELF_BUDGET_SCALE = 3;
export const MAX_STUDIES = 100;
export const MAX_TRIALS = 1_000;
export const MAX_REPEATS = 100;
export const MAX_PLANNED_TRIALS = 10_000;
export const MAX_SEED = Number.MAX_SAFE_INTEGER;

/** 12345 → "12,345" (messages only). */
const count = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : String(n));

/** How a value looks in a message: the text typed when there was one, else the number. */
const shown = (value: number, raw?: string): string => (raw !== undefined ? `"${raw}"` : String(value));

/** Where a value came from: what names it, and the text typed (CLI). */
export interface ValueSource {
  /** How the message names the value: the CLI passes its flag ("--reruns"); else the setting's mark. */
  readonly name?: string;
  /** The text the user typed, shown instead of the parsed number. */
  readonly raw?: string;
}

const tail = (fix: string | undefined): string => (fix === undefined ? '' : `; ${fix}`);

/**
 * An integer in [min, max], or one line naming `name`, the value, the range and `fix`.
 * The CLI's parsers (cli/parsers.ts) turn text into a number strictly (NaN for
 * anything that is not a plain decimal) and pass the text as `raw`.
 */
export function checkInteger(name: string, value: number, range: { min: number; max: number }, fix?: string, raw?: string): number {
  if (!Number.isSafeInteger(value) || value < range.min || value > range.max) {
    throw new AlgobenchError('E_USAGE', `${name} must be ${integerRange(range)} (got ${shown(value, raw)})${tail(fix)}`);
  }
  return value;
}

/** "a positive integer, at most 100", "an integer from 0 to 9,007,199,254,740,991", ... */
export function integerRange({ min, max }: { min: number; max: number }): string {
  if (min === 1) return max === Number.MAX_SAFE_INTEGER ? 'a positive integer' : `a positive integer, at most ${count(max)}`;
  if (min === 0) return max === Number.MAX_SAFE_INTEGER ? `a non-negative integer, at most ${max}` : `a non-negative integer, at most ${count(max)}`;
  return `an integer from ${count(min)} to ${count(max)}`;
}

/** A finite number in (0, max], or one line naming `name`, the value, the range and `fix`. */
export function checkPositive(name: string, value: number, max: number, fix?: string, raw?: string): number {
  if (!Number.isFinite(value) || !(value > 0) || value > max) {
    throw new AlgobenchError('E_USAGE', `${name} must be a finite number > 0 and ≤ ${max} (got ${shown(value, raw)})${tail(fix)}`);
  }
  return value;
}

/** A finite number in [0, max] (any finite number ≥ 0 by default), else one line as above. */
export function checkNonNegative(name: string, value: number, max = Number.MAX_VALUE, fix?: string, raw?: string): number {
  if (!Number.isFinite(value) || !(value >= 0) || value > max) {
    const range = max === Number.MAX_VALUE ? 'a finite number ≥ 0' : `a finite number from 0 to ${max}`;
    throw new AlgobenchError('E_USAGE', `${name} must be ${range} (got ${shown(value, raw)})${tail(fix)}`);
  }
  return value;
}

/** A seed: a non-negative safe integer. */
export function checkSeed(value: number, { name = setting('seed'), raw }: ValueSource = {}): number {
  return checkInteger(name, value, { min: 0, max: MAX_SEED }, 'pass a whole number such as 0 or 42', raw);
}

export function checkStudies(value: number, { name = setting('studies'), raw }: ValueSource = {}): number {
  return checkInteger(name, value, { min: 1, max: MAX_STUDIES }, 'AlgoPerf scores the median over 5 studies; more than 100 barely move it', raw);
}

export function checkTrials(value: number, { name = setting('trials'), raw }: ValueSource = {}): number {
  return checkInteger(name, value, { min: 1, max: MAX_TRIALS }, 'AlgoPerf tunes 5 points per study; tune over at most 1,000', raw);
}

/** Reruns, fresh seeds, repeats: each one a whole trial (each caller names its own count). */
export function checkRepeats(value: number, { name, raw }: ValueSource & { readonly name: string }): number {
  return checkInteger(name, value, { min: 1, max: MAX_REPEATS }, `each one is a whole trial; use at most ${MAX_REPEATS}`, raw);
}

export function checkBudgetScale(value: number, { name = setting('budgetScale'), raw }: ValueSource = {}): number {
  return checkPositive(
    name,
    value,
    MAX_BUDGET_SCALE,
    `budgets are already ~3× the reference time-to-target; use e.g. 0.05 for a smoke run, at most ${MAX_BUDGET_SCALE}`,
    raw,
  );
}

export function checkSelfBudgetScale(value: number, { name = setting('selfTuningBudgetScale'), raw }: ValueSource = {}): number {
  return checkPositive(name, value, MAX_SELF_BUDGET_SCALE, `AlgoPerf's self-tuning ruleset grants 1.5× (3× in its first rules); at most ${MAX_SELF_BUDGET_SCALE}`, raw);
}

/** One factor of a planned grid, e.g. { what: '--studies', n: 5 } or { what: 'workload(s)', n: 6 }. */
export interface GridFactor {
  readonly what: string;
  readonly n: number;
}

/**
 * The trials a grid plans, refused above `ceiling` (MAX_PLANNED_TRIALS) with one line
 * that shows the product and `split` (how to cut this command's grid). Computed from
 * the counts alone, before anything is generated.
 */
export function checkPlannedTrials(factors: readonly GridFactor[], split: string, ceiling = MAX_PLANNED_TRIALS): number {
  const total = factors.reduce((product, f) => product * f.n, 1);
  if (!(total <= ceiling)) {
    const product = factors.map((f) => `${count(f.n)} ${f.what}`).join(' × ');
    throw new AlgobenchError('E_USAGE', `${product} would plan ${count(total)} trials, more than the ${count(ceiling)} one command may plan; ${split}`);
  }
  return total;
}

/** What `run` (planBenchmark) is given, as counts. */
export interface RunBoundsInput {
  readonly studies: number;
  readonly trials: number;
  readonly seed: number;
  /** The run's --budget-scale; undefined = 1. */
  readonly budgetScale?: number | undefined;
  /** --self-budget-scale; undefined = the default (1.5). */
  readonly selfTuningBudgetScale?: number | undefined;
  /** Workloads after expanding `all` and `NAME:*` (expandWorkloadRefs(...).length). */
  readonly workloadCount: number;
  readonly submissionCount: number;
}

/**
 * Every bound of `run`: studies, trials, seed, budget scales, and the planned trial
 * count (workloads × submissions × studies × trials). Throws one E_USAGE line.
 */
export function checkRunBounds(input: RunBoundsInput): void {
  checkStudies(input.studies);
  checkTrials(input.trials);
  checkSeed(input.seed);
  if (input.budgetScale !== undefined) checkBudgetScale(input.budgetScale);
  if (input.selfTuningBudgetScale !== undefined) checkSelfBudgetScale(input.selfTuningBudgetScale);
  const cells = input.workloadCount * input.submissionCount;
  const perCell = input.studies * input.trials;
  const split =
    cells > 1 && perCell <= MAX_PLANNED_TRIALS
      ? `split it into runs on the same ${setting('dbPath')}, e.g. one per workload and submission (${count(cells)} runs of ${count(perCell)} trials; their trials share the store and its leaderboards), or lower ${setting('studies')} / ${setting('trials')}`
      : `lower ${setting('studies')} × ${setting('trials')} to at most ${count(MAX_PLANNED_TRIALS)} per workload and submission, and run workloads and submissions a few at a time on the same ${setting('dbPath')}`;
  checkPlannedTrials(
    [
      { what: 'workload(s)', n: input.workloadCount },
      { what: 'submission(s)', n: input.submissionCount },
      { what: 'studies', n: input.studies },
      { what: 'trials', n: input.trials },
    ],
    split,
  );
}
