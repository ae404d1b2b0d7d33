/**
 * Errors are data: every failure the user can cause carries a code and a one-line
 * message that names the problem and how to fix it. Only the CLI entry point turns
 * one into an exit code.
 */
export type ErrorCode =
  | 'E_USAGE'
  | 'E_UNKNOWN_WORKLOAD'
  | 'E_UNKNOWN_VARIANT'
  | 'E_UNKNOWN_SUBMISSION'
  | 'E_BAD_SUBMISSION'
  | 'E_SEARCH_SPACE'
  | 'E_BACKEND'
  | 'E_STORE'
  | 'E_TARGETS'
  | 'E_TIMES_FILE'
  | 'E_VERIFY'
  | 'E_PLAN'
  | 'E_BENCH'
  | 'E_INTERRUPTED'
  | 'E_MACHINE';

/**
 * The settings a message may point the user at, by their names in the API (the fields
 * of BenchmarkOptions, LeaderboardOptions and the other option objects). Layers below
 * the CLI never name a flag: a message writes a setting as `setting('dbPath')`, its
 * `.message` shows the API name (`pass dbPath with another file`), and the CLI words
 * it as its flag (`pass --db with another file`, harness/cli/flags.ts).
 */
export const SETTINGS = [
  'workloads', 'submissions', 'ruleset', 'trials', 'studies', 'seed', 'dbPath', 'backend', 'budgetScale', 'selfTuningBudgetScale',
  'outDir', 'reference', 'dir', 'minReached', 'plan', 'shard', 'shardCount', 'searchSpaces', 'budgetSaver', 'saveCorpus',
] as const;
export type Setting = (typeof SETTINGS)[number];

const SETTING_MARK = new RegExp(`\\{(${SETTINGS.join('|')})\\}`, 'g');

/** A setting's place in a message template: `{dbPath}`. */
export const setting = (name: Setting): string => `{${name}}`;

export class AlgobenchError extends Error {
  readonly code: ErrorCode;
  /** The message with each setting it names marked (`setting(name)`), for wordedWith. */
  readonly template: string;

  constructor(code: ErrorCode, template: string, options?: { cause?: unknown }) {
    super(template.replace(SETTING_MARK, (_, name: string) => name), options);
    this.name = 'AlgobenchError';
    this.code = code;
    this.template = template;
  }

  /** The message with each setting it names worded by `word` (the CLI: the setting's flag). */
  wordedWith(word: (name: Setting) => string): string {
    return this.template.replace(SETTING_MARK, (_, name: Setting) => word(name));
  }
}

/**
 * A fault of this machine, not of the submission: a trial's or an inspection's process
 * could not start, or its training split could not be written. Raised, never stored as
 * the submission's failure (a `crashed` trial counts against it, and resume would not
 * run it again): the run stores the trial as interrupted, which resume runs again, and
 * stops with this message (execute.ts).
 */
export function machineFault(what: string): AlgobenchError {
  return new AlgobenchError('E_MACHINE', `${what}: a fault of this machine (out of file descriptors, processes, memory or disk space), not of the submission`);
}

/** Whether `err` is a machineFault. */
export const isMachineFault = (err: unknown): err is AlgobenchError => err instanceof AlgobenchError && err.code === 'E_MACHINE';

/** The message of anything thrown, without a stack: what a trial row keeps. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
