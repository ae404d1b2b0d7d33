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
  | 'E_INTERRUPTED';

export class AlgobenchError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AlgobenchError';
    this.code = code;
  }
}

/** The message of anything thrown, without a stack: what a trial row keeps. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
