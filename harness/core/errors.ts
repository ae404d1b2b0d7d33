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

/** What a machine has run out of, by the errno of a failed spawn or write, in words. */
const EXHAUSTED: Readonly<Record<string, string>> = {
  EMFILE: 'out of file descriptors',
  ENFILE: 'out of file descriptors (system-wide)',
  EAGAIN: 'out of processes or memory',
  ENOMEM: 'out of memory',
  ENOSPC: 'out of disk space',
  EDQUOT: 'over its disk quota',
  EFBIG: 'over its file-size limit (ulimit -f)',
};

/** What the machine ran out of, when `err` is a system error that says so. */
export function exhaustedResource(err: unknown): string | undefined {
  const code = err !== null && typeof err === 'object' ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(EXHAUSTED, code) ? EXHAUSTED[code] : undefined;
}

/**
 * A fault of this machine, not of the submission: a trial's or an inspection's process
 * could not start, or its training split could not be written. Raised, never stored as
 * the submission's failure (a `crashed` trial counts against it, and resume would not
 * run it again): the run stores the trial as interrupted, which resume runs again, and
 * stops with this message (execute.ts).
 */
export class MachineFault extends AlgobenchError {
  /** What to do before the same command runs again: free what ran out, or fix the machine. */
  readonly remedy: string;

  constructor(what: string, cause: unknown) {
    const out = exhaustedResource(cause);
    const diagnosis = out === undefined ? 'a fault of this machine or of its installation' : `this machine is ${out}`;
    super('E_MACHINE', `${what} (${errorMessage(cause)}): ${diagnosis}, not of the submission`, { cause });
    this.remedy = out === undefined ? 'fix that' : 'free what ran out';
  }
}

/** Whether `err` is a MachineFault. */
export const isMachineFault = (err: unknown): err is MachineFault => err instanceof MachineFault;

/** The message of anything thrown, without a stack: what a trial row keeps. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
