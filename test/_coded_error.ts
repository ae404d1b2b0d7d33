/**
 * The check every test of a refusal makes: `fn` throws an AlgobenchError with this
 * code and a one-line message (what the CLI prints as is) containing every fragment.
 * Returns the error for the checks a test adds of its own.
 */
import { expect } from 'vitest';
import { AlgobenchError } from '../harness/core/errors.ts';

export function expectCodedError(fn: () => unknown, code: string, ...fragments: string[]): AlgobenchError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected an ${code} error`).toBeInstanceOf(AlgobenchError);
  const err = caught as AlgobenchError;
  expect(err.code).toBe(code);
  expect(err.message).not.toMatch(/[\r\n]/);
  for (const fragment of fragments) expect(err.message).toContain(fragment);
  return err;
}
