/**
 * The flag of each API setting a message can name (core/errors.ts): the layers below
 * the CLI write `setting('dbPath')`, and main.ts words it `--db` here, the one place
 * where a setting's flag is spelled for messages. A Record, so a new setting without a
 * flag is a type error.
 */
import type { Setting } from '../core/errors.ts';

export const FLAG_OF: Readonly<Record<Setting, string>> = {
  workloads: '--workload',
  submissions: '--submission',
  ruleset: '--ruleset',
  trials: '--trials',
  studies: '--studies',
  seed: '--seed',
  dbPath: '--db',
  backend: '--backend',
  budgetScale: '--budget-scale',
  selfTuningBudgetScale: '--self-budget-scale',
  outDir: '--out',
  reference: '--reference',
  dir: '--dir',
  minReached: '--min-reached',
  plan: '--plan',
  shard: '--shard',
  shardCount: '--shard-count',
  searchSpaces: '--search-space',
  budgetSaver: '--budget-saver',
  saveCorpus: '--save-corpus',
};

/** The flag of `name`, for AlgobenchError.wordedWith. */
export const flagOf = (name: Setting): string => FLAG_OF[name];
