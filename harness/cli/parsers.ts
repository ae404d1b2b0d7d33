/**
 * The parsers behind the options (commander calls them with each raw value). Every
 * number a command takes goes through one of these: the text must be a plain decimal
 * number ("0x10", "Infinity", "", " " and, for integers, "1e3" are refused, not
 * coerced), and its range is checked by harness/benchmark/plan_bounds.ts, so a bad
 * value ends in one line naming the flag, the text typed, the range and the fix.
 *
 * Each shared option has exactly one parser here, a module-level constant, so that
 * options.ts and the test of shared options can tell two commands' parsers apart by
 * identity.
 */
import {
  checkBudgetScale, checkInteger, checkNonNegative, checkPositive, checkRepeats, checkSeed, checkSelfBudgetScale,
  checkStudies, checkTrials, type ValueSource,
} from '../benchmark/plan_bounds.ts';
import { checkShard, type Shard } from '../benchmark/shard.ts';
import { AlgobenchError } from '../core/errors.ts';

/** A repeatable, comma-separable list option: `-w a,b -w c` → [a, b, c]. */
export const collect = (value: string, previous: readonly string[] = []): string[] => [
  ...previous,
  ...value.split(',').map((s) => s.trim()).filter(Boolean),
];

/** A repeatable option whose values may hold commas (file paths): `--x a --x b` → [a, b]. */
export const collectEach = (value: string, previous: readonly string[] = []): string[] => [...previous, value];

const INTEGER_TEXT = /^[+-]?\d+$/;
const DECIMAL_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Plain decimal integer text → its number; anything else → NaN (the range check then names the flag). */
export const integerText = (value: string): number => (INTEGER_TEXT.test(value.trim()) ? Number(value.trim()) : NaN);
/** Plain decimal text (an exponent allowed) → its number; anything else → NaN. */
export const decimalText = (value: string): number => (DECIMAL_TEXT.test(value.trim()) ? Number(value.trim()) : NaN);

type Check = (value: number, source: ValueSource & { readonly name: string }) => number;
const parser = (name: string, text: (value: string) => number, check: Check) => (value: string): number =>
  check(text(value), { name: `--${name}`, raw: value });

/** An integer option in [min, max] (max: the largest safe integer), with `fix` in its message. */
export function integer(name: string, { min, max = Number.MAX_SAFE_INTEGER, fix }: { min: number; max?: number; fix?: string }) {
  return parser(name, integerText, (n, { name, raw }) => checkInteger(name, n, { min, max }, fix, raw));
}

/** A finite number option in (0, max]. */
export function positiveNumber(name: string, max: number, fix?: string) {
  return parser(name, decimalText, (n, { name, raw }) => checkPositive(name, n, max, fix, raw));
}

/** A finite number option in [0, max] (any finite number ≥ 0 by default). */
export function nonNegativeNumber(name: string, max?: number, fix?: string) {
  return parser(name, decimalText, (n, { name, raw }) => checkNonNegative(name, n, max, fix, raw));
}

/** `--seed` of every command: a non-negative safe integer. */
export const parseSeed = parser('seed', integerText, checkSeed);
/** `--studies`: 1 to MAX_STUDIES. */
export const parseStudies = parser('studies', integerText, checkStudies);
/** `--trials`: 1 to MAX_TRIALS. */
export const parseTrials = parser('trials', integerText, checkTrials);
/** `--budget-scale`: (0, MAX_BUDGET_SCALE]. */
export const parseBudgetScale = parser('budget-scale', decimalText, checkBudgetScale);
/** `--self-budget-scale`: (0, MAX_SELF_BUDGET_SCALE]. */
export const parseSelfBudgetScale = parser('self-budget-scale', decimalText, checkSelfBudgetScale);
/**
 * Counts of whole trials under another name (set-targets --reruns, verify-targets
 * --seeds, bench --repeat) and budget factors of the same meaning as --budget-scale
 * (set-targets --tune-budget-factor): the same check, the command's own flag.
 */
export const repeats = (name: string) => parser(name, integerText, checkRepeats);
export const budgetFactor = (name: string) => parser(name, decimalText, checkBudgetScale);

/** `run --shard I/N`: index I of N shards (0 ≤ I < N), checked by benchmark/shard.ts. */
export const parseShard = (value: string): Shard => {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  if (m === null) throw new AlgobenchError('E_USAGE', `--shard must be I/N, two whole numbers such as 0/4 (got "${value}"); pass --shard I/N with 0 ≤ I < N`);
  return checkShard(Number(m[1]), Number(m[2]), `--shard ${value.trim()}`);
};
/** `run --shard-count`, `slurm`/`k8s --parallel` and `--cpus`: positive counts. */
export const positiveCount = (name: string) => integer(name, { min: 1, max: 100_000 });

/** `--price-per-core-hour`: one parser for every command that states costs in money. */
export const parsePricePerCoreHour = positiveNumber('price-per-core-hour', 1_000_000, 'it is the price of one CPU core for one hour');
